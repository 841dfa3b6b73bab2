"""The importer on the real release files (English and French) and on a tiny hand-made release."""

from __future__ import annotations

import filecmp
import json
import shutil
from pathlib import Path

import pytest
import yaml

from symcheck import load_pack
from symcheck.ddxplus.importer import import_ddxplus
from symcheck.errors import InputError
from tests.ddxplus.conftest import DATA, need


def test_english_release_gives_a_valid_pack(english_pack: Path) -> None:
    pack = load_pack(english_pack)
    assert len(pack.conditions) == 49 and len(pack.evidence) == 223
    types = [e.type for e in pack.evidence.values()]
    assert types.count("yes_no") == 208 and types.count("many_of") == 5
    assert types.count("one_of") + types.count("number") == 10
    # groups: the pain follow-ups hang on E_53, E_204 is the one categorical antecedent
    assert pack.evidence["E_55"].parent == "E_53" and pack.evidence["E_55"].type == "many_of"
    assert pack.evidence["E_69"].parent is None  # its code_question names no evidence
    travel = pack.evidence["E_204"]
    assert travel.kind == "risk_factor" and travel.type == "one_of" and travel.choices[0].id == "V_10"
    intensity = pack.evidence["E_56"]
    assert intensity.type == "number" and intensity.bins == [float(i) for i in range(1, 11)]
    # a multi-choice evidence leaves its default ("nowhere") out of the choices
    assert "V_123" not in {c.id for c in pack.evidence["E_55"].choices}
    assert pack.evidence["E_91"].translations["fr"].startswith("Avez-vous")
    assert pack.evidence["E_91"].codes == {"ddxplus": "E_91", "ddxplus_fr": "fievre"}


def test_conditions_keep_severity_icd10_and_structure(english_pack: Path) -> None:
    pack = load_pack(english_pack)
    pneumonia = pack.condition("pneumonia")
    assert pneumonia.icd10 == "J17" and pneumonia.codes["icd10_all"] == "J17, J18"
    assert pneumonia.urgency == "consultation_24"  # severity 3
    assert pack.condition("anaphylaxis").urgency == "emergency_ambulance"  # severity 1
    assert pack.condition("urti").urgency == "self_care"  # severity 5
    assert pack.condition("possible_nstemi_stemi").name == "Possible NSTEMI / STEMI"
    assert pack.condition("urti").translations["fr"] == "IVRS ou virémie"
    # structure-only likelihoods: the release lists E_91 (fever) for URTI, not for cluster headache
    urti = pack.condition("urti").likelihoods["E_91"]
    assert urti.estimate and urti.p == 0.5
    assert "E_91" not in pack.condition("cluster_headache").likelihoods
    complaint_ids = {c.id for c in pack.meta.complaints}
    assert "E_91" in complaint_ids and "E_204" not in complaint_ids and "E_55" not in complaint_ids
    source = pack.sources["ddxplus"]
    assert "CC-BY 4.0" in source.citation and "10.6084/m9.figshare.20043374" in (source.url or "")


def test_french_release_maps_onto_english_codes(english_pack: Path, tmp_path: Path) -> None:
    need(DATA / "release_conditions_fr.json", DATA / "release_evidences_fr.json")
    out = tmp_path / "fr"
    _, note = import_ddxplus(DATA / "release_conditions_fr.json", DATA / "release_evidences_fr.json", out)
    assert "English codes" in note
    for rel in ("evidence.yaml", "conditions/ddxplus.yaml", "pack.yaml", "ddxplus_codes.yaml"):
        assert filecmp.cmp(out / rel, english_pack / rel, shallow=False), rel


def test_french_release_alone_keeps_french_ids(tmp_path: Path) -> None:
    need(DATA / "release_conditions_fr.json", DATA / "release_evidences_fr.json")
    for name in ("release_conditions_fr.json", "release_evidences_fr.json"):
        shutil.copy(DATA / name, tmp_path / name)
    _, note = import_ddxplus(tmp_path / "release_conditions_fr.json", tmp_path / "release_evidences_fr.json", tmp_path / "pack")
    assert "own names" in note
    pack = load_pack(tmp_path / "pack")
    assert "fievre" in pack.evidence and "claud_machoire" in pack.evidence  # accents dropped for ids
    assert pack.evidence["douleurxx_endroitducorps"].parent == "douleurxx"


TINY_EVIDENCES = {
    "E_1": {"name": "E_1", "code_question": "E_1", "question_fr": "Fièvre?", "question_en": "Fever?", "is_antecedent": False,
            "default_value": 0, "possible-values": [], "data_type": "B", "value_meaning": {}},
    "E_2": {"name": "E_2", "code_question": "E_2", "question_fr": "Toux?", "question_en": "Cough?", "is_antecedent": False,
            "default_value": 0, "possible-values": [], "data_type": "B", "value_meaning": {}},
    "E_3": {"name": "E_3", "code_question": "E_1", "question_fr": "Intensité?", "question_en": "How high?", "is_antecedent": False,
            "default_value": 0, "possible-values": list(range(11)), "data_type": "C", "value_meaning": {}},
    "E_4": {"name": "E_4", "code_question": "E_4", "question_fr": "Voyage?", "question_en": "Travel?", "is_antecedent": True,
            "default_value": "V_10", "possible-values": ["V_10", "V_1"], "data_type": "C",
            "value_meaning": {"V_10": {"fr": "N", "en": "N"}, "V_1": {"fr": "Afrique", "en": "Africa"}}},
    "E_5": {"name": "E_5", "code_question": "E_2", "question_fr": "Où?", "question_en": "Where?", "is_antecedent": False,
            "default_value": "V_123", "possible-values": ["V_123", "V_7", "V_8"], "data_type": "M",
            "value_meaning": {"V_123": {"fr": "nulle part", "en": "nowhere"}, "V_7": {"fr": "gorge", "en": "throat"},
                              "V_8": {"fr": "thorax", "en": "chest"}}},
}  # fmt: skip
TINY_CONDITIONS = {
    "Flu": {"condition_name": "Flu", "cond-name-fr": "Grippe", "cond-name-eng": "Flu", "icd10-id": "j11",
            "symptoms": {"E_1": {}, "E_3": {}}, "antecedents": {"E_4": {}}, "severity": 3},
    "Cold": {"condition_name": "Cold", "cond-name-fr": "Rhume", "cond-name-eng": "Cold", "icd10-id": "j00",
             "symptoms": {"E_2": {}, "E_5": {}}, "antecedents": {}, "severity": 5},
}  # fmt: skip


def write_tiny_release(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    cond, ev = folder / "release_conditions.json", folder / "release_evidences.json"
    cond.write_text(json.dumps(TINY_CONDITIONS), encoding="utf-8")
    ev.write_text(json.dumps(TINY_EVIDENCES), encoding="utf-8")
    return cond, ev


def test_tiny_release(tmp_path: Path) -> None:
    cond, ev = write_tiny_release(tmp_path / "release")
    import_ddxplus(cond, ev, tmp_path / "pack", linked_p=0.6, background=0.02)
    pack = load_pack(tmp_path / "pack")
    assert pack.condition("flu").likelihoods["E_1"].p == 0.6
    assert pack.evidence["E_3"].parent == "E_1" and pack.evidence["E_3"].type == "number"
    assert [c.id for c in pack.evidence["E_5"].choices] == ["V_7", "V_8"]
    codes = yaml.safe_load((tmp_path / "pack" / "ddxplus_codes.yaml").read_text(encoding="utf-8"))
    assert codes["defaults"] == {"E_3": 0, "E_4": "V_10", "E_5": "V_123"}
    assert codes["pathologies"]["Grippe"] == "flu"


def test_bad_release_files_give_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    cond, ev = write_tiny_release(tmp_path / "release")
    with pytest.raises(InputError, match="not valid JSON"):
        import_ddxplus(cond, bad, tmp_path / "out")
    with pytest.raises(InputError, match="no such file"):
        import_ddxplus(tmp_path / "missing.json", ev, tmp_path / "out")
    wrong = dict(TINY_CONDITIONS)
    wrong["Flu"] = {**wrong["Flu"], "symptoms": {"E_99": {}}}
    cond.write_text(json.dumps(wrong), encoding="utf-8")
    with pytest.raises(InputError, match="E_99"):
        import_ddxplus(cond, ev, tmp_path / "out")
