"""The shared case rules (symcheck.validation): the Python API refuses contradictions and loose types with an
InputError naming the field; `symcheck assess` says the same in one line and exits 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from symcheck import Interview
from symcheck.errors import InputError
from symcheck.validation import DuplicateKey, loads_json, pregnancy_ages, validate_case
from tests.conftest import MINI

# (case, the field the error must name)
BAD_CASES = [
    ({"age": 40, "sex": "male", "answers": {"pregnant": "present"}}, "answers.pregnant"),
    ({"age": 8, "sex": "female", "pregnant": True}, "pregnant"),
    ({"age": 2, "sex": "female", "pregnant": True}, "pregnant"),
    ({"age": 40, "sex": "male", "pregnant": True}, "pregnant"),
    ({"age": 30, "sex": "female", "pregnant": False, "answers": {"pregnant": "present"}}, "answers.pregnant"),
    ({"age": 30, "sex": "female", "pregnant": True, "answers": {"pregnant": "absent"}}, "answers.pregnant"),
    ({"age": 8, "sex": "female", "answers": {"pregnant": "yes"}}, "answers.pregnant"),
    ({"age": 40, "answers": []}, "answers"),
    ({"age": 40, "answers": "cramp"}, "answers"),
    ({"age": True}, "age"),
    ({"age": "40"}, "age"),
    ({"age": 40, "pregnant": "yes"}, "pregnant"),
    ({"age": 40, "answers": {"duration_days": -5}}, "answers.duration_days"),
    ({"age": 40, "answers": {"duration_days": -1000000}}, "answers.duration_days"),
]


def _interview(pack, case):
    return Interview(pack, age=case["age"], sex=case.get("sex"), pregnant=case.get("pregnant"),
                     answers=case.get("answers"))


@pytest.mark.parametrize(("case", "field"), BAD_CASES)
def test_python_api_refuses_with_the_field(mini_pack, case, field):
    with pytest.raises(InputError) as info:
        _interview(mini_pack, case)
    assert info.value.field == field, info.value
    with pytest.raises(InputError) as again:
        validate_case(mini_pack, case["age"], case.get("sex"), case.get("pregnant"), case.get("answers"))
    assert again.value.field == field


@pytest.mark.parametrize("case", [
    {"age": 30, "sex": "female", "pregnant": True, "answers": {"pregnant": "present"}},
    {"age": 30, "sex": "female", "answers": {"pregnant": "present"}},
    {"age": 40, "sex": "male", "answers": {"pregnant": "absent"}},   # a "no" never contradicts
    {"age": 8, "sex": "female", "pregnant": False},
    {"age": 40, "sex": None, "answers": {"pregnant": "unknown", "duration_days": 0}},
    {"age": 40, "answers": {}},
    {"age": 40},
])
def test_consistent_cases_pass(mini_pack, case):
    _interview(mini_pack, case).result()


def test_pregnancy_ages_come_from_the_pack(mini_pack):
    assert pregnancy_ages(mini_pack) == (12, 55)


def test_spasm_pregnancy_rules():
    import symcheck

    spasm = symcheck.load_pack("spasm")
    with pytest.raises(InputError) as info:
        Interview(spasm, age=40, sex="male", answers={"pregnancy": "present"})
    assert info.value.field == "answers.pregnancy"
    with pytest.raises(InputError) as info:
        Interview(spasm, age=8, sex="female", pregnant=True)
    assert info.value.field == "pregnant"
    with pytest.raises(InputError) as info:
        Interview(spasm, age=50, sex="female", answers={"cramps_per_week": -1000000})
    assert info.value.field == "answers.cramps_per_week"


def test_duplicate_keys_are_refused_with_their_path():
    assert loads_json('{"a": {"b": 1}, "c": [{"d": 2}]}') == {"a": {"b": 1}, "c": [{"d": 2}]}
    with pytest.raises(DuplicateKey) as info:
        loads_json('{"answers": {"seizure": "present"}, "answers": {}}')
    assert info.value.field == "answers"
    with pytest.raises(DuplicateKey) as info:
        loads_json('{"answers": {"seizure": "present", "seizure": "absent"}}')
    assert info.value.field == "answers.seizure"
    with pytest.raises(json.JSONDecodeError):
        loads_json("{")


# ----- the CLI: one line, exit 2 ---------------------------------------------------------------------------


def _assess_fails(monkeypatch, capsys, path: Path) -> str:
    from symcheck.cli.main import main

    monkeypatch.setattr(sys, "argv", ["symcheck", "assess", str(path), "--pack", str(MINI)])
    with pytest.raises(SystemExit) as info:
        main()
    err = capsys.readouterr().err.strip()
    assert info.value.code == 2, err
    assert err.startswith("error:") and len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize(("case", "field"), BAD_CASES)
def test_cli_assess_refuses_in_one_line(monkeypatch, capsys, tmp_path, case, field):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    err = _assess_fails(monkeypatch, capsys, path)
    assert f"{field}:" in err


def test_cli_assess_non_utf8_file(monkeypatch, capsys, tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"age": 40, "complaint": "crampe \u00e0 la jambe"}'.encode("latin-1"))
    err = _assess_fails(monkeypatch, capsys, path)
    assert "UTF-8" in err


def test_cli_assess_duplicate_keys(monkeypatch, capsys, tmp_path):
    path = tmp_path / "dup.json"
    path.write_text('{"age": 40, "answers": {"jaw_stiff": "present"}, "answers": {}}')
    err = _assess_fails(monkeypatch, capsys, path)
    assert "answers" in err and "duplicate" in err
