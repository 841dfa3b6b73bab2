"""`symcheck parse "TEXT"` and `symcheck bench parse FILE`: the free-text parser from the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from symcheck.bench import parse as bench
from symcheck.cli.apps import app, bench_app
from symcheck.errors import InputError
from symcheck.kb.pack import DEFAULT_PACK, Pack, available_packs, load_pack
from symcheck.text import ParseResult, parse
from symcheck.text.summary import understood


def packs_for_text(pack: str | None) -> list[Pack]:
    """The named pack, or every available pack (the parser then chooses the pack by the complaint)."""
    if pack:
        return [load_pack(pack)]
    names = available_packs()
    # the default pack first: it wins ties
    names.sort(key=lambda n: n != DEFAULT_PACK)
    loaded = []
    for n in names:
        try:
            loaded.append(load_pack(n))
        except Exception:  # noqa: BLE001 - a broken extra pack must not stop the parser; `kb validate` reports it
            continue
    if not loaded:
        loaded = [load_pack(DEFAULT_PACK)]
    return loaded


def render_parse(console: Console, pack: Pack, result: ParseResult) -> None:
    who = result.person
    bits = []
    if who.speaker == "other":
        bits.append(f"about someone else ({who.relation or 'not you'})")
    if who.age is not None:
        bits.append(f"age {who.age:g}")
    if who.sex:
        bits.append(who.sex)
    if who.pregnant is not None:
        bits.append("pregnant" if who.pregnant else "not pregnant")
    console.print(f"[bold]Pack:[/bold] {pack.id}   [bold]Complaint:[/bold] "
                  f"{pack.complaint(result.complaint).label if result.complaint else 'not clear (will ask)'}")
    if bits:
        console.print("[bold]Person:[/bold] " + ", ".join(bits))
    rows = understood(pack, result)
    table = Table(title="We understood")
    for col in ("question", "answer", "from the words"):
        table.add_column(col)
    for r in rows:
        flag = " [red](warning sign)[/red]" if r.red_flag and r.answer == "present" else ""
        table.add_row(r.question + flag, r.answer_text, " | ".join(s.text for s in r.spans))
    console.print(table)
    if result.unplaced:
        console.print("[bold]Not placed:[/bold] " + "; ".join(s.text for s in result.unplaced))
    if result.corrections:
        console.print("[dim]Read as: " + ", ".join(f"{k} -> {v}" for k, v in result.corrections.items()) + "[/dim]")


@app.command("parse")
def parse_command(
    text: str = typer.Argument(..., help="What is happening, in your own words."),
    pack: str = typer.Option(None, "--pack", help="Pack name or folder (default: every pack; the words choose)."),
    json_out: bool = typer.Option(False, "--json", help="Print the parse as JSON (spans, polarity, answers)."),
) -> None:
    """Read a description in your own words: the complaint, what is present or absent, and who it is about."""
    if not text.strip():
        raise InputError("TEXT", "is empty; describe what is happening in a sentence or two")
    packs = packs_for_text(pack)
    result = parse(text, packs if len(packs) > 1 else packs[0])
    if json_out:
        typer.echo(result.model_dump_json(indent=2))
        return
    chosen = next(p for p in packs if p.id == result.pack)
    render_parse(Console(highlight=False), chosen, result)


@bench_app.command("parse")
def bench_parse(
    file: Path = typer.Argument(..., help="JSON list of cases with id, text, stated (and complaint, age, sex, speaker)."),
    pack: str = typer.Option(DEFAULT_PACK, "--pack", help="Pack name or folder the `stated` answers use."),
    rounds: int = typer.Option(3, "--rounds", min=1, max=50, help="Parses per text for the timing."),
    json_out: Path = typer.Option(None, "--json", help="Also write the figures and every case as JSON."),
    show: bool = typer.Option(False, "--show", help="List every case's misses."),
    same_complaint: list[str] = typer.Option(
        [], "--same-complaint", help="NEW=OLD: count complaint NEW as OLD (labels written before NEW existed)."
    ),
    labelled_only: bool = typer.Option(
        False, "--labelled-only", help="Score only evidence ids that some case's `stated` uses (older labels)."
    ),
    end_to_end: bool = typer.Option(
        False, "--end-to-end", help="Also run each vignette's text -> parse -> interview beside its `stated` run."
    ),
    as_labelled: bool = typer.Option(
        False, "--as-labelled", help="The file's own labels only: without our blind coding of the evidence they "
                                     "predate (vignette_facts.yaml) and without vignette_complaints.yaml."
    ),
) -> None:
    """Precision, recall and F1 of (evidence, answer) pairs, complaint accuracy, red-flag polarity, time per text."""
    loaded = load_pack(pack)
    cases = bench.load_cases(file)
    pairs = {} if as_labelled else bench.complaint_equivalents(loaded.id)
    if not as_labelled:
        cases = bench.with_coded_facts(cases)
    for item in same_complaint:
        new, sep, old = item.partition("=")
        if not sep or not new or not old:
            raise InputError("--same-complaint", f"{item!r} is not NEW=OLD")
        pairs[new] = old
    report = bench.run(loaded, cases, rounds=rounds, labelled_only=labelled_only, same_complaint=pairs)
    console = Console(highlight=False)
    if show:
        detail = Table(title="Misses")
        for col in ("case", "complaint (expected)", "extra", "missed"):
            detail.add_column(col)
        for o in report.outcomes:
            if o.false_positives or o.false_negatives or o.complaint != o.expected_complaint:
                detail.add_row(o.id, f"{o.complaint} ({o.expected_complaint})", ", ".join(o.false_positives),
                               ", ".join(o.false_negatives))
        console.print(detail)
    labels = "labels as in the file" if as_labelled else "labels + vignette_facts.yaml"
    table = Table(title=f"Parser: {file.name} on {loaded.id} {loaded.version} ({labels})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("cases", str(report.cases))
    table.add_row("(evidence, answer) pairs stated / found / right",
                  f"{report.pairs_expected} / {report.pairs_found} / {report.true_positives}")
    table.add_row("micro precision", f"{report.precision:.3f}")
    table.add_row("micro recall", f"{report.recall:.3f}")
    table.add_row("micro F1", f"{report.f1:.3f}")
    table.add_row("complaint accuracy", f"{report.complaint_accuracy:.1%}")
    table.add_row("red-flag polarity errors (present <-> absent)", str(report.red_flag_polarity_errors))
    table.add_row("red flags stated present, not found present", str(report.red_flags_dropped))
    table.add_row("red flags found present, not stated present", str(report.red_flags_invented))
    table.add_row("age / sex / speaker agreement",
                  f"{report.age_accuracy:.0%} / {report.sex_accuracy:.0%} / {report.speaker_accuracy:.0%}")
    table.add_row("ms per text p50 / p99 / max (one core)",
                  f"{report.ms_p50:.2f} / {report.ms_p99:.2f} / {report.ms_max:.2f}")
    console.print(table)
    e2e = bench.end_to_end(loaded, file, ("open", "closed")) if end_to_end else []
    if e2e:
        t2 = Table(title="End to end: text -> parse -> interview, beside the run from `stated`")
        for col in ("patient", "urgency acceptable (stated / text)", "emergencies under-triaged (stated / text)",
                    "emergencies lost by the text", "top-3 hit (stated / text)"):
            t2.add_column(col)
        for m in e2e:
            t2.add_row(m.mode, f"{m.acceptable_from_stated} / {m.acceptable_from_text} of {m.cases}",
                       f"{m.emergencies_under_triaged_from_stated} / {m.emergencies_under_triaged_from_text} of {m.emergencies}",
                       ", ".join(m.emergencies_lost_by_text) or "none",
                       f"{m.top3_from_stated} / {m.top3_from_text} of {m.in_pack}")
        console.print(t2)
    if json_out:
        data = report.model_dump()
        if e2e:
            data["end_to_end"] = [m.model_dump() for m in e2e]
        json_out.write_text(json.dumps(data, indent=2))


def start_from_text(
    console: Console, text: str, pack: str, age: float | None, sex: str | None, complaint: str | None
) -> tuple[Pack, dict[str, object], str, float | None, str | None, str | None]:
    """`check --text`: parse, show what was understood, and return what the interview starts from.
    Options given on the command line win over the words; anything not understood is asked as usual."""
    if not text.strip():
        raise InputError("--text", "is empty; describe what is happening in a sentence or two")
    packs = packs_for_text(None if pack == DEFAULT_PACK else pack)
    result = parse(text, packs if len(packs) > 1 else packs[0])
    loaded = next(p for p in packs if p.id == result.pack)
    render_parse(console, loaded, result)
    who = result.person
    if age is None and who.age is not None:
        age = who.age
    if sex is None and who.sex is not None:
        sex = who.sex
    if complaint is None:
        complaint = result.complaint
    elif complaint not in {c.id for c in loaded.meta.complaints}:
        raise InputError("--complaint", f"{complaint!r} is not a complaint of the {loaded.id} pack")
    return loaded, dict(result.answers), who.speaker, age, sex, complaint
