"""`symcheck bench ddxplus`: the DDXPlus interactive protocol and the paper's metrics on a pack."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from symcheck.cli.apps import bench_app
from symcheck.errors import InputError

# Published rows (DDXPlus paper, manuscript Tables 3 and 4, full test split, T = 30; trained on the
# pathology only). Percentages except IL.
PUBLISHED = {
    "AARLC": {"IL": 7.27, "GTPA@1": 98.86, "GTPA@3": 99.79, "GTPA@5": 99.93, "PER": 35.91, "PEP": 79.38, "PEF1": 45.51,
              "DDR@1": 72.73, "DDP@1": 72.73, "DDF1@1": 72.73, "DDR@3": 37.31, "DDP@3": 91.78, "DDF1@3": 51.25,
              "DDR@5": 28.56, "DDP@5": 95.97, "DDF1@5": 41.05},
    "BASD": {"IL": 17.85, "GTPA@1": 96.65, "GTPA@3": 98.32, "GTPA@5": 98.34, "PER": 88.15, "PEP": 73.26, "PEF1": 76.17,
             "DDR@1": 71.35, "DDP@1": 71.35, "DDF1@1": 71.35, "DDR@3": 37.19, "DDP@3": 92.05, "DDF1@3": 51.25,
             "DDR@5": 28.42, "DDP@5": 96.54, "DDF1@5": 41.05},
}  # fmt: skip
TABLE_KEYS = (
    "IL", "GTPA@1", "GTPA@3", "GTPA@5", "GTPA", "DDR", "DDP", "DDF1", "DDR@1", "DDF1@1", "DDR@3", "DDP@3",
    "DDF1@3", "DDR@5", "DDP@5", "DDF1@5", "DSP", "DSR", "DSF1", "PER", "PEP", "PEF1", "PSR", "PSP", "PSF1",
    "PAR", "PAP", "PAF1",
)  # fmt: skip


def _percent(metrics: dict[str, float] | None) -> dict[str, float] | None:
    if metrics is None:
        return None
    return {k: (v if k == "IL" else 100.0 * v) for k, v in metrics.items()}


def _fmt(key: str, value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f}"


def _table(title: str, columns: dict[str, dict[str, float] | None]) -> Table:
    table = Table(title=title)
    table.add_column("metric")
    for name in columns:
        table.add_column(name, justify="right")
    for key in TABLE_KEYS:
        values = [c.get(key) if c else None for c in columns.values()]
        if all(v is None for v in values):
            continue
        table.add_row(key, *(_fmt(key, v) for v in values))
    return table


@bench_app.command("ddxplus")
def ddxplus(
    pack: str = typer.Option(..., "--pack", help="Pack name or folder (with --folds: the imported, unfitted pack)."),
    patients: Path = typer.Option(..., "--patients", help="DDXPlus patients: CSV or the released zip, English or French."),
    max_turns: int = typer.Option(30, "--max-turns", help="At most this many questions after the initial evidence."),
    full_evidence: bool = typer.Option(False, "--full-evidence", help="Also score the posterior given the whole record (no interview)."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the figures as JSON here."),
    folds: int = typer.Option(0, "--folds", help="Cross-validate: fit on folds-1 parts of the patients, test on the rest, report means."),
    seed: int = typer.Option(0, "--seed", help="Seed of the fold assignment."),
    limit: int | None = typer.Option(None, "--limit", help="Use only the first N patients."),
    stop_probability: float | None = typer.Option(
        None, "--stop-probability", help="Stop when the leading condition reaches this (default: the pack's stop.probability)."
    ),
    min_gain: float = typer.Option(1e-4, "--min-gain", help="Stop when no question is worth this much information (nats)."),
    lookahead: bool = typer.Option(True, "--lookahead/--no-lookahead", help="Credit a parent question with what its follow-ups can tell."),
    list_threshold: float = typer.Option(
        0.4, "--list-threshold", help="With reference-differential shares in the pack: list a condition when the chance it is listed reaches this."
    ),
    posterior_only: bool = typer.Option(False, "--posterior-only", help="Score the posterior alone, ignoring reference-differential shares."),
) -> None:
    """Run the DDXPlus protocol: age, sex and the initial evidence, then one evidence per turn; print the
    paper's metrics as the official evaluator computes them, throughput and peak memory."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from symcheck.bench.ddxplus import Policy, cross_validate, evaluate, read_table
    from symcheck.kb.fit import FIT_FILE
    from symcheck.kb.pack import load_pack

    if stop_probability is not None and not 0.0 < stop_probability <= 1.0:
        raise InputError("stop-probability", f"{stop_probability} must lie in (0, 1]")
    if not 0.0 < list_threshold <= 1.0:
        raise InputError("list-threshold", f"{list_threshold} must lie in (0, 1]")
    if max_turns < 0:
        raise InputError("max-turns", "must be >= 0")
    if limit is not None and limit < 1:
        raise InputError("limit", "must be >= 1")
    if folds == 1 or folds < 0:
        raise InputError("folds", "use 0 (no cross-validation) or at least 2")
    if not patients.is_file():
        raise InputError("patients", f"no such file: {patients}")
    if stop_probability is None:
        stop_probability = load_pack(pack).meta.stop.probability
    policy = Policy(
        max_turns=max_turns,
        stop_probability=stop_probability,
        min_gain=min_gain,
        lookahead=lookahead,
        list_threshold=None if posterior_only else list_threshold,
    )
    console = Console(stderr=True)
    out = Console()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    started = time.perf_counter()
    report: dict[str, Any] = {
        "benchmark": "DDXPlus",
        "patients_file": str(patients),
        "protocol": {
            "max_turns": max_turns,
            "initial_evidence": True,
            "tau": 0.01,
            "stop_probability": stop_probability,
            "min_gain_nats": min_gain,
            "lookahead": lookahead,
            "list_threshold": None if posterior_only else list_threshold,
        },
        "units": "percent, except IL (questions asked + 1), patients_per_second and peak_memory_mb",
    }
    if folds:
        base = load_pack(pack)
        if (base.path / FIT_FILE).exists():
            console.print(f"warning: {base.path} was fitted already ({FIT_FILE}); cross-validation should start from the imported pack", markup=False)
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(f"{folds}-fold cross-validation", total=None)
            done = {"n": 0}

            def step(n: int) -> None:
                done["n"] += n
                bar.update(task, completed=done["n"])

            def fold_done(f: int, res: Any) -> None:
                bar.update(task, description=f"fold {f + 1} of {folds} done")
                if bar.tasks[0].total is None:
                    bar.update(task, total=res.patients * folds)

            cv = cross_validate(
                pack, patients, policy, folds=folds, seed=seed, full_evidence=full_evidence, limit=limit, on_progress=step, on_fold=fold_done
            )
        interactive = _percent(cv.mean)
        posterior = _percent(cv.posterior_mean)
        full = _percent(cv.full_mean)
        output = cv.folds[0].output
        report.update(
            {
                "pack": str(base.path),
                "cross_validation": {"folds": folds, "seed": seed, "fit_seconds": round(cv.fit_seconds, 2)},
                "patients": cv.patients,
                "folds": [
                    {
                        "patients": r.patients,
                        "interactive": _percent(r.metrics),
                        "full_evidence": _percent(r.full_evidence),
                    }
                    for r in cv.folds
                ],
            }
        )
        pps, seconds, peak = cv.patients_per_second, cv.seconds, cv.peak_memory_mb
        n_patients = cv.patients
    else:
        fitted = load_pack(pack)
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("reading patients", total=None)
            table = read_table(fitted, patients, limit=limit, on_progress=lambda n: bar.advance(task, n))
            bar.update(task, description="interviews", total=len(table), completed=0)
            res = evaluate(fitted, table, policy, full_evidence=full_evidence, on_progress=lambda n: bar.advance(task, n))
        interactive, posterior, full = _percent(res.metrics), _percent(res.posterior_metrics), _percent(res.full_evidence)
        output = res.output
        report.update({"pack": str(fitted.path), "patients": res.patients, "unknown_items": res.unknown_items})
        pps, seconds, peak = res.patients_per_second, res.seconds, res.peak_memory_mb
        n_patients = res.patients
    report.update(
        {
            "output": output,
            "interactive": interactive,
            "interactive_posterior_only": posterior if output == "reference" else None,
            "full_evidence": full,
            "published": PUBLISHED,
            "interview_seconds": round(seconds, 3),
            "patients_per_second": round(pps, 1),
            "total_seconds": round(time.perf_counter() - started, 2),
            "peak_memory_mb": round(peak, 1),
        }
    )
    title = f"DDXPlus, {n_patients:,} patients" + (f", {folds}-fold cross-validation (means)" if folds else "")
    cols: dict[str, dict[str, float] | None] = {"interactive": interactive}
    if output == "reference":
        cols["posterior only"] = posterior
    if full is not None:
        cols["full evidence"] = full
    cols.update(PUBLISHED)
    out.print(_table(title, cols))
    out.print(
        f"output: {'posterior + reference-differential listing' if output == 'reference' else 'posterior'}; "
        f"throughput {pps:,.0f} patients/s (interviews, one process); peak memory {peak:,.0f} MB",
        markup=False,
        highlight=False,
    )
    if json_out is not None:
        try:
            json_out.parent.mkdir(parents=True, exist_ok=True)
            json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise InputError("json", f"cannot write {json_out}: {exc.strerror}") from None
