"""`symcheck bench stop-cv`: choose the pack's stopping rule by cross-validation and show the figures."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from symcheck.bench import stop_cv as bench
from symcheck.cli.apps import bench_app
from symcheck.cli.bench_vignettes import DEFAULT_FILE
from symcheck.errors import InputError
from symcheck.kb.pack import DEFAULT_PACK, load_pack


@bench_app.command("stop-cv")
def stop_cv(
    pack: str = typer.Option(DEFAULT_PACK, "--pack", help="Pack name or folder."),
    vignettes: Path = typer.Option(DEFAULT_FILE, "--vignettes", help="Vignettes JSON."),
    domain: str = typer.Option("muscle", "--domain", help="Vignettes of this domain: muscle, abdominal or all."),
    budget: float = typer.Option(12.0, "--budget", min=1, help="Most mean questions per run a setting may need."),
    folds: int = typer.Option(5, "--folds", min=2, max=20, help="Cross-validation folds (by case)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the fold assignment."),
    json_out: Path = typer.Option(None, "--json", help="Also write the figures as JSON."),
    sparse: bool = typer.Option(True, "--sparse/--no-sparse",
                                help="Also run each vignette from the set's own, sparser coding alone."),
) -> None:
    """Held-out top-1 and question counts of the stopping rule chosen on the other folds, and the rule for the pack."""
    if domain not in ("muscle", "abdominal", "all"):
        raise InputError("--domain", f"{domain!r} is not one of muscle, abdominal, all")
    if not vignettes.is_file():
        raise InputError("--vignettes", f"{vignettes} is not a file")
    loaded = load_pack(pack)
    grid = bench.settings(loaded)
    with Progress(transient=True) as progress:
        task = progress.add_task("settings", total=len(grid))
        table = bench.collect(loaded, vignettes, domain, grid, progress=lambda: progress.advance(task),
                              sparse=sparse)
    if not table or not table[0]:
        raise InputError("--vignettes", f"no {domain} vignettes in {vignettes}")
    report = bench.cross_validate(loaded, grid, table, budget=budget, folds=folds, seed=seed)
    console = Console()
    out = Table(title=f"Stopping rule by {folds}-fold cross-validation on {loaded.id} ({report.runs} runs, "
                      f"budget {budget:g} questions)")
    for col in ("fold", "stop at", "max q", "min gain", "top-1", "top-3", "mean q", "under"):
        out.add_column(col, justify="right")
    current = [report.all_data_with_current] if report.all_data_with_current else []
    for s in [*report.folds, *current, report.all_data_with_chosen]:
        label = str(s.fold) if s.fold >= 0 else ("all, current" if s is report.all_data_with_current else "all, chosen")
        t = s.setting
        out.add_row(label, f"{t.probability:g}", str(t.max_questions), f"{t.min_information_gain:g}",
                    f"{s.top1:.1%}", f"{s.top3:.1%}", f"{s.mean_questions:.1f}", str(s.under_triage))
    console.print(out)
    console.print(f"held out: top-1 {report.held_out_top1:.1%}, top-3 {report.held_out_top3:.1%}, mean questions "
                  f"{report.held_out_mean_questions:.1f}, under-triaged {report.held_out_under_triage}")
    c = report.chosen
    console.print(f"pack.yaml stop chosen on all runs: {{probability: {c.probability:g}, "
                  f"min_information_gain: {c.min_information_gain:g}, max_questions: {c.max_questions}}}")
    if json_out:
        json_out.write_text(report.model_dump_json(indent=2))
