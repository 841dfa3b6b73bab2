"""`symcheck kb import-ddxplus` (a pack from the DDXPlus release files) and `symcheck kb fit` (learn a
pack's priors and likelihoods from case records)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from symcheck.cli.apps import kb_app
from symcheck.errors import InputError

NUMBER_MODELS = ("auto", "interval", "categorical")


@kb_app.command("import-ddxplus")
def import_ddxplus(
    conditions: Path = typer.Option(..., "--conditions", help="release_conditions.json (English or French)."),
    evidences: Path = typer.Option(..., "--evidences", help="release_evidences.json of the same language."),
    out: Path = typer.Option(..., "--out", help="Folder to write the pack to (replaced if it is a pack)."),
    other_evidences: Path | None = typer.Option(
        None,
        "--other-evidences",
        help="release_evidences.json in the other language, to map French names onto English codes "
        "(default: looked for next to --evidences).",
    ),
    pack_id: str = typer.Option("ddxplus", "--id", help="Pack id."),
    linked_p: float = typer.Option(0.5, "--linked-p", help="P(evidence | pathology) for the evidences a pathology lists, before fitting."),
    background: float = typer.Option(0.01, "--background", help="P(evidence | pathology) for those it does not list, before fitting."),
) -> None:
    """Build a knowledge pack from the DDXPlus release files (structure-only likelihoods until `kb fit`)."""
    import re

    from symcheck.ddxplus.importer import import_ddxplus as run_import
    from symcheck.kb.pack import load_pack

    if not re.fullmatch(r"[A-Za-z0-9_]+", pack_id):
        raise InputError("id", f"{pack_id!r} is not an id (letters, digits, _)")
    path, note = run_import(
        conditions, evidences, out, other_evidences=other_evidences, pack_id=pack_id, linked_p=linked_p, background=background
    )
    pack = load_pack(path)  # the written pack must validate and compile
    Console(highlight=False).print(
        f"wrote {path}: {len(pack.conditions)} conditions, {len(pack.evidence)} evidences, "
        f"{len(pack.meta.complaints)} complaints ({note})",
        markup=False,
    )


@kb_app.command("fit")
def fit(
    pack: str = typer.Argument(..., help="Pack name or folder to fit."),
    files: list[Path] | None = typer.Argument(None, help="More case files (same as --cases)."),
    cases: list[Path] | None = typer.Option(
        None, "--cases", help="Case file: DDXPlus patients (.csv or the released .zip, English or French) or .jsonl."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the fitted pack here instead of in place."),
    strength: float = typer.Option(2.0, "--strength", help="Pseudo-cases behind each yes/no likelihood's prior mean."),
    value_strength: float = typer.Option(20.0, "--value-strength", help="The same for choice and number values."),
    number_model: str = typer.Option(
        "auto",
        "--number-model",
        help="Number evidences (0-10 scales): 'interval' (uniform over a learnt range), 'categorical' (a rate per "
        "value) or 'auto' (per evidence, whichever predicts left-out cases better).",
    ),
    floor: float = typer.Option(1e-4, "--floor", help="No probability below this (or above 1 - floor)."),
    source: str | None = typer.Option(None, "--source", help="Source id (sources.yaml) for the fitted figures."),
    skip_unknown: bool = typer.Option(False, "--skip-unknown", help="Skip cases whose condition the pack lacks."),
    limit: int | None = typer.Option(None, "--limit", help="Read at most this many cases per file."),
) -> None:
    """Learn priors (by age band and sex) and likelihoods from case records, streamed; smoothing falls back on
    the pack's structure where data is thin."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from symcheck.kb.fit import FitOptions, fit_pack

    case_files = [*(cases or []), *(files or [])]
    if not case_files:
        raise InputError("cases", "give at least one case file (--cases FILE)")
    if number_model not in NUMBER_MODELS:
        raise InputError("number-model", f"{number_model!r} is not one of {', '.join(NUMBER_MODELS)}")
    opts = FitOptions(
        strength=strength,
        value_strength=value_strength,
        number_model=number_model,
        floor=floor,
        source=source,
        skip_unknown=skip_unknown,
        limit=limit,
    )
    console = Console(stderr=True)
    with Progress(SpinnerColumn(), TextColumn("reading cases"), BarColumn(), TextColumn("{task.completed:,} cases"), TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("fit", total=None)
        report = fit_pack(pack, case_files, out, options=opts, on_progress=lambda n: bar.update(task, completed=n))
    table = Table(title=f"Fitted {report.pack}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    covered = sum(1 for n in report.per_condition.values() if n > 0)
    table.add_row("cases", f"{report.cases:,}")
    table.add_row("conditions with cases", f"{covered} of {len(report.per_condition)}")
    table.add_row("items the pack does not know", f"{report.unknown_items:,}")
    table.add_row("cases skipped", f"{report.skipped_cases:,}")
    table.add_row("new links found in the data", str(report.new_links))
    table.add_row("seconds", f"{report.seconds:.1f}")
    table.add_row("peak memory (MB)", f"{report.peak_memory_mb:.0f}")
    Console().print(table)
    for note in report.notes:
        Console(highlight=False).print(f"note: {note}", markup=False)
