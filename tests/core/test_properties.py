"""Property tests: posteriors sum to one, red flags never lower triage, results are deterministic."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from symcheck import Interview
from symcheck.engine.model import LEVEL_NAMES

YES_NO = ["cramp", "night", "fever", "jaw_stiff", "wound"]
ANSWERS = st.fixed_dictionaries(
    {},
    optional={
        **{e: st.sampled_from(["present", "absent", "unknown"]) for e in YES_NO},
        "site": st.sampled_from(["leg", "abdomen", "jaw", "unknown"]),
        "places": st.lists(st.sampled_from(["calf", "foot"]), unique=True),
        "duration_days": st.floats(min_value=0, max_value=400),
    },
)
DEMOGRAPHICS = st.tuples(st.integers(min_value=0, max_value=120), st.sampled_from(["female", "male", None]))


@settings(max_examples=150, deadline=None)
@given(DEMOGRAPHICS, ANSWERS)
def test_posterior_sums_to_one(mini_pack, demo, answers):
    post = Interview(mini_pack, age=demo[0], sex=demo[1], answers=answers).posterior()
    assert abs(sum(post.values()) - 1.0) < 1e-9
    assert all(0.0 <= p <= 1.0 for p in post.values())


@settings(max_examples=300, deadline=None)
@given(DEMOGRAPHICS, ANSWERS, st.sampled_from(["jaw_stiff", "fever", "wound"]))
def test_adding_a_red_flag_finding_never_lowers_triage(mini_pack, demo, answers, flag):
    # adding a new finding, not changing an answer ("don't know" to "yes" is a change: "don't know" to a
    # safety question already keeps the person from self-care). The invariant (symcheck.safety): a sign
    # (jaw stiffness, fever) never lowers the level; context (a wound) never lowers the level that the
    # conditions of a rule naming it call for while that rule is open or fired.
    from symcheck import safety

    answers = {k: v for k, v in answers.items() if k != flag}
    before = LEVEL_NAMES.index(Interview(mini_pack, age=demo[0], sex=demo[1], answers=answers).result().triage.level)
    after_iv = Interview(mini_pack, age=demo[0], sex=demo[1], answers={**answers, flag: "present"})
    after = LEVEL_NAMES.index(after_iv.result().triage.level)
    if flag in safety.red_flag_signs(mini_pack):
        assert after >= before
    elif flag in safety.guarded_findings(mini_pack, after_iv.facts()):
        before_iv = Interview(mini_pack, age=demo[0], sex=demo[1], answers=answers)
        assert after >= safety.context_floor(before_iv, flag, after_iv.facts())


@settings(max_examples=60, deadline=None)
@given(DEMOGRAPHICS, ANSWERS)
def test_same_input_gives_identical_output(mini_pack, demo, answers):
    a = Interview(mini_pack, age=demo[0], sex=demo[1], answers=answers).step().model_dump_json()
    b = Interview(mini_pack, age=demo[0], sex=demo[1], answers=dict(answers)).step().model_dump_json()
    assert a == b
