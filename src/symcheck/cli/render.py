"""Rich rendering of an assessment for people reading a terminal."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from symcheck.results import Assessment

STYLE = {
    "emergency_ambulance": "bold white on red",
    "emergency": "bold white on red",
    "consultation_24": "bold black on yellow",
    "consultation": "bold black on cyan",
    "self_care": "bold black on green",
}


def _answer_text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return str(value)


def render_assessment(console: Console, result: Assessment) -> None:
    triage = result.triage
    head = Text(triage.action, style=STYLE[triage.level])
    body: list[Text | Table] = [head]
    for reason in triage.reasons:
        body.append(Text("• " + reason))
    for flag in triage.red_flags:
        if flag.while_waiting:
            body.append(Text("While you wait: " + flag.while_waiting, style="bold"))
    console.print(Panel(Group(*body), title=f"What to do ({triage.level.replace('_', ' ')})", expand=True))

    if result.out_of_scope:
        console.print(Panel(result.out_of_scope, title="Outside what this checker covers"))
    elif result.differential:
        table = Table(title="Possible causes (not a diagnosis)", show_lines=True)
        table.add_column("cause")
        table.add_column("chance", justify="right")
        table.add_column("what speaks for it")
        table.add_column("what speaks against it")
        for item in result.differential:
            name = item.name + (f"\n({item.lay_name})" if item.lay_name and item.lay_name != item.name else "")
            table.add_row(
                name,
                f"{item.probability:.0%}",
                "\n".join(f"{c.question} {c.answer_text or _answer_text(c.answer)}" for c in item.evidence_for[:4]) or "-",
                "\n".join(f"{c.question} {c.answer_text or _answer_text(c.answer)}" for c in item.evidence_against[:4]) or "-",
            )
        console.print(table)

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
        console.print(Panel("\n".join("• " + s for s in result.safety_netting), title="Get help if things change",
                            border_style="red"))
    console.print(Text(result.disclaimer, style="italic"))
    console.print(Text(f"pack {result.pack.id} {result.pack.version}, symcheck {result.engine_version}", style="dim"))
