"""`symcheck bench engine`: engine speed and memory on synthetic packs."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from symcheck.bench import engine as bench
from symcheck.cli.apps import bench_app
from symcheck.kb.pack import load_pack

GOALS_MS = {50: 1.0, 1_000: 5.0, 10_000: 50.0}


@bench_app.command("engine")
def engine(
    patients: int = typer.Option(20, min=1, help="Simulated interviews per pack size."),
    steps: int = typer.Option(15, min=1, help="Questions per interview."),
    json_out: Path = typer.Option(None, "--json", help="Also write the figures as JSON here."),
    quick: bool = typer.Option(False, help="Only the two smaller sizes (for smoke tests)."),
    pack: str = typer.Option(None, "--pack", help="Instead: time one real interview step (next question + result) "
                             "on this built-in pack or pack folder."),
    interviews: int = typer.Option(40, min=1, help="With --pack: simulated interviews (each to its end)."),
) -> None:
    """Median and p99 time of one step (posterior + next question) at 50, 1,000 and 10,000 conditions, or with
    --pack of one real interview step on a pack."""
    if pack is not None:
        _pack_step(pack, interviews, json_out)
        return
    sizes = bench.SIZES[:2] if quick else bench.SIZES
    with Progress(transient=True) as progress:
        task = progress.add_task("timing synthetic packs", total=len(sizes))
        figures = bench.run(sizes, patients, steps, progress=lambda done, total: progress.update(task, completed=done))
    compile_s = bench.compile_seconds()
    table = Table(title="Engine step: posterior + next question (one core)")
    for col in ("conditions", "evidence", "links", "steps", "median ms", "p99 ms", "goal ms", "peak MiB", "model MiB"):
        table.add_column(col, justify="right")
    for f in figures:
        table.add_row(f"{f.conditions:,}", f"{f.evidence:,}", f"{f.links:,}", str(f.steps), f"{f.median_ms:.3f}",
                      f"{f.p99_ms:.3f}", f"{GOALS_MS.get(f.conditions, float('nan')):g}", f"{f.peak_mib:.1f}",
                      f"{f.model_mib:.1f}")
    console = Console()
    console.print(table)
    console.print(f"Compile a 1,000-condition, 2,000-evidence pack: {compile_s * 1000:.0f} ms")
    if json_out:
        json_out.write_text(json.dumps({"steps": [asdict(f) for f in figures], "compile_1000x2000_s": compile_s}, indent=2))


PACK_GOAL_MS = 2.0  # one interview step on a built-in pack, median (issue 12)


def _pack_step(name: str, interviews: int, json_out: Path | None) -> None:
    loaded = load_pack(name)  # an unknown pack is a SymcheckError: the CLI prints it and exits non-zero
    with Progress(transient=True) as progress:
        progress.add_task(f"timing interviews on {loaded.id}", total=None)
        f = bench.measure_pack(loaded, interviews)
    table = Table(title=f"Interview step on {f.pack}: next question + result (one process)")
    for col in ("conditions", "evidence", "links", "steps", "median ms", "p99 ms", "CPU median ms", "CPU p99 ms",
                "goal ms (median)"):
        table.add_column(col, justify="right")
    table.add_row(str(f.conditions), str(f.evidence), f"{f.links:,}", str(f.steps), f"{f.median_ms:.3f}",
                  f"{f.p99_ms:.3f}", f"{f.cpu_median_ms:.3f}", f"{f.cpu_p99_ms:.3f}", f"{PACK_GOAL_MS:g}")
    Console().print(table)
    if json_out:
        json_out.write_text(json.dumps({"pack_step": asdict(f)}, indent=2))
