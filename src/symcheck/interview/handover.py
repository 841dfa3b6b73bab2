"""Hand-over between packs: a complaint one pack declares as another's ("cramps" in the belly, in the muscle
pack) moves the interview to that pack without asking again what it already knows: age, sex, pregnancy,
who is answering, and every answer whose evidence id the other pack has (and accepts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from symcheck.errors import InputError, NotFound
from symcheck.kb.loader import answer_problem
from symcheck.kb.pack import Pack, load_pack
from symcheck.kb.schema import HandOver
from symcheck.results import PackRef

if TYPE_CHECKING:
    from symcheck.interview.session import Interview


def target(iv: Interview) -> HandOver | None:
    complaint = iv.complaint
    if complaint is None or iv.handover_unavailable:
        return None
    for comp in iv.pack.meta.complaints:
        if comp.id == complaint:
            return comp.handover
    return None


def follow(iv: Interview, load: Callable[[str], Pack] = load_pack) -> Interview:
    """The interview in the pack the complaint belongs to; the same interview when there is none or the
    other pack cannot be loaded (then the pack's own out-of-scope result stands)."""
    from symcheck.interview.session import Interview

    to = target(iv)
    if to is None:
        return iv
    try:
        pack = load(to.pack)
    except (NotFound, InputError):
        iv.handover_unavailable = True  # the pack's own out-of-scope result stands
        return iv
    complaint = to.complaint if to.complaint and any(c.id == to.complaint for c in pack.meta.complaints) else None
    carried = {k: v for k, v in iv.answers.items()
               if k in pack.evidence and answer_problem(pack.evidence[k], v) is None}
    for _ in range(len(carried) + 1):  # drop an answer the other pack refuses for this person, then retry
        try:
            moved = Interview(pack, age=iv.age, sex=iv.sex, pregnant=iv.pregnant, complaint=complaint,
                              answers=carried, speaker=iv.speaker)
        except InputError as exc:
            key = exc.field.removeprefix("answers.") if exc.field.startswith("answers.") else None
            if key not in carried:
                raise
            carried.pop(key)
            continue
        moved.handed_over_from = PackRef(id=iv.pack.id, version=iv.pack.version)
        return moved
    return iv
