"""hp.obo and phenotype.hpoa parsing on small inline snippets."""

from __future__ import annotations

from pathlib import Path

import pytest

from symcheck.rare.hpoa import parse_frequency, parse_hpoa
from symcheck.rare.obo import parse_obo

OBO = """format-version: 1.2
data-version: hp/releases/2099-01-01
ontology: hp.obo

[Term]
id: HP:0000001
name: All

[Term]
id: HP:0000118
name: Phenotypic abnormality
is_a: HP:0000001 ! All

[Term]
id: HP:0001250
name: Seizure
alt_id: HP:0000998
synonym: "Seizures" EXACT []
synonym: "Epileptic \\"fits\\"" RELATED [HPO:user]
is_a: HP:0000118 ! Phenotypic abnormality
is_a: HP:0000707 {source="x"} ! Abnormality of the nervous system

[Term]
id: HP:0000707
name: Abnormality of the nervous system
is_a: HP:0000118

[Term]
id: HP:0000999
name: obsolete Fits
is_obsolete: true
replaced_by: HP:0001250

[Term]
id: HP:0000997
name: obsolete Vague
is_obsolete: true
consider: HP:0001250
consider: HP:0000707

[Typedef]
id: part_of
name: part of
"""

HPOA = """#description: "HPO annotations for rare diseases"
#version: 2099-01-02
#tracker: https://example.org
database_id\tdisease_name\tqualifier\thpo_id\treference\tevidence\tonset\tfrequency\tsex\tmodifier\taspect\tbiocuration
OMIM:100001\tToy disease one\t\tHP:0001250\tPMID:1;PMID:2\tPCS\tHP:0003593\t3/7\t\t\tP\tHPO:x[2020-01-01]
OMIM:100001\tToy disease one\tNOT\tHP:0000707\tPMID:1\tPCS\t\t\t\t\tP\tHPO:x[2020-01-01]
OMIM:100001\tToy disease one\t\tHP:0000006\tPMID:1\tPCS\t\t\t\t\tI\tHPO:x[2020-01-01]
ORPHA:5\tToy disease two\t\tHP:0001250\tORPHA:5\tTAS\t\tHP:0040281\tmale\tHP:0012828\tP\tORPHA:orphadata[2020]
ORPHA:5\tToy disease two\t\tHP:0003577\tORPHA:5\tTAS\t\t25%\t\t\tC\tORPHA:orphadata[2020]
DECIPHER:7\tToy disease three\t\tHP:0000707\tDECIPHER:7\tIEA\t\t2/0\t\t\tP\tHPO:x
"""


@pytest.fixture()
def obo_path(tmp_path: Path) -> Path:
    p = tmp_path / "hp.obo"
    p.write_text(OBO, encoding="utf-8")
    return p


@pytest.fixture()
def hpoa_path(tmp_path: Path) -> Path:
    p = tmp_path / "phenotype.hpoa"
    p.write_text(HPOA, encoding="utf-8")
    return p


def test_obo_terms_names_parents_synonyms(obo_path: Path) -> None:
    onto = parse_obo(obo_path)
    assert onto.data_version == "hp/releases/2099-01-01"
    assert set(onto.terms) == {
        "HP:0000001",
        "HP:0000118",
        "HP:0001250",
        "HP:0000707",
        "HP:0000999",
        "HP:0000997",
    }
    seizure = onto.terms["HP:0001250"]
    assert seizure.name == "Seizure"
    # Comments after "!" and trailing {qualifiers} are not part of the parent id.
    assert seizure.parents == ("HP:0000118", "HP:0000707")
    assert seizure.alt_ids == ("HP:0000998",)
    assert seizure.synonyms == ("Seizures", 'Epileptic "fits"')
    assert not seizure.obsolete
    assert onto.terms["HP:0000707"].parents == ("HP:0000118",)


def test_obo_obsolete_replaced_and_consider(obo_path: Path) -> None:
    onto = parse_obo(obo_path)
    fits = onto.terms["HP:0000999"]
    assert fits.obsolete and fits.replaced_by == "HP:0001250"
    vague = onto.terms["HP:0000997"]
    assert vague.obsolete and vague.replaced_by is None
    assert vague.consider == ("HP:0001250", "HP:0000707")
    assert "part_of" not in onto.terms  # Typedef stanzas are not terms


def test_hpoa_rows(hpoa_path: Path) -> None:
    hp = parse_hpoa(hpoa_path)
    assert hp.version == "2099-01-02"
    assert len(hp.rows) == 6
    first = hp.rows[0]
    assert first.disease_id == "OMIM:100001" and first.disease_name == "Toy disease one"
    assert first.hpo_id == "HP:0001250"
    assert first.references == ("PMID:1", "PMID:2")  # kept per row for leave-publication-out
    assert first.frequency == pytest.approx(3 / 7)
    assert first.onset == "HP:0003593"
    assert first.aspect == "P" and not first.negated
    assert hp.rows[1].negated
    assert hp.rows[2].aspect == "I"
    orpha = hp.rows[3]
    assert orpha.frequency == pytest.approx(0.895)
    assert orpha.sex == "MALE"  # normalised to upper case
    assert orpha.modifiers == ("HP:0012828",)
    assert hp.rows[4].aspect == "C" and hp.rows[4].frequency == pytest.approx(0.25)
    assert hp.rows[5].frequency is None  # 2/0 is not a frequency


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HP:0040280", 1.0),
        ("HP:0040283", 0.17),
        ("HP:0040285", 0.0),
        ("1/4", 0.25),
        ("0/3", 0.0),
        ("12.5%", 0.125),
        ("", None),
        ("5/3", None),
        ("often", None),
    ],
)
def test_parse_frequency(raw: str, expected: float | None) -> None:
    got = parse_frequency(raw)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)
