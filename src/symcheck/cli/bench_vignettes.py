"""`symcheck bench vignettes FILE`: lay-language stories through the real interview, in open and closed mode."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from symcheck.bench import vignettes as bench
from symcheck.cli.apps import bench_app
from symcheck.errors import InputError
from symcheck.kb.pack import DEFAULT_PACK, load_pack

DEFAULT_FILE = Path("../shared/data/vignettes_dev/vignettes_dev.json")


@bench_app.command("vignettes")
def vignettes(
    file: Path = typer.Argument(DEFAULT_FILE, help="Vignettes JSON (the shared development set's format)."),
    pack: str = typer.Option(DEFAULT_PACK, "--pack", help="Pack name or folder."),
    domain: str = typer.Option("muscle", "--domain", help="muscle, abdominal or all."),
    mode: str = typer.Option("both", "--mode", help="open (unstated = don't know), closed (unstated symptoms = no) or both."),
    json_out: Path = typer.Option(None, "--json", help="Also write the figures and every outcome as JSON."),
    show: bool = typer.Option(False, "--show", help="List every case, not only the misses."),
    stated_only: bool = typer.Option(False, "--stated-only",
                                     help="Only the set's own `stated` facts, without our blind coding of the "
                                          "evidence added since (vignette_facts.yaml)."),
) -> None:
    """Top-1/top-3, exact and acceptable urgency, under-triage, self-care reached and question counts."""
    if domain not in ("muscle", "abdominal", "all"):
        raise InputError("--domain", f"{domain!r} is not one of muscle, abdominal, all")
    if mode not in ("open", "closed", "both"):
        raise InputError("--mode", f"{mode!r} is not one of open, closed, both")
    modes: tuple[bench.Mode, ...] = bench.MODES if mode == "both" else (mode,)  # type: ignore[assignment]
    loaded = load_pack(pack)
    cases = bench.select(bench.load_vignettes(file), domain)
    if not stated_only:
        cases = bench.with_coded_facts(cases)
    with Progress(transient=True) as progress:
        task = progress.add_task("vignettes", total=len(cases) * len(modes))
        report = bench.run(loaded, cases, modes, file=str(file), domain=domain, progress=lambda: progress.advance(task))
    console = Console()
    rows = [o for o in report.outcomes if show or o.top3_hit is False or not o.acceptable or o.under_triage]
    if rows:
        detail = Table(title="Cases" if show else "Misses (not acceptable, under-triaged or gold cause not in the top 3)")
        for col in ("case", "mode", "triage (gold)", "top 3", "expected", "q"):
            detail.add_column(col, overflow="fold")
        for o in rows:
            mark = " UNDER" if o.under_triage else ""
            detail.add_row(o.id, o.mode, f"{o.triage} ({o.gold_urgency}){mark}", ", ".join(o.top3),
                           ", ".join(o.expected) or "-", str(o.questions))
        console.print(detail)
    facts = "stated only" if stated_only else "stated + vignette_facts.yaml"
    table = Table(title=f"Vignettes: {file.name}, {domain}, on {loaded.id} {loaded.version} ({facts})")
    table.add_column("measure")
    for s in report.modes:
        table.add_column(s.mode, justify="right")

    def row(label: str, fmt: Callable[[bench.ModeSummary], str]) -> None:
        table.add_row(label, *[fmt(s) for s in report.modes])

    row("cases", lambda s: str(s.cases))
    row("top-1 (in-pack cases)", lambda s: f"{s.top1:.1%} of {s.in_pack}")
    row("top-3 (in-pack cases)", lambda s: f"{s.top3:.1%} of {s.in_pack}")
    row("urgency exact", lambda s: f"{s.urgency_exact:.1%}")
    row("urgency acceptable", lambda s: f"{s.urgency_acceptable:.1%}")
    row("under-triaged", lambda s: f"{s.under_triage} of {s.cases}")
    row("emergencies under-triaged", lambda s: f"{s.emergencies_under_triaged} of {s.emergencies}")
    row("self-care reached", lambda s: f"{s.self_care_reached} of {s.self_care_cases}")
    row("mean questions", lambda s: f"{s.mean_questions:.1f}")
    row("median questions before the complaint", lambda s: f"{s.median_before_complaint:g}"
        if s.median_before_complaint is not None else "-")
    console.print(table)
    if json_out:
        json_out.write_text(report.model_dump_json(indent=2))
