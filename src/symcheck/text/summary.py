"""What the parse understood, one row per answer, in a person's words (the "We understood" screen)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from symcheck.interview.wording import answer_text
from symcheck.kb.pack import Pack
from symcheck.text.models import ParseResult, Span


class Understood(BaseModel):
    evidence_id: str
    question: str  # the pack's question, short label when there is one
    answer: Any  # the interview answer (present/absent, choice id, list, number)
    answer_text: str  # yes / no / choice labels / number with unit
    spans: list[Span]  # the words it came from
    red_flag: bool = False
    status: str = "answered"  # answered, or "open" for hedged words the interview will ask about
    open_reason: str = ""  # for an open row: "hedged" (not sure) or "part" (only part of the question denied)


def understood(pack: Pack, result: ParseResult) -> list[Understood]:
    rows: list[Understood] = []
    for ev_id, value in result.answers.items():
        e = pack.evidence.get(ev_id)
        if e is None:
            continue
        spans = [f.span for f in result.findings if f.evidence_id == ev_id and f.used]
        rows.append(
            Understood(
                evidence_id=ev_id, question=e.label or e.question.lay, answer=value,
                answer_text=answer_text(pack, ev_id, value), spans=spans,
                red_flag=any(f.red_flag for f in result.findings if f.evidence_id == ev_id),
            )
        )
    seen_open: set[str] = set()
    for f in result.findings:
        if f.part is not None and f.polarity == "absent" and f.evidence_id not in result.answers:
            # one part of a question about several things denied ("no vomiting"): the rest is still to ask
            if f.evidence_id not in seen_open:
                seen_open.add(f.evidence_id)
                e = pack.evidence[f.evidence_id]
                rows.append(
                    Understood(
                        evidence_id=f.evidence_id, question=e.label or e.question.lay, answer="unknown",
                        answer_text="only part of this answered: will ask", spans=[f.span], red_flag=f.red_flag,
                        status="open", open_reason="part",
                    )
                )
            continue
        if f.polarity == "unknown" and f.evidence_id not in result.answers and f.evidence_id not in seen_open:
            seen_open.add(f.evidence_id)
            e = pack.evidence[f.evidence_id]
            rows.append(
                Understood(
                    evidence_id=f.evidence_id, question=e.label or e.question.lay, answer="unknown",
                    answer_text="not sure: will ask", spans=[f.span], red_flag=f.red_flag, status="open",
                    open_reason="hedged",
                )
            )
    first = {r.evidence_id: min((s.start for s in r.spans), default=0) for r in rows}
    rows.sort(key=lambda r: first[r.evidence_id])
    return rows


def fit_answers(pack: Pack, answers: dict[str, Any], age: float | None, sex: str | None) -> dict[str, Any]:
    """The parsed answers that fit the person once age and sex are known (a question the pack asks only of
    one sex or an age range is left out rather than refused), with the children of dropped items."""
    out: dict[str, Any] = {}
    for ev_id, value in answers.items():
        e = pack.evidence.get(ev_id)
        if e is None:
            continue
        if e.sexes and sex is not None and sex not in e.sexes:
            continue
        if age is not None and ((e.min_age is not None and age < e.min_age) or (e.max_age is not None and age > e.max_age)):
            continue
        out[ev_id] = value
    for ev_id in list(out):
        parent = pack.evidence[ev_id].parent
        if parent is not None and parent in answers and parent not in out:
            del out[ev_id]
    return out
