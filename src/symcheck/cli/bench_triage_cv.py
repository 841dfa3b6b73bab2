"""`symcheck bench triage-cv`: choose the pack's triage thresholds by cross-validation and show the figures."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from symcheck.bench import triage_cv as bench
from symcheck.cli.apps import bench_app
from symcheck.cli.bench_vignettes import DEFAULT_FILE
from symcheck.errors import InputError
from symcheck.kb.pack import DEFAULT_PACK, load_pack


@bench_app.command("triage-cv")
def triage_cv(
    pack: str = typer.Option(DEFAULT_PACK, "--pack", help="Pack name or folder."),
    vignettes: Path = typer.Option(DEFAULT_FILE, "--vignettes", help="Vignettes JSON (skipped when absent)."),
    domain: str = typer.Option("muscle", "--domain", help="Vignettes of this domain: muscle, abdominal or all."),
    folds: int = typer.Option(5, "--folds", min=2, max=20, help="Cross-validation folds (by case)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the fold assignment."),
    json_out: Path = typer.Option(None, "--json", help="Also write the figures as JSON."),
    sparse: bool = typer.Option(True, "--sparse/--no-sparse",
                                help="Also run each vignette from the set's own, sparser coding alone."),
) -> None:
    """Held-out triage figures of thresholds chosen on the other folds, and the thresholds for the pack."""
    if domain not in ("muscle", "abdominal", "all"):
        raise InputError("--domain", f"{domain!r} is not one of muscle, abdominal, all")
    loaded = load_pack(pack)
    with Progress(transient=True) as progress:
        task = progress.add_task("cases", total=None)
        samples = bench.collect(loaded, vignettes, domain, progress=lambda: progress.advance(task), sparse=sparse)
    if not samples:
        raise InputError("--pack", "no scenarios and no vignettes to tune on")
    report = bench.cross_validate(loaded, samples, folds=folds, seed=seed)
    console = Console()
    table = Table(title=f"Triage thresholds by {folds}-fold cross-validation on {loaded.id} ({report.samples} runs)")
    for col in ("fold", "amb", "emerg", "24 h", "self-care", "acceptable", "exact", "under", "emerg. under"):
        table.add_column(col, justify="right")
    for f in [*report.folds, report.all_data_with_current, report.all_data_with_chosen]:
        label = str(f.fold) if f.fold >= 0 else ("all, current" if f is report.all_data_with_current else "all, chosen")
        t = f.thresholds
        table.add_row(label, f"{t['emergency_ambulance']:g}", f"{t['emergency']:g}", f"{t['consultation_24']:g}",
                      f"{t['self_care']:g}", f"{f.acceptable:.1%}", f"{f.exact:.1%}", str(f.under_triage),
                      str(f.emergencies_under_triaged))
    console.print(table)
    console.print(f"held out: acceptable {report.held_out_acceptable:.1%}, exact {report.held_out_exact:.1%}, "
                  f"under-triaged {report.held_out_under_triage}, emergencies under-triaged "
                  f"{report.held_out_emergencies_under_triaged}")
    c = report.chosen
    console.print("pack.yaml triage_thresholds chosen on all runs: "
                  f"{{emergency_ambulance: {c['emergency_ambulance']:g}, emergency: {c['emergency']:g}, "
                  f"consultation_24: {c['consultation_24']:g}, self_care: {c['self_care']:g}}}")
    if json_out:
        json_out.write_text(report.model_dump_json(indent=2))
