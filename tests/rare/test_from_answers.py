"""The rare-disease section of a result: answers with HPO ids feed the HPO ranker."""

from __future__ import annotations

from symcheck import Interview, load_pack
from symcheck.rare.from_answers import hpo_terms, rare_differential


def test_answers_map_to_observed_and_excluded_terms():
    pack = load_pack("spasm")
    coded = [e.id for e in pack.evidence.values() if e.type == "yes_no" and e.codes.get("hpo")]
    iv = Interview(pack, age=30, sex="male", answers={coded[0]: "present", coded[1]: "present", coded[2]: "absent"})
    observed, excluded = hpo_terms(iv)
    assert observed == [pack.evidence[coded[0]].codes["hpo"], pack.evidence[coded[1]].codes["hpo"]]
    assert excluded == [pack.evidence[coded[2]].codes["hpo"]]


def test_rare_differential_needs_two_features_and_ranks_with_explanations():
    pack = load_pack("spasm")
    by_code = {e.codes.get("hpo"): e.id for e in pack.evidence.values() if e.type == "yes_no" and e.codes.get("hpo")}
    iv = Interview(pack, age=30, sex="male")
    assert rare_differential(iv) is None
    for ev_id in list(by_code.values())[:4]:
        iv.answer(ev_id, "present")
    result = rare_differential(iv, top=5)
    assert result is not None and len(result.diseases) == 5
    assert abs(sum(d.score_share for d in result.diseases)) <= 1.0 + 1e-9
    assert any(m.log_lr > 0 for d in result.diseases for m in d.matches)
