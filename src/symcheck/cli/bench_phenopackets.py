"""`symcheck bench phenopackets`: rare-disease ranking accuracy, calibration and speed on phenopacket cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from symcheck.bench import phenopackets as bench
from symcheck.cli.apps import bench_app
from symcheck.errors import InputError
from symcheck.rare import service


def _ratio(r: float | None) -> str:
    return "-" if r is None else f"{r:.2f}×"


@bench_app.command("phenopackets")
def phenopackets(
    files: list[Path] = typer.Argument(None, help="Phenopacket case files, one JSON object per line."),
    cases_files: list[Path] = typer.Option(
        [], "--cases", help="More case files (repeat the option); each is reported on its own."
    ),
    json_out: Path = typer.Option(None, "--json", help="Also write the figures and per-case ranks as JSON here."),
    limit: int = typer.Option(None, "--limit", min=1, help="Only the first N cases of each file."),
    split: str = typer.Option(
        "all", "--split", help="all, or A / B: a fixed half of the cohorts (A was used for tuning; B is held out)."
    ),
    sources: str = typer.Option("OMIM", "--sources", help="Candidate diseases: OMIM, ORPHA, DECIPHER or all."),
    random_queries: int = typer.Option(
        100, "--random-queries", min=0, help="Random-term queries per size (5 and 200 terms); 0 skips them."
    ),
    fit_calibration: bool = typer.Option(
        False, "--fit-calibration", help="Also fit the calibration constants on these cases (tuning only)."
    ),
) -> None:
    """Top-1/3/10 and MRR beside a Phenomizer-style baseline, leave-publication-out and full, with and without
    excluded terms; calibration of the top-1 score share and of the top-1 probability (out-of-fold by cohort);
    random-term queries; time per case."""
    if split not in ("all", "A", "B"):
        raise InputError("split", f"expected all, A or B, got {split!r}")
    chosen = (
        service.ALL_SOURCES
        if sources.strip().lower() == "all"
        else tuple(s.strip().upper() for s in sources.split(",") if s.strip())
    )
    service.check_sources(list(chosen))
    paths = list(files or []) + list(cases_files)
    if not paths:
        raise InputError("file", "give at least one case file (an argument or --cases)")
    case_sets = []
    for path in paths:
        cases = bench.load_cases(path)
        if split != "all":
            cases = [c for c in cases if bench.cohort_half(c) == split]
        if limit is not None:
            cases = cases[:limit]
        if not cases:
            raise InputError("file", f"no cases in {path}" + (f" (split {split})" if split != "all" else ""))
        case_sets.append((str(path), cases))
    console = Console()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("loading HPO index", total=sum(len(c) for _, c in case_sets))
        index = service.load_rare_index()
        progress.update(task, description="ranking cases")
        report = bench.evaluate(
            index,
            case_sets,
            sources=chosen,
            split=split,
            random_queries=random_queries,
            fit_calibration=fit_calibration,
            progress=lambda done: progress.update(task, completed=done),
        )
    for s in report.sets:
        _print_set(console, s, chosen, report.hpoa_version)
    if report.random_terms:
        t = Table(title="Random-term queries (phenotypic-abnormality terms drawn uniformly; no disease fits them)")
        for col in ("terms", "queries", "mean top-1 share", "max top-1 share", "mean share of none of these",
                    "mean top-1 probability", "max top-1 probability"):
            t.add_column(col, justify="right")
        for r in report.random_terms:
            t.add_row(
                str(r.n_terms),
                str(r.n_queries),
                f"{r.mean_top1_share:.3f}",
                f"{r.max_top1_share:.3f}",
                f"{r.mean_unknown_share:.3f}",
                f"{r.mean_top1_probability:.3f}",
                f"{r.max_top1_probability:.3f}",
            )
        console.print(t)
    if report.fitted_calibration:
        fitted = ", ".join(f"{k}={v:.4g}" for k, v in report.fitted_calibration.items())
        console.print(f"calibration fitted on these cases (do not report them as held out): {fitted}",
                      highlight=False)
    console.print(
        "Ties take the mid-rank; a diagnosis that is not among the candidates counts as a miss in 'all'. "
        "Leave-publication-out drops the target disease's rows whose only reference is the case's PMID "
        f"(for the baseline too). Corpus options: {', '.join(f'{k}={v:g}' for k, v in report.corpus_options.items())}"
        " (learnt from how phenopacket-store was curated; off by default). symcheck-independent-terms: the "
        "default without the dependence discount (each term's log-LR summed as if independent). The model was "
        "tuned on split A of the dev sample: figures on those cases are not held out. The top-1 probability's "
        "shipped coefficients were fitted on the whole dev sample: there, its out-of-fold table is the one to read.",
        highlight=False,
    )
    if json_out:
        json_out.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {json_out}", highlight=False)


def _print_set(console: Console, s: bench.SetReport, chosen: tuple[str, ...], hpoa_version: str) -> None:
    split = "" if s.split == "all" else f", split {s.split}"
    table = Table(
        title=f"{s.file}{split}: {s.n_cases:,} cases, {s.n_not_candidate:,} with a diagnosis that is not among the "
        f"{'/'.join(chosen)} candidates; HPO {hpoa_version}"
    )
    cols = ("profile", "model", "excluded", "top-1", "top-3", "top-10", "MRR", "× baseline (1/3/10/MRR)",
            "top-1 (cand.)", "ms p50", "CPU ms p50", "ms mean")
    for col in cols:
        table.add_column(col, justify="left" if col in ("profile", "model", "excluded") else "right")
    for m in s.modes:
        a = m.all_cases
        r = m.vs_baseline
        ratios = "baseline" if r is None else " ".join(_ratio(x) for x in (r.top1, r.top3, r.top10, r.mrr))
        table.add_row(
            m.profile,
            m.model,
            "yes" if m.excluded_terms else "no",
            f"{a.top1:.1%}",
            f"{a.top3:.1%}",
            f"{a.top10:.1%}",
            f"{a.mrr:.3f}",
            ratios,
            f"{m.candidate_cases.top1:.1%}",
            f"{m.ms_per_case_p50:.2f}",
            f"{m.cpu_ms_per_case_p50:.2f}",
            f"{m.ms_per_case_mean:.2f}",
        )
    console.print(table)
    for label, cal in (("leave-publication-out", s.calibration), ("full", s.calibration_full)):
        t = Table(
            title=f"Calibration of the top-1 score share ({label}, excluded terms used): ECE {cal.ece:.3f}"
            + (f" (95 % interval by cohort bootstrap {cal.ece_ci95[0]:.3f}-{cal.ece_ci95[1]:.3f})" if cal.ece_ci95 else "")
            + " over "
            f"{cal.n:,} cases; mean top-1 share {cal.mean_top1_share:.3f} vs top-1 accuracy "
            f"{cal.top1_accuracy:.3f}; mean share of none of these {cal.mean_unknown_share:.3f}"
        )
        console.print(_reliability(t, cal, "share"))
    for label, cal in (
        ("out-of-fold: 5-fold cross-fitting by cohort within this file", s.probability_crossfit),
        ("shipped coefficients, fitted on the whole dev sample: in-sample there", s.probability),
    ):
        t = Table(
            title=f"Calibration of the top-1 probability (leave-publication-out, excluded terms used; {label}): "
            f"ECE {cal.ece:.3f}"
            + (f" (95 % interval by cohort bootstrap {cal.ece_ci95[0]:.3f}-{cal.ece_ci95[1]:.3f})" if cal.ece_ci95 else "")
            + f" over {cal.n:,} cases; mean probability {cal.mean_top1_share:.3f} vs top-1 accuracy "
            f"{cal.top1_accuracy:.3f}"
        )
        console.print(_reliability(t, cal, "probability"))


def _reliability(table: Table, cal: Any, what: str) -> Table:
    """A reliability table: per bin of the figure, the cases, its mean and the top-1 accuracy."""
    for col in (f"{what} bin", "cases", f"mean {what}", "accuracy"):
        table.add_column(col, justify="right")
    for b in cal.bins:
        table.add_row(f"{b.lo:.1f}-{b.hi:.1f}", f"{b.n:,}", f"{b.mean_share:.3f}", f"{b.accuracy:.3f}")
    return table
