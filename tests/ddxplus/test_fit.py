"""`kb fit` on small case files made here: DDXPlus-format patients for a tiny release, JSON Lines for the
hand-written mini pack."""

from __future__ import annotations

import csv
import json
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml

from symcheck import load_pack
from symcheck.ddxplus.importer import import_ddxplus
from symcheck.errors import InputError
from symcheck.kb.fit import FitOptions, fit_pack, interval_predictive
from tests.conftest import MINI
from tests.ddxplus.test_import import TINY_CONDITIONS, write_tiny_release

HEADER = ["AGE", "DIFFERENTIAL_DIAGNOSIS", "SEX", "PATHOLOGY", "EVIDENCES", "INITIAL_EVIDENCE"]


def tiny_patients(path: Path, n_flu: int = 60, n_cold: int = 180, seed: int = 1) -> None:
    """Flu: fever 80% (then a fever height uniform on 3..6), travel to Africa 25%, always over 60.
    Cold: cough always, throat pain 70% (chest 10%), never fever. Half the colds are women."""
    rng = random.Random(seed)
    rows = []
    for i in range(n_flu):
        ev = ["E_4_@_V_1" if rng.random() < 0.25 else "E_4_@_V_10"]
        if rng.random() < 0.8:
            ev += ["E_1", f"E_3_@_{rng.randint(3, 6)}"]
        else:
            ev += ["E_2"]  # flu without fever: a cough, so there is an initial evidence
        initial = "E_1" if "E_1" in ev else "E_2"
        rows.append([61 + i % 30, "[['Flu', 0.7], ['Cold', 0.3]]", "M", "Flu", repr(sorted(ev)), initial])
    for i in range(n_cold):
        places = [v for v, p in (("V_7", 0.7), ("V_8", 0.1)) if rng.random() < p] or ["V_123"]
        ev = ["E_2", *(f"E_5_@_{v}" for v in places), "E_4_@_V_10"]
        rows.append([20 + i % 40, "[['Cold', 1.0]]", "F" if i % 2 else "M", "Cold", repr(ev), "E_2"])
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)


@pytest.fixture()
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    conditions = dict(TINY_CONDITIONS)
    conditions["Rare"] = {
        "condition_name": "Rare", "cond-name-fr": "Rare", "cond-name-eng": "Rare", "icd10-id": "x00",
        "symptoms": {"E_1": {}, "E_2": {}}, "antecedents": {}, "severity": 1,
    }  # fmt: skip
    cond, ev = write_tiny_release(tmp_path / "release")
    cond.write_text(json.dumps(conditions), encoding="utf-8")
    import_ddxplus(cond, ev, tmp_path / "pack")
    patients = tmp_path / "patients.csv"
    tiny_patients(patients)
    return tmp_path / "pack", patients


def test_fit_learns_rates_priors_and_keeps_structure(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    pack_dir, patients = tiny
    report = fit_pack(pack_dir, [patients], tmp_path / "fitted", options=FitOptions(strength=2.0))
    assert report.cases == 240 and report.per_condition == {"flu": 60, "cold": 180, "rare": 0}
    pack = load_pack(tmp_path / "fitted")
    flu, cold, rare = (pack.condition(c) for c in ("flu", "cold", "rare"))
    assert 0.65 < flu.likelihoods["E_1"].p < 0.92
    # Cold never has fever and does not list it: no link, and a background far below any linked rate
    assert "E_1" not in cold.likelihoods
    assert pack.evidence["E_1"].background < 0.01
    # travel: the complete records' default (no travel) is filled in, so V_1 is ~25% for flu
    assert 0.12 < flu.likelihoods["E_4"].values["V_1"] < 0.4
    # the fever height is counted only when there is a fever; learnt as a range around 3..6
    height = flu.likelihoods["E_3"].values
    assert sum(height[f"b{v}"] for v in range(3, 7)) > 0.85 and height["b9"] < 0.02
    # multi-choice values are independent yes/no parts
    assert 0.55 < cold.likelihoods["E_5"].values["V_7"] < 0.85
    # a condition without cases falls back on the structure: it keeps its links at pooled rates
    assert set(rare.likelihoods) == {"E_1", "E_2"} and 0.05 < rare.likelihoods["E_1"].p < 0.95
    # priors: three colds per flu; flu only over 60, colds only women in half
    assert cold.prior.base / flu.prior.base == pytest.approx(181 / 61, rel=0.05)
    assert flu.prior.age["60-74"] > 2.0 and flu.prior.age["16-29"] < 0.3
    assert flu.prior.sex["male"] > 1.3 > 0.5 > flu.prior.sex["female"]
    provenance = yaml.safe_load((tmp_path / "fitted" / "fit.yaml").read_text(encoding="utf-8"))
    assert provenance["cases"] == 240 and provenance["number_models"]["E_3"] in ("interval", "categorical")
    shares = yaml.safe_load((tmp_path / "fitted" / "reference_differential.yaml").read_text(encoding="utf-8"))
    assert shares["listed"]["flu"]["cold"] > 0.9 and "flu" not in shares["listed"]["cold"]


def test_a_zip_streams_to_the_same_fit(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    pack_dir, patients = tiny
    archive = tmp_path / "patients.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(patients, "release_train_patients")
    fit_pack(pack_dir, [patients], tmp_path / "a")
    fit_pack(pack_dir, [archive], tmp_path / "b")
    assert (tmp_path / "a" / "conditions" / "ddxplus.yaml").read_text() == (tmp_path / "b" / "conditions" / "ddxplus.yaml").read_text()


def test_interval_model_is_a_proper_distribution() -> None:
    pred = interval_predictive(np.array([0, 0, 0, 4.0, 3, 0, 5, 0, 0, 0, 0]))
    assert pred.sum() == pytest.approx(1.0)
    assert pred[3:7].sum() > 0.9  # the observed range
    assert pred[2] > pred[1] > pred[0] > 0  # uncertainty fades away from the edges
    assert pred[4] == pytest.approx(pred[5])  # uniform inside the range


def write_jsonl(path: Path, cases: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")


def test_jsonl_cases_on_a_hand_written_pack(tmp_path: Path) -> None:
    cases: list[dict[str, object]] = []
    for i in range(40):
        cases.append({"age": 70, "sex": "female", "condition": "night_cramps",
                      "answers": {"cramp": "present", "night": "present" if i % 4 else "absent", "places": ["calf"]}})
    for i in range(10):
        cases.append({"age": 30, "sex": "male", "condition": "Viral myositis",  # by name
                      "answers": {"fever": "present" if i < 9 else "absent", "cramp": "unknown"}})  # fmt: skip
    file = tmp_path / "cases.jsonl"
    write_jsonl(file, cases)
    report = fit_pack(MINI, [file], tmp_path / "mini")
    assert report.per_condition == {"infection": 10, "night_cramps": 40, "tetanus": 0}
    pack = load_pack(tmp_path / "mini")
    before = load_pack(MINI)
    night = pack.condition("night_cramps").likelihoods
    # 30 of 40 at night, smoothed towards the pack's sourced 0.9
    assert night["night"].p == pytest.approx((30 + 2 * 0.9) / (40 + 2), abs=1e-4)
    assert night["places"].values["calf"] > 0.9
    assert pack.condition("infection").likelihoods["fever"].p == pytest.approx((9 + 2 * 0.8) / (10 + 2), abs=1e-4)
    # tetanus had no cases: its sourced figures stand
    assert pack.condition("tetanus").likelihoods["jaw_stiff"].p == pytest.approx(0.9)
    assert before.condition("tetanus").likelihoods["jaw_stiff"].p == pytest.approx(0.9)


def test_bad_cases_give_clear_errors(tmp_path: Path) -> None:
    file = tmp_path / "cases.jsonl"
    write_jsonl(file, [{"age": 30, "sex": "male", "condition": "gout", "answers": {}}])
    with pytest.raises(InputError, match="'gout' is not in pack"):
        fit_pack(MINI, [file], tmp_path / "out")
    write_jsonl(file, [{"age": 30, "sex": "male", "condition": "tetanus", "answers": {"fever": "maybe"}}])
    with pytest.raises(InputError, match="line 1: fever"):
        fit_pack(MINI, [file], tmp_path / "out")
    write_jsonl(file, [{"age": 30, "sex": "male", "condition": "gout", "answers": {}}])
    with pytest.raises(InputError, match="no cases read"):
        fit_pack(MINI, [file], tmp_path / "out", options=FitOptions(skip_unknown=True))
    other = tmp_path / "notes.txt"
    other.write_text("hello\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a DDXPlus patient file"):
        fit_pack(MINI, [other], tmp_path / "out")
    with pytest.raises(InputError, match="floor"):
        fit_pack(MINI, [file], tmp_path / "out", options=FitOptions(floor=0.5))
