"""The vignette benchmark and the cross-validated choice of triage thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from symcheck import load_pack
from symcheck.bench import triage_cv
from symcheck.bench import vignettes as bench
from symcheck.errors import InputError
from tests.conftest import SHARED

VIGNETTES = SHARED / "data" / "vignettes_dev" / "vignettes_dev.json"
needs_shared = pytest.mark.skipif(not VIGNETTES.exists(), reason=f"the shared vignettes are not at {VIGNETTES}")


def test_bad_files_are_one_clear_error(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="not valid UTF-8 JSON"):
        bench.load_vignettes(bad)
    bad.write_text(json.dumps([{"id": "X"}]))
    with pytest.raises(InputError, match="entry 1"):
        bench.load_vignettes(bad)
    with pytest.raises(InputError, match="cannot read"):
        bench.load_vignettes(tmp_path / "missing.json")


def test_closed_and_open_patients_answer_as_documented():
    pack = load_pack("spasm")
    facts = {"fever": "present"}
    assert bench.patient_answer(pack, facts, "fever", "open") == "present"
    assert bench.patient_answer(pack, facts, "dark_urine", "open") == "unknown"
    assert bench.patient_answer(pack, facts, "dark_urine", "closed") == "absent"
    assert bench.patient_answer(pack, facts, "symptom_duration", "closed") == "unknown"


def test_closed_patients_deny_only_what_their_coding_could_say():
    spasm, abdominal = load_pack("spasm"), load_pack("abdominal")
    coded_in_spasm = {"presentation": "abdominal", "fever": "absent"}  # `presentation` is the spasm pack's own
    vocab = bench.coding_vocabulary(coded_in_spasm)
    assert vocab is not None and "presentation" in vocab and "testicle_pain" not in vocab
    assert bench.patient_answer(abdominal, coded_in_spasm, "testicle_pain", "closed", vocab) == "unknown"
    assert bench.patient_answer(abdominal, coded_in_spasm, "vomiting_diarrhoea", "closed", vocab) == "absent"
    both = bench.coding_vocabulary({**coded_in_spasm, "pain_site": ["lower_left"]})
    assert both is not None and "testicle_pain" in both and "dark_urine" in both
    assert bench.coding_vocabulary({"fever": "present"}) is None  # shared by both packs: no limit
    assert set(spasm.evidence) <= vocab


@needs_shared
def test_a_few_shared_cases_through_both_modes(tmp_path: Path):
    cases = json.loads(VIGNETTES.read_text())
    few = [c for c in cases if c["id"] in ("DEV-001", "DEV-043", "DEV-051")]
    path = tmp_path / "few.json"
    path.write_text(json.dumps(few))
    from symcheck.cli.main import app

    out = tmp_path / "out.json"
    result = CliRunner().invoke(app, ["bench", "vignettes", str(path), "--domain", "all", "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert [m["mode"] for m in report["modes"]] == ["open", "closed"]
    by_id = {(o["id"], o["mode"]): o for o in report["outcomes"]}
    # the meningitis child is never under-triaged; the belly-cramp child ends in the abdominal pack
    assert not by_id[("DEV-043", "open")]["under_triage"] and not by_id[("DEV-043", "closed")]["under_triage"]
    assert by_id[("DEV-051", "open")]["pack"] == "abdominal"
    # night cramps with every check answered "no" reach self-care
    assert by_id[("DEV-001", "closed")]["triage"] == "self_care"


def test_the_coded_facts_are_valid_answers_and_never_override_stated():
    import yaml

    packs = [load_pack("spasm"), load_pack("abdominal")]
    raw = yaml.safe_load(bench.CODED_FACTS.read_text())
    assert raw and all(k.startswith("DEV-") for k in raw)
    for case_id, facts in raw.items():
        for ev_id, value in (facts or {}).items():
            owners = [p for p in packs if ev_id in p.evidence]
            assert owners, f"{case_id}: {ev_id} is in no built-in pack"
            e = owners[0].evidence[ev_id]
            choices = {c.id for c in e.choices or []}
            if e.type == "yes_no":
                assert value in ("present", "absent"), (case_id, ev_id, value)
            elif e.type == "one_of":
                assert value in choices, (case_id, ev_id, value)
            else:
                assert e.type == "many_of" and set(value) <= choices, (case_id, ev_id, value)
    case = bench.Vignette(id="DEV-057", age=74, sex="female", gold_urgency="emergency",
                          acceptable_urgency=["emergency"], stated={"swollen_belly": "absent"})
    coded = bench.with_coded_facts([case])[0]
    assert coded.coded["no_wind_or_stool"] == "present" and coded.facts()["swollen_belly"] == "absent"


def _sample(group: str, masses: tuple[float, float, float], sc: float, gold: str, ok: list[str]) -> triage_cv.Sample:
    levels = ["self_care", "consultation", "consultation_24", "emergency", "emergency_ambulance"]
    return triage_cv.Sample(group, masses, sc, -1, False, levels.index(gold), frozenset(levels.index(a) for a in ok))


def test_cross_validation_finds_thresholds_that_separate_the_levels():
    samples = []
    for i in range(10):
        samples.append(_sample(f"e{i}", (0.9, 0.6 + i / 100, 0.01), 0.01, "emergency", ["emergency"]))
        samples.append(_sample(f"u{i}", (0.5 + i / 100, 0.01, 0.0), 0.2, "consultation_24", ["consultation_24"]))
        samples.append(_sample(f"s{i}", (0.01, 0.0, 0.0), 0.97, "self_care", ["self_care", "consultation"]))
        samples.append(_sample(f"c{i}", (0.02, 0.0, 0.0), 0.5, "consultation", ["consultation"]))
    report = triage_cv.cross_validate(load_pack("spasm"), samples, folds=5, seed=1)
    assert report.held_out_acceptable == 1.0 and report.held_out_under_triage == 0
    chosen = report.chosen
    assert 0.02 < chosen["consultation_24"] <= 0.5 and chosen["emergency"] <= 0.6 and chosen["self_care"] > 0.5
    assert triage_cv.levels_with(samples[:4], chosen) == [3, 2, 0, 1]


@needs_shared
def test_sparse_runs_add_the_sets_own_coding_in_the_same_fold(tmp_path: Path):
    cases = json.loads(VIGNETTES.read_text())
    few = [c for c in cases if c["id"] in ("DEV-057", "DEV-063")]  # both have blind-coded facts
    path = tmp_path / "few.json"
    path.write_text(json.dumps(few))
    pack = load_pack("abdominal")
    dense = [s for s in triage_cv.collect(pack, path, "abdominal", sparse=False) if s.group.startswith("vignette:")]
    both = [s for s in triage_cv.collect(pack, path, "abdominal", sparse=True) if s.group.startswith("vignette:")]
    assert len(dense) == 4 and len(both) == 8  # 2 cases x 2 modes, then again from `stated` alone
    assert {s.group for s in both} == {"vignette:DEV-057", "vignette:DEV-063"}
