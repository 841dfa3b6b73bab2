"""`symcheck bench scenarios FILE`: clinical scenarios through the real interview."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from symcheck.bench import scenarios as bench
from symcheck.cli.apps import bench_app
from symcheck.kb.pack import DEFAULT_PACK, load_pack


@bench_app.command("scenarios")
def scenarios(
    file: Path = typer.Argument(None, help="Scenario YAML (default: the pack's scenarios.yaml)."),
    pack: str = typer.Option(DEFAULT_PACK, "--pack", help="Pack name or folder."),
    json_out: Path = typer.Option(None, "--json", help="Also write the figures and every outcome as JSON."),
    show: bool = typer.Option(False, "--show", help="List every scenario, not only the misses."),
) -> None:
    """Top-1/top-3 hit rates, triage agreement, under- and over-triage and mean questions."""
    loaded = load_pack(pack)
    path = file or loaded.path / "scenarios.yaml"
    cases = bench.load_scenarios(path, loaded)
    with Progress(transient=True) as progress:
        task = progress.add_task("scenarios", total=len(cases))
        summary = bench.run(loaded, cases, progress=lambda: progress.advance(task))
    console = Console()
    rows = [o for o in summary.outcomes if show or o.top3_hit is False or o.triage != o.expected_triage]
    if rows:
        detail = Table(title="Scenarios" if show else "Misses")
        for col in ("id", "expected", "top 3", "triage (expected)", "questions"):
            detail.add_column(col)
        for o in rows:
            detail.add_row(o.id, ", ".join(o.expected_conditions) or "-", ", ".join(o.top3),
                           f"{o.triage} ({o.expected_triage})", str(o.questions))
        console.print(detail)
    table = Table(title=f"Scenarios: {path.name} on {loaded.id} {loaded.version}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("scenarios", str(summary.scenarios))
    table.add_row("top-1 hit rate", f"{summary.top1:.1%} of {summary.with_expected_condition}")
    table.add_row("top-3 hit rate", f"{summary.top3:.1%} of {summary.with_expected_condition}")
    table.add_row("triage exact agreement", f"{summary.triage_exact:.1%}")
    table.add_row("under-triage", str(summary.under_triage))
    table.add_row("over-triage", str(summary.over_triage))
    table.add_row("emergencies reaching their level", f"{summary.emergencies_reached} of {summary.emergencies}")
    table.add_row("mean questions", f"{summary.mean_questions:.1f}")
    console.print(table)
    if json_out:
        json_out.write_text(summary.model_dump_json(indent=2))
