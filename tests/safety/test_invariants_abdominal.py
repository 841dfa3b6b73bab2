"""The safety invariants of `symcheck.safety` on the abdominal pack, as properties over generated cases through
the Python API (the spasm pack's file also runs them through the HTTP API, the CLI and the web checker, which
share this service layer)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symcheck import Interview, load_pack, safety
from symcheck.engine.model import LEVEL_NAMES
from symcheck.errors import InputError
from symcheck.kb.loader import outcome_ids

PACK = load_pack("abdominal")
SIGNS = sorted(safety.red_flag_signs(PACK))
IMPLYING_SIGNS = [k for k in SIGNS if PACK.evidence[k].implies]
URGENT = sorted(safety.urgent_findings(PACK))
PREGNANCY = {"pregnancy", "pregnant", "postpartum", "late_pregnancy"}
EVIDENCE = [e for e in PACK.evidence if e not in PREGNANCY and e != "presentation"]
LEVEL = LEVEL_NAMES.index
SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _answer(ev_id: str) -> st.SearchStrategy[object]:
    e = PACK.evidence[ev_id]
    if e.type == "yes_no":
        return st.sampled_from(["present", "absent", "unknown"])
    if e.type == "one_of":
        return st.sampled_from([*outcome_ids(e), "unknown"])
    if e.type == "many_of":
        return st.lists(st.sampled_from(outcome_ids(e)), unique=True, max_size=3)
    top = max(e.bins) * 2 if e.bins else 100.0
    return st.floats(min_value=0, max_value=top, allow_nan=False)


def _fits(age: float, sex: str, ev_id: str) -> bool:
    e = PACK.evidence[ev_id]
    return not ((e.sexes and sex not in e.sexes) or (e.min_age is not None and age < e.min_age)
                or (e.max_age is not None and age > e.max_age))


@st.composite
def cases(draw: st.DrawFn, many_flags: bool = False) -> dict[str, object]:
    age = draw(st.integers(min_value=0, max_value=100))
    sex = draw(st.sampled_from(["female", "male"]))
    complaint = draw(st.sampled_from([None, *[c.id for c in PACK.meta.complaints]]))
    chosen = draw(st.lists(st.sampled_from(EVIDENCE), unique=True, max_size=25))
    answers = {k: draw(_answer(k)) for k in chosen}
    if many_flags:
        for k in draw(st.lists(st.sampled_from(URGENT), unique=True, min_size=9, max_size=20)):
            answers[k] = "present"
    return {"age": age, "sex": sex, "complaint": complaint,
            "answers": {k: v for k, v in answers.items() if _fits(age, sex, k)}}


def _interview(case: dict[str, object]) -> Interview:
    return Interview(PACK, age=case["age"], sex=case["sex"], complaint=case["complaint"],  # type: ignore[arg-type]
                     answers=case["answers"])  # type: ignore[arg-type]


def _level(case: dict[str, object]) -> int | None:
    """The level, or None when validation refuses the case (e.g. a complaint outside the person's age)."""
    try:
        return LEVEL(_interview(case).result().triage.level)
    except InputError:
        return None


def _with(case: dict[str, object], ev_id: str) -> dict[str, object]:
    return {**case, "answers": {**case["answers"], ev_id: "present"}}  # type: ignore[dict-item]


def _without(case: dict[str, object], ev_ids: set[str]) -> dict[str, object]:
    return {**case, "answers": {k: v for k, v in case["answers"].items() if k not in ev_ids}}  # type: ignore[attr-defined]


@SETTINGS
@given(cases(), st.sampled_from(SIGNS), st.booleans())
def test_a_red_flag_sign_never_lowers_the_level(case, sign, _):
    case = _without(case, {sign})
    if not _fits(case["age"], case["sex"], sign) or (before := _level(case)) is None:  # type: ignore[arg-type]
        return
    after = _level(_with(case, sign))
    assert after is not None and after >= before, f"{sign} lowered {LEVEL_NAMES[before]}"


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(many_flags=True), st.sampled_from(IMPLYING_SIGNS))
def test_a_sign_that_implies_context_never_lowers_the_level(case, sign):
    case = _without(case, {sign, *PACK.evidence[sign].implies})
    if not _fits(case["age"], case["sex"], sign) or (before := _level(case)) is None:  # type: ignore[arg-type]
        return
    after = _level(_with(case, sign))
    assert after is not None and after >= before, f"{sign} lowered {LEVEL_NAMES[before]}"


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(many_flags=True), st.sampled_from(URGENT))
def test_many_flags_and_one_more_never_lowers_what_it_guards(case, flag):
    case = _without(case, {flag})
    if not _fits(case["age"], case["sex"], flag) or (before := _level(case)) is None:  # type: ignore[arg-type]
        return
    after_case = _with(case, flag)
    after = _level(after_case)
    assert after is not None
    if flag in SIGNS:
        assert after >= before
    else:
        after_iv = _interview(after_case)
        if flag in safety.guarded_findings(PACK, after_iv.facts()):
            assert after >= safety.context_floor(_interview(case), flag, after_iv.facts())


@SETTINGS
@given(cases())
def test_every_result_keeps_the_invariants(case):
    try:
        result = _interview(case).result()
    except InputError:
        return
    assert safety.violations(PACK, result) == []
