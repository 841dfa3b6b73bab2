"""Patient files: the hand parser against ast.literal_eval, zips, and French files read through the pack."""

from __future__ import annotations

import ast
import csv
import zipfile
from pathlib import Path

import pytest

from symcheck import load_pack
from symcheck.ddxplus.codec import PackCodec
from symcheck.ddxplus.records import iter_patients, parse_differential, parse_evidence_list
from symcheck.errors import InputError
from tests.ddxplus.conftest import FRENCH_SUBSET, SAMPLE, need


def test_hand_parser_matches_literal_eval_on_every_sample_row() -> None:
    need(SAMPLE)
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1305
    for row in rows:
        assert parse_evidence_list(row["EVIDENCES"]) == ast.literal_eval(row["EVIDENCES"])
        assert parse_differential(row["DIFFERENTIAL_DIAGNOSIS"]) == [tuple(x) for x in ast.literal_eval(row["DIFFERENTIAL_DIAGNOSIS"])]


def test_odd_quoting_falls_back_to_the_slow_path() -> None:
    assert parse_evidence_list('["it\'s", \'E_1\']') == ["it's", "E_1"]
    assert parse_differential('[["Crohn\'s", 0.5], [\'URTI\', 0.5]]') == [("Crohn's", 0.5), ("URTI", 0.5)]
    assert parse_evidence_list("[]") == []


def test_zip_and_csv_read_the_same(tmp_path: Path) -> None:
    need(SAMPLE)
    archive = tmp_path / "release_test_patients.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(SAMPLE, "release_test_patients")
    plain = list(iter_patients(SAMPLE, limit=50))
    zipped = list(iter_patients(archive, limit=50))
    assert [(p.age, p.sex, p.pathology, p.evidences, p.initial) for p in plain] == [
        (p.age, p.sex, p.pathology, p.evidences, p.initial) for p in zipped
    ]


def test_malformed_files_name_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("AGE,SEX\n1,M\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing columns"):
        list(iter_patients(bad))
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "AGE,DIFFERENTIAL_DIAGNOSIS,SEX,PATHOLOGY,EVIDENCES,INITIAL_EVIDENCE\nold,[],M,URTI,\"['E_1']\",E_1\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="line 2"):
        list(iter_patients(rows))
    with pytest.raises(InputError, match="no such file"):
        list(iter_patients(tmp_path / "nothing.csv"))


def test_english_sample_is_fully_known_to_the_pack(english_pack: Path) -> None:
    need(SAMPLE)
    codec = PackCodec(load_pack(english_pack))
    unknown = sum(codec.encode(row).unknown for row in iter_patients(SAMPLE))
    assert unknown == 0


def test_french_subset_reads_onto_english_codes(english_pack: Path) -> None:
    need(FRENCH_SUBSET)
    pack = load_pack(english_pack)
    codec = PackCodec(pack)
    rows = list(iter_patients(FRENCH_SUBSET))
    assert len(rows) == 6763
    encoded = [codec.encode(row) for row in rows]
    assert sum(e.unknown for e in encoded) == 0
    ids = pack.compiled.condition_ids
    assert len({ids[e.condition] for e in encoded}) == 19
    first = rows[0]  # Laryngite aigue, initial evidence 'fievre'
    assert ids[encoded[0].condition] == "acute_laryngitis" and pack.compiled.question_ids[encoded[0].initial] == "E_91"
    # "douleurxx_endroitducorps_@_palais" -> E_55 choice V_137 ("palais", translated "palace")
    assert "douleurxx_endroitducorps_@_palais" in first.evidences
    assert codec.item_outcome("douleurxx_endroitducorps_@_palais") == pack.compiled.outcome_index["E_55"]["V_137"]
    # a multi-choice default states nothing; a scale value lands in its bin
    assert codec.item_outcome("douleurxx_irrad_@_nulle_part") == -1
    assert codec.item_outcome("douleurxx_intens_@_5") == pack.compiled.outcome_index["E_56"]["b5"]
