"""DDXPlus test fixtures. The release files and patients stay outside the repository (CC-BY 4.0, figshare);
tests that need them skip with the reason when `../shared/data/ddxplus/` is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "ddxplus"
SAMPLE = DATA / "test_sample_a_1305.csv"
FRENCH_SUBSET = DATA / "partial" / "validate_subset_fr_19patho_tonmoregulus.csv"


def need(*paths: Path) -> None:
    missing = [p for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"DDXPlus data not found: {missing[0]} (download from figshare 10.6084/m9.figshare.22687585)")


@pytest.fixture(scope="session")
def english_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need(DATA / "release_conditions.json", DATA / "release_evidences.json")
    from symcheck.ddxplus.importer import import_ddxplus

    out = tmp_path_factory.mktemp("ddxplus") / "pack"
    import_ddxplus(DATA / "release_conditions.json", DATA / "release_evidences.json", out)
    return out


@pytest.fixture(scope="session")
def fitted_pack(english_pack: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    need(SAMPLE)
    from symcheck.kb.fit import fit_pack

    out = tmp_path_factory.mktemp("ddxplus") / "fitted"
    fit_pack(english_pack, [SAMPLE], out)
    return out
