"""The validator: every problem named by file, entry and field, all reported at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from symcheck.errors import PackError
from symcheck.kb.loader import load_pack_data
from tests.conftest import MINI, edit_yaml, pack_problems


def test_the_mini_pack_is_valid():
    data = load_pack_data(MINI)
    assert len(data.conditions) == 3 and len(data.evidence) == 9


def test_probability_out_of_range_names_file_and_field(pack_copy):
    edit_yaml(pack_copy / "conditions" / "tetanus.yaml", lambda d: d["likelihoods"]["jaw_stiff"].update(p=1.3))
    assert "conditions/tetanus.yaml: likelihoods.jaw_stiff: 1.3 is not a probability" in pack_problems(pack_copy)


def test_all_problems_are_reported_at_once(pack_copy):
    def break_tetanus(d):
        d["likelihoods"]["trismus"] = {"p": 0.5, "source": "src1"}
        d["likelihoods"]["wound"]["source"] = "nowhere"
        d["specialists"] = ["surgeon"]
        d["urgency"] = "whenever"

    edit_yaml(pack_copy / "conditions" / "tetanus.yaml", break_tetanus)
    edit_yaml(pack_copy / "evidence.yaml", lambda d: d[1].update(parent="missing_parent"))
    edit_yaml(pack_copy / "rules.yaml", lambda d: d[0].update(when="jaw_stiff and lockjaw_sign", source=None))
    found = pack_problems(pack_copy)
    assert "conditions/tetanus.yaml: urgency: Input should be 'self_care', 'consultation', 'consultation_24', 'emergency' or 'emergency_ambulance'" in found
    assert "evidence.yaml: night: parent: unknown evidence 'missing_parent'" in found
    assert "rules.yaml: lockjaw: when: unknown evidence 'lockjaw_sign'" in found
    assert "rules.yaml: lockjaw: source: has no source" in found


def test_reference_errors(pack_copy):
    def break_refs(d):
        d["likelihoods"]["trismus"] = {"p": 0.5, "source": "src1"}
        d["likelihoods"]["wound"]["source"] = "nowhere"
        d["likelihoods"]["site"] = {"values": {"knee": 0.5}, "source": "src1"}
        d["specialists"] = ["surgeon"]
        d["prior"]["age"] = {"10-20": 2.0}

    edit_yaml(pack_copy / "conditions" / "tetanus.yaml", break_refs)
    found = pack_problems(pack_copy)
    for expected in [
        "conditions/tetanus.yaml: likelihoods.trismus: unknown evidence 'trismus'",
        "conditions/tetanus.yaml: likelihoods.wound.source: unknown source 'nowhere'",
        "conditions/tetanus.yaml: likelihoods.site.knee: is not a choice of 'site' (leg, abdomen, jaw)",
        "conditions/tetanus.yaml: specialists: unknown specialist 'surgeon'",
    ]:
        assert expected in found
    assert any(f.startswith("conditions/tetanus.yaml: prior.age.10-20: is not an age band") for f in found)


def test_missing_likelihood_source(pack_copy):
    edit_yaml(pack_copy / "conditions" / "infection.yaml", lambda d: d.pop("likelihood_source"))
    assert "conditions/infection.yaml: likelihoods.fever: has no source" in pack_problems(pack_copy)


def test_broken_yaml_and_unknown_fields(pack_copy):
    (pack_copy / "specialists.yaml").write_text("- {id: gp, name: GP\n")
    edit_yaml(pack_copy / "evidence.yaml", lambda d: d[0].update(colour="red"))
    found = pack_problems(pack_copy)
    assert any(f.startswith("specialists.yaml: line") and "not valid YAML" in f for f in found)
    assert "evidence.yaml: cramp: colour: unknown field" in found


def test_rule_syntax_is_whitelisted(pack_copy):
    edit_yaml(pack_copy / "rules.yaml", lambda d: d[0].update(when="__import__('os').system('true')"))
    assert any(f.startswith("rules.yaml: lockjaw: when:") and "not allowed" in f for f in pack_problems(pack_copy))


def test_rule_choice_values_are_checked(pack_copy):
    edit_yaml(pack_copy / "rules.yaml", lambda d: d[2].update(when="site == 'stomach'"))
    assert "rules.yaml: belly: when: 'stomach' is not a choice of the evidence it is compared with" in pack_problems(pack_copy)


def test_condition_id_must_match_file_and_be_unique(pack_copy):
    shutil.copy(pack_copy / "conditions" / "tetanus.yaml", pack_copy / "conditions" / "tetanus2.yaml")
    found = pack_problems(pack_copy)
    assert any("duplicate condition id 'tetanus'" in f for f in found)


def test_missing_folder():
    with pytest.raises(PackError, match="no such pack folder"):
        load_pack_data(Path("/nonexistent/pack"))


def test_urgent_rules_name_their_conditions_and_use_no_not(pack_copy):
    def change(d):
        d[0].pop("conditions")
        d[1].update(when="fever and not jaw_stiff", conditions=["infection", "nowhere"])

    edit_yaml(pack_copy / "rules.yaml", change)
    found = pack_problems(pack_copy)
    assert "rules.yaml: lockjaw: conditions: a rule at consultation_24 or above must name the conditions it points to" in found
    assert "rules.yaml: long_fever: conditions: unknown condition 'nowhere'" in found
    assert any(f.startswith("rules.yaml: long_fever: when: an urgent rule may not use 'not'") for f in found)


def test_an_emergency_gate_item_must_be_named_by_an_emergency_rule(pack_copy):
    from tests.conftest import edit_yaml, pack_problems

    def gate(meta):  # type: ignore[no-untyped-def]
        meta["complaints"][0]["emergency_gate"] = ["jaw_stiff", "fever"]

    edit_yaml(pack_copy / "pack.yaml", gate)
    problems = " ".join(pack_problems(pack_copy))
    assert "'fever' is named by no emergency rule" in problems  # long_fever is only a same-day rule
    assert "'jaw_stiff'" not in problems  # lockjaw calls an ambulance


def test_a_broken_pack_yaml_is_reported_once_not_as_a_cascade(pack_copy):
    from tests.conftest import edit_yaml, pack_problems

    edit_yaml(pack_copy / "pack.yaml", lambda meta: meta.update(emergency_rule_min_share=2))
    problems = pack_problems(pack_copy)
    assert any("emergency_rule_min_share" in p for p in problems)
    assert all(p.startswith("pack.yaml") for p in problems), problems  # no "unknown complaint", no age bands
