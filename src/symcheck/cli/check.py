"""`symcheck check`: the interview in the terminal, one question at a time."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from symcheck.cli.apps import app
from symcheck.cli.render import render_assessment
from symcheck.emergency import localise
from symcheck.engine.triage import EMERGENCY
from symcheck.errors import InputError
from symcheck.interview import MAX_AGE, Interview
from symcheck.kb.pack import DEFAULT_PACK, Pack, load_pack
from symcheck.results import NextQuestion

BACK = {"b", "back"}
UNSPECIFIED = "unspecified"  # "prefer not to say": the engine gets no sex
DONT_KNOW = {"?", "d", "dk", "don't know", "dont know", "unknown"}


class _Ended(Exception):
    pass


def _ask(console: Console, prompt: str) -> str:
    try:
        return console.input(prompt).strip()
    except EOFError:
        raise _Ended() from None


def _ask_age(console: Console) -> float:
    while True:
        raw = _ask(console, "How old is the person? (years) ")
        try:
            age = float(raw)
        except ValueError:
            console.print("Please type a number of years, e.g. 42.")
            continue
        if 0 <= age <= 120:
            return age
        console.print("Please give an age between 0 and 120.")


SEX_WORDS = {"female": "female", "f": "female", "male": "male", "m": "male", "unspecified": UNSPECIFIED,
             "prefer-not-to-say": UNSPECIFIED, "prefer not to say": UNSPECIFIED, "none": UNSPECIFIED}


def _ask_sex(console: Console) -> str:
    while True:
        raw = _ask(console, "Sex at birth: 1 female, 2 male, 3 prefer not to say: ").lower()
        if raw in ("1", "2", "3"):
            return ("female", "male", UNSPECIFIED)[int(raw) - 1]
        if raw in SEX_WORDS:
            return SEX_WORDS[raw]
        console.print("Please type 1, 2 or 3.")


def _check_options(pack: Pack, age: float | None, sex: str | None, complaint: str | None) -> str | None:
    """Bad --age, --sex or --complaint: one line and exit 2 before anything is printed."""
    if age is not None and not 0 <= age <= MAX_AGE:
        raise InputError("--age", f"{age:g} is out of range (0 to {MAX_AGE} years)")
    if sex is not None:
        if sex.lower() not in SEX_WORDS:
            raise InputError("--sex", f"{sex!r} is not one of female, male, unspecified (prefer not to say)")
        sex = SEX_WORDS[sex.lower()]
    if complaint is not None and not any(c.id == complaint for c in pack.meta.complaints):
        valid = ", ".join(c.id for c in pack.meta.complaints)
        raise InputError("--complaint", f"unknown complaint {complaint!r}; one of: {valid} "
                                        f"(`symcheck complaints --pack {pack.id}` describes them)")
    return sex


def _ask_complaint(console: Console, pack: Pack) -> str:
    while True:
        raw = _ask(console, "What is the main problem? Type part of its name (Enter for a list): ")
        matches = pack.match_complaints(raw)
        if not matches:
            console.print("Nothing matches that; try another word, or press Enter to see them all.")
            continue
        if len(matches) == 1 and raw:
            console.print(f"→ {matches[0].label}")
            return matches[0].id
        for i, comp in enumerate(matches, 1):
            console.print(f"  {i}. {comp.label}")
        pick = _ask(console, "Number: ")
        if pick.isdigit() and 1 <= int(pick) <= len(matches):
            return matches[int(pick) - 1].id
        console.print("Please type one of the numbers.")


def _read_answer(console: Console, q: NextQuestion) -> object:
    """Returns the answer, or None for "back"."""
    console.print()
    console.print(Text(q.text, style="bold"))
    if q.reason in ("red_flag_check", "rule_out"):
        console.print(Text("(a safety check)", style="dim"))
    hint = "b = back, ? = don't know, w = why this question"
    while True:
        if q.type == "yes_no":
            raw = _ask(console, f"  1 yes, 2 no, 3 don't know; {hint}\n> ").lower()
            if raw in ("1", "y", "yes"):
                return "present"
            if raw in ("2", "n", "no"):
                return "absent"
            if raw in ("3",) or raw in DONT_KNOW:
                return "unknown"
        elif q.type in ("one_of", "many_of"):
            for i, c in enumerate(q.choices, 1):
                console.print(f"  {i}. {c.label}")
            if q.type == "many_of":
                console.print("  Type all numbers that apply, separated by commas; 0 (or no) for none.")
            raw = _ask(console, f"  {hint}\n> ").lower()
            if q.type == "many_of" and raw in ("n", "no", "none", "none of these", "nothing"):
                return []  # people answer "any of these?" with "no"
            if raw not in BACK | DONT_KNOW | {"w", "why"}:
                try:
                    picks = [int(x) for x in raw.replace(" ", "").split(",") if x]
                except ValueError:
                    picks = []
                if q.type == "many_of" and picks == [0]:
                    return []
                if picks and all(1 <= p <= len(q.choices) for p in picks):
                    chosen = [q.choices[p - 1].id for p in picks]
                    if q.type == "one_of" and len(chosen) == 1:
                        return chosen[0]
                    if q.type == "many_of":
                        return chosen
        else:
            raw = _ask(console, f"  a number{' in ' + q.unit if q.unit else ''}; {hint}\n> ").lower()
            try:
                return float(raw)
            except ValueError:
                pass
        if raw in BACK:
            return None
        if raw in DONT_KNOW:
            return "unknown"
        if raw in ("w", "why"):
            console.print(Text(q.why, style="italic"))
            continue
        console.print("Sorry, I did not understand that answer.")


@app.command("check")
def check(
    pack: str = typer.Option(DEFAULT_PACK, "--pack", help="Pack name or folder."),
    age: float = typer.Option(None, "--age", help="Skip the age question."),
    sex: str | None = typer.Option(None, "--sex", help="female, male or unspecified (prefer not to say); skips the "
                            "question."),
    complaint: str = typer.Option(None, "--complaint", help="Complaint id (see `symcheck complaints`); skips the "
                                  "question."),
    text: str = typer.Option(None, "--text", help="Describe it in your own words; only what is open is asked."),
    for_someone_else: bool = typer.Option(False, "--for-someone-else", help="Answer for another person: the "
                                          "questions then ask about 'the person'."),
) -> None:
    """Answer questions in the terminal and get what to do, the possible causes and why. Not a diagnosis."""
    console = Console(highlight=False)
    loaded = load_pack(pack)
    sex = _check_options(loaded, age, sex, complaint)
    answers: dict[str, object] = {}
    speaker = "other" if for_someone_else else "self"
    if text is not None:  # free text first: the parse fills what it understood (symcheck.cli.parse_text)
        from symcheck.cli.parse_text import start_from_text

        started = start_from_text(console, text, pack, age, sex, complaint)
        loaded, answers, speaker, age, sex, complaint = started  # type: ignore[assignment]  # None: asked below
    console.print(Panel(f"{loaded.meta.name}: symptom checker\n{loaded.meta.disclaimer}", title="symcheck"))
    try:
        if age is None:
            age = _ask_age(console)
        if sex is None:
            sex = _ask_sex(console)
        if complaint is None:
            complaint = _ask_complaint(console, loaded)
        if answers:
            from symcheck.text.summary import fit_answers

            answers = fit_answers(loaded, answers, age, sex)
        interview = Interview(loaded, age=age, sex=None if sex == UNSPECIFIED else sex, complaint=complaint,
                              answers=answers or None, speaker=speaker)
        while True:
            step = interview.step()
            fired = step.assessment.triage.red_flags
            if fired and max(("self_care", "consultation", "consultation_24", "emergency",
                              "emergency_ambulance").index(f.level) for f in fired) >= EMERGENCY:
                console.print(Panel(Text(localise(step.assessment.triage.action), style="bold white on red"),
                                    title="STOP: urgent", border_style="red"))
                break
            question = step.next_question
            if question is None and step.stop_reason == "handover":
                moved = interview.follow_handover()
                if moved is not interview:  # the complaint belongs to another pack: go on there
                    console.print(Text(f"This is covered by the {moved.pack.meta.name} checker; "
                                       "carrying on there with what you have told us.", style="bold"))
                    interview, loaded = moved, moved.pack
                    continue
            if question is None:
                break
            console.print(Text(f"Question {interview.questions_asked + 1}", style="dim"))
            value = _read_answer(console, question)
            if value is None:
                undone = interview.back()
                console.print("Going back." if undone else "This is the first question.")
                continue
            interview.answer(question.evidence_id, value)
    except _Ended:
        console.print("\nInput ended before the interview finished.")
        raise typer.Exit(1) from None
    except InputError:
        raise
    render_assessment(console, interview.result(), loaded)
