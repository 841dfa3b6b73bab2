"""Rich rendering of an assessment for people reading a terminal: compact enough for 80 columns, in lay
words, and explained only by the answers the person gave."""

from __future__ import annotations

from collections.abc import Collection

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from symcheck.emergency import emergency_number, localise
from symcheck.kb.pack import Pack
from symcheck.results import Assessment, Contribution

STYLE = {
    "emergency_ambulance": "bold white on red",
    "emergency": "bold white on red",
    "consultation_24": "bold black on yellow",
    "consultation": "bold black on cyan",
    "self_care": "bold black on green",
}
MIN_SHOWN = 0.005  # a cause under half a percent rounds to 0%: named on one line, not listed
MAX_REASONS = 2  # answers shown for and against each cause


def _answer_text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return str(value)


def _short(c: Contribution, pack: Pack | None) -> str:
    """One answer in a few words: a choice's label says it alone ("Calf"), a yes/no needs its item's
    short name ("Statin: yes")."""
    answer = c.answer_text or _answer_text(c.answer)
    e = pack.evidence.get(c.evidence_id) if pack else None
    if e is not None and e.type in ("one_of", "many_of") and answer.lower() not in ("don't know", "none of these",
                                                                                     "none"):
        return answer
    name = (e.label if e is not None and e.label else c.question).rstrip("?")
    return f"{name}: {answer.lower() if answer in ('Yes', 'No') else answer}"


def _reasons(contributions: list[Contribution], own: set[str], pack: Pack | None) -> list[str]:
    """The strongest few of the person's own answers; what they have (a "yes", a choice) before what they
    do not, which reads long ("Is it a single sudden jerk ...: no")."""
    mine = sorted((c for c in contributions if c.evidence_id in own), key=lambda c: -abs(c.log_likelihood_ratio))
    has = [c for c in mine if not _is_no(c)]
    if has:
        return [_short(c, pack) for c in has[:MAX_REASONS]]
    return [_short(c, pack) for c in mine[:1]]  # only "no" answers: the strongest one


def _is_no(c: Contribution) -> bool:
    return c.answer == "absent" or c.answer == [] or c.answer_text.lower() in ("no", "none of these", "none")


def given_answers(result: Assessment, pack: Pack | None) -> set[str]:
    """The evidence the person answered: the result's answers less those implied by the complaint."""
    implied: set[str] = set()
    if pack is not None and result.complaint:
        comp = next((c for c in pack.meta.complaints if c.id == result.complaint), None)
        if comp is not None:
            implied = set(comp.answers)
    return {k for k in result.answers if k not in implied}


def render_assessment(
    console: Console, result: Assessment, pack: Pack | None = None, given: Collection[str] | None = None
) -> None:
    """``given``: the evidence ids the person answered (default: every answer but the complaint's own);
    only those explain a cause."""
    number = emergency_number()
    own = set(given) if given is not None else given_answers(result, pack)
    triage = result.triage
    body: list[Text] = [Text(localise(triage.action, number), style=STYLE[triage.level])]
    for reason in triage.reasons:
        body.append(Text("• " + localise(reason, number)))
    for flag in triage.red_flags:
        if flag.while_waiting:
            body.append(Text("While you wait: " + localise(flag.while_waiting, number), style="bold"))
    console.print(Panel(Group(*body), title="What to do", expand=True))

    if result.out_of_scope:
        console.print(Panel(localise(result.out_of_scope, number), title="Outside what this checker covers"))
    elif result.differential:
        console.print(Text("Possible causes (not a diagnosis)", style="bold"))
        named = set(result.triage.from_conditions)  # kept in view until ruled out: never "very unlikely"
        shown = [d for d in result.differential if d.probability >= MIN_SHOWN or d.condition_id in named]
        hidden = [d for d in result.differential if d not in shown]
        grid = Table.grid(padding=(0, 2))  # the chance, then the cause; wrapped lines keep their indent
        grid.add_column(justify="right", width=4, no_wrap=True)
        grid.add_column()
        for item in shown:
            lay = item.lay_name or item.name
            cell = Text(lay, style="bold")
            if item.name.lower() not in lay.lower():  # "Tick paralysis (... attached tick)" says it already
                cell.append(f" ({item.name})", style="dim")
            pro = _reasons(item.evidence_for, own, pack)
            con = _reasons(item.evidence_against, own, pack)
            if pro:
                cell.append("\nfits: " + "; ".join(pro))
            if con:
                cell.append("\nagainst: " + "; ".join(con), style="dim")
            chance = f"{item.probability:.0%}" if item.probability >= MIN_SHOWN else "<1%"
            grid.add_row(Text(chance, style="bold"), cell)
        console.print(grid)
        if hidden:
            names = ", ".join(d.lay_name or d.name for d in hidden)
            console.print(Text(f"Very unlikely with your answers: {names}", style="dim"))

    rec = result.recommendations
    if rec.specialists or rec.tests or rec.self_care:
        lines: list[str] = []
        if rec.specialists:
            lines.append("Whom to see: " + ", ".join(s.name for s in rec.specialists))
        if rec.tests:
            lines.append("Tests a doctor may do: " + ", ".join(t.name for t in rec.tests))
        for step in rec.self_care:
            lines.append("Self-care: " + step)
        console.print(Panel("\n".join(lines), title="Next steps"))
    if result.safety_netting:
        console.print(Panel("\n".join("• " + localise(s, number) for s in result.safety_netting),
                            title="Get help if things change", border_style="red"))
    console.print(Text(localise(result.disclaimer, number), style="italic"))
    console.print(Text(f"pack {result.pack.id} {result.pack.version}, symcheck {result.engine_version}", style="dim"))
