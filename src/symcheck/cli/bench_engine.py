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

# Goals for the p99 of one step (the tail a user waits for, not the typical step).
GOALS_MS = {50: 1.0, 1_000: 5.0, 10_000: 50.0}


def _verdict(value: float, goal: float | None) -> str:
    if goal is None:
        return "-"
    return "met" if value <= goal else "[bold red]MISSED[/]"


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
    for col in ("conditions", "evidence", "links", "steps", "median ms", "p99 ms", "goal: p99 ms", "goal",
                "peak MiB", "model MiB"):
        table.add_column(col, justify="right")
    misses = []
    for f in figures:
        goal = GOALS_MS.get(f.conditions)
        if goal is not None and f.p99_ms > goal:
            misses.append(f"{f.conditions:,} conditions: p99 {f.p99_ms:.3f} ms > {goal:g} ms")
        table.add_row(f"{f.conditions:,}", f"{f.evidence:,}", f"{f.links:,}", str(f.steps), f"{f.median_ms:.3f}",
                      f"{f.p99_ms:.3f}", f"{goal:g}" if goal is not None else "-", _verdict(f.p99_ms, goal),
                      f"{f.peak_mib:.1f}", f"{f.model_mib:.1f}")
    console = Console()
    console.print(table)
    console.print("Goals are for the p99 of one step. " + ("Missed: " + "; ".join(misses) if misses else "All met."),
                  markup=False)
    console.print(f"Compile a 1,000-condition, 2,000-evidence pack: {compile_s * 1000:.0f} ms")
    if json_out:
        json_out.write_text(json.dumps({"steps": [asdict(f) for f in figures], "compile_1000x2000_s": compile_s,
                                        "goals_p99_ms": {str(k): v for k, v in GOALS_MS.items()},
                                        "goals_missed": misses}, indent=2))


PACK_GOAL_MS = 2.0  # one interview step on a built-in pack, median (issue 12)


def _pack_step(name: str, interviews: int, json_out: Path | None) -> None:
    loaded = load_pack(name)  # an unknown pack is a SymcheckError: the CLI prints it and exits non-zero
    with Progress(transient=True) as progress:
        progress.add_task(f"timing interviews on {loaded.id}", total=None)
        f = bench.measure_pack(loaded, interviews)
    table = Table(title=f"Interview step on {f.pack}: next question + result (one process)")
    for col in ("conditions", "evidence", "links", "steps", "median ms", "p99 ms", "CPU median ms", "CPU p99 ms",
                "goal: median ms", "goal"):
        table.add_column(col, justify="right")
    table.add_row(str(f.conditions), str(f.evidence), f"{f.links:,}", str(f.steps), f"{f.median_ms:.3f}",
                  f"{f.p99_ms:.3f}", f"{f.cpu_median_ms:.3f}", f"{f.cpu_p99_ms:.3f}", f"{PACK_GOAL_MS:g}",
                  _verdict(f.median_ms, PACK_GOAL_MS))
    Console().print(table)
    if json_out:
        json_out.write_text(json.dumps({"pack_step": asdict(f)}, indent=2))
