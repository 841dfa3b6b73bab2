"""`symcheck bench phenopackets`: rare-disease ranking accuracy and speed on phenopacket-store cases."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from symcheck.bench import phenopackets as bench
from symcheck.cli.apps import bench_app
from symcheck.errors import InputError
from symcheck.rare import service


@bench_app.command("phenopackets")
def phenopackets(
    file: Path = typer.Argument(..., help="Phenopacket cases, one JSON object per line."),
    json_out: Path = typer.Option(
        None, "--json", help="Also write the figures and per-case ranks as JSON here."
    ),
    limit: int = typer.Option(None, "--limit", min=1, help="Only the first N cases."),
    split: str = typer.Option(
        "all", "--split", help="all, or A / B: a fixed half of the cohorts (tune on one, check on the other)."
    ),
    sources: str = typer.Option(
        "OMIM", "--sources", help="Candidate diseases: OMIM, ORPHA, DECIPHER or all."
    ),
) -> None:
    """Top-1/3/10 and MRR of the rare-disease ranker, with and without leave-publication-out."""
    if split not in ("all", "A", "B"):
        raise InputError("split", f"expected all, A or B, got {split!r}")
    chosen = (
        service.ALL_SOURCES
        if sources.lower() == "all"
        else tuple(s.strip().upper() for s in sources.split(","))
    )
    cases = bench.load_cases(file)
    if split != "all":
        cases = [c for c in cases if bench.cohort_half(c) == split]
    if limit is not None:
        cases = cases[:limit]
    if not cases:
        raise InputError("file", f"no cases in {file}")
    console = Console()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("loading HPO index", total=len(cases))
        index = service.load_rare_index()
        progress.update(task, description="ranking cases")
        report = bench.evaluate(
            index,
            cases,
            sources=chosen,
            file=str(file),
            progress=lambda done: progress.update(task, completed=done),
        )
    table = Table(
        title=f"Phenopackets: {report.n_cases:,} cases ({report.n_annotated:,} with an annotated diagnosis), "
        f"{'/'.join(chosen)} candidates, HPO {report.hpoa_version}"
    )
    for col in ("profile", "cases", "n", "top-1", "top-3", "top-10", "MRR", "ms/case", "CPU ms/case"):
        table.add_column(col, justify="right" if col not in ("profile", "cases") else "left")
    for label, mode in (("leave-publication-out", report.leave_publication_out), ("full", report.full)):
        for subset, m in (("all", mode.all_cases), ("annotated", mode.annotated_cases)):
            table.add_row(
                label,
                subset,
                f"{m.n:,}",
                f"{m.top1:.1%}",
                f"{m.top3:.1%}",
                f"{m.top10:.1%}",
                f"{m.mrr:.3f}",
                f"{mode.seconds_per_case * 1000:.2f}",
                f"{mode.cpu_seconds_per_case * 1000:.2f}",
            )
    console.print(table)
    console.print(
        "Ties take the mid-rank; a diagnosis missing from the annotations counts as a miss in 'all'. "
        "Leave-publication-out drops the target disease's rows whose only reference is the case's PMID.",
        highlight=False,
    )
    if json_out:
        json_out.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {json_out}", highlight=False)
