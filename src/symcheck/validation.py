"""One set of consistency rules for a case (demographics and answers), shared by the Python API
(``Interview``), the CLI (``symcheck assess``) and the HTTP API, so the three refuse the same input with
the same message. Each rule raises ``InputError(field, message)`` naming the field at fault:

- ``age`` is a number of years (not a boolean, not a string) from 0 to 120;
- ``sex`` is ``female``, ``male`` or left out; ``pregnant`` is ``true``, ``false`` or left out;
- ``answers`` is an object of evidence id -> answer (a list, even an empty one, is refused);
- pregnancy only for a person who can be pregnant: not for a male, and only at the ages the pack's own
  pregnancy question is asked (its ``min_age``/``max_age``; PREGNANCY_AGE otherwise);
- ``pregnant`` and a pregnancy answer must agree (``pregnant: false`` with ``pregnancy: present`` is refused);
- a positive answer to a question the pack asks only of one sex or an age range (``sexes``, ``min_age``,
  ``max_age``) must fit the person: ``pregnancy: present`` for a male, or at age 8, is refused;
- a number answer may not be negative unless the question's own bins go below zero: every number question
  of the pack format is a count, a duration or a score, so ``cramps_per_week: -5`` is meaningless.

Also ``loads_json``: JSON parsing that refuses duplicate keys, which json.loads resolves silently by
keeping the last one (``{"answers": {"seizure": "present"}, "answers": {}}`` would drop a red flag).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from symcheck.errors import InputError
from symcheck.kb.loader import UNKNOWN, YES
from symcheck.kb.pack import Pack
from symcheck.kb.schema import Evidence

MAX_AGE = 120
SEXES = ("female", "male")
# Evidence ids that mean "is pregnant now" (the same pair Interview maps the `pregnant` flag onto).
PREGNANCY_IDS = ("pregnant", "pregnancy")
# Ages at which a pregnancy is accepted when the pack's pregnancy question sets no limits of its own:
# wide on purpose (documented pregnancies below 10 or above 60 are vanishingly rare case reports).
PREGNANCY_AGE = (10.0, 60.0)


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float)


def _positive(e: Evidence, value: Any) -> bool:
    """Whether an answer asserts the finding (a yes, a chosen option, a number), not "no" or "don't know"."""
    if isinstance(value, str) and value.lower() in UNKNOWN:
        return False
    if e.type == "yes_no":
        return value is True or (isinstance(value, str) and value.lower() in YES)
    if e.type == "many_of":
        return bool(value) if isinstance(value, list | tuple) else isinstance(value, str)
    return value is not None


def _yes_no(value: Any) -> bool | None:
    """A yes/no answer as True/False, None for don't know (or something that is not a yes/no answer)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.lower()
        if low in YES:
            return True
        if low in ("absent", "no", "false", "n"):
            return False
    return None


def pregnancy_ages(pack: Pack) -> tuple[float, float]:
    """The ages at which the pack asks about pregnancy, else PREGNANCY_AGE."""
    lo, hi = PREGNANCY_AGE
    for ev_id in PREGNANCY_IDS:
        e = pack.evidence.get(ev_id)
        if e is not None:
            return (e.min_age if e.min_age is not None else lo, e.max_age if e.max_age is not None else hi)
    return lo, hi


def number_floor(e: Evidence) -> float:
    """The smallest meaningful answer to a number question: 0, or the first bin edge when it is negative."""
    return min(0.0, e.bins[0]) if e.bins else 0.0


def _years(age: float) -> str:
    return f"{age:g}"


def _applies(e: Evidence) -> str:
    parts = []
    if e.sexes:
        parts.append(" and ".join(f"{s}s" for s in e.sexes))
    if e.min_age is not None and e.max_age is not None:
        parts.append(f"aged {_years(e.min_age)} to {_years(e.max_age)}")
    elif e.min_age is not None:
        parts.append(f"aged {_years(e.min_age)} or over")
    elif e.max_age is not None:
        parts.append(f"aged up to {_years(e.max_age)}")
    return "people " + ", ".join(parts) if parts else "everyone"


def validate_case(pack: Pack, age: Any, sex: Any, pregnant: Any, answers: Any) -> None:
    """Raise InputError naming the first field that breaks a rule of this module; return None otherwise."""
    if age is None:
        raise InputError("age", "is required")
    if not _is_number(age) or not math.isfinite(age):
        raise InputError("age", f"{age!r} is not a number of years")
    if not 0 <= age <= MAX_AGE:
        raise InputError("age", f"{age} is out of range (0 to {MAX_AGE} years)")
    if sex is not None and sex not in SEXES:
        raise InputError("sex", f"{sex!r} is not one of female, male")
    if pregnant is not None and not isinstance(pregnant, bool):
        raise InputError("pregnant", f"{pregnant!r} is not true or false")
    if answers is None:
        answers = {}
    if not isinstance(answers, Mapping):
        raise InputError("answers", f"must be an object of evidence id -> answer, not a {type(answers).__name__}")
    lo, hi = pregnancy_ages(pack)
    if pregnant:
        if sex == "male":
            raise InputError("pregnant", "pregnancy was given for a male")
        if not lo <= age <= hi:
            raise InputError("pregnant", f"pregnancy at age {_years(age)} is outside the ages this pack accepts "
                                         f"({_years(lo)} to {_years(hi)} years)")
    for ev_id, value in answers.items():
        if not isinstance(ev_id, str):
            raise InputError("answers", f"evidence ids are strings, not {ev_id!r}")
        e = pack.evidence.get(ev_id)
        if e is None:
            continue  # unknown ids and checklists are the interview's to judge
        field = f"answers.{ev_id}"
        if ev_id in PREGNANCY_IDS and e.type == "yes_no" and pregnant is not None:
            said = _yes_no(value)
            if said is not None and said != pregnant:
                raise InputError(field, f"{value!r} contradicts pregnant: {str(pregnant).lower()}")
        if e.type == "number" and _is_number(value) and math.isfinite(value) and value < number_floor(e):
            unit = f" {e.unit}" if e.unit else ""
            raise InputError(field, f"{value:g} is below the smallest possible value ({number_floor(e):g}{unit})")
        if not _positive(e, value):
            continue
        if e.sexes and sex is not None and sex not in e.sexes:
            raise InputError(field, f"{value!r} contradicts sex: {sex} (this question is for {_applies(e)})")
        if (e.min_age is not None and age < e.min_age) or (e.max_age is not None and age > e.max_age):
            raise InputError(field, f"{value!r} contradicts age: {_years(age)} (this question is for {_applies(e)})")


class DuplicateKey(InputError):
    """A JSON object names the same key twice; ``field`` is the dotted path of the key."""


class _Pairs(list[tuple[str, Any]]):
    """An object's key/value pairs as parsed, before duplicates are looked for."""


def _build(node: Any, path: list[str]) -> Any:
    if isinstance(node, _Pairs):
        out: dict[str, Any] = {}
        for key, value in node:
            if key in out:
                raise DuplicateKey(".".join([*path, key]), f"duplicate key {key!r}: each key may appear only once")
            out[key] = _build(value, [*path, key])
        return out
    if isinstance(node, list):
        return [_build(item, [*path, str(i)]) for i, item in enumerate(node)]
    return node


def loads_json(text: str | bytes) -> Any:
    """json.loads, but a repeated key in any object raises DuplicateKey naming where it is.
    Other syntax errors raise json.JSONDecodeError as usual."""
    return _build(json.loads(text, object_pairs_hook=_Pairs), [])
