"""The ranking model's maths on a toy ontology (compiled by the real compiler from inline files)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symcheck.rare import model
from symcheck.rare.compile import RareIndex, build_index, load_or_build
from symcheck.rare.model import ProfileParams, ScoreParams

TERMS = [
    ("HP:0000001", "All", []),
    ("HP:0000118", "Phenotypic abnormality", ["HP:0000001"]),
    ("HP:0000707", "Abnormality of the nervous system", ["HP:0000118"]),
    ("HP:0001250", "Seizure", ["HP:0000707"]),
    ("HP:0002069", "Bilateral tonic-clonic seizure", ["HP:0001250"]),
    ("HP:0007359", "Focal-onset seizure", ["HP:0001250"]),
    ("HP:0001249", "Intellectual disability", ["HP:0000707"]),
    ("HP:0000478", "Abnormality of the eye", ["HP:0000118"]),
    ("HP:0000505", "Visual impairment", ["HP:0000478"]),
    ("HP:0000618", "Blindness", ["HP:0000505"]),
    ("HP:0000152", "Abnormality of head or neck", ["HP:0000118"]),
    ("HP:0000252", "Microcephaly", ["HP:0000152"]),
    ("HP:0003674", "Onset", ["HP:0000001"]),
    ("HP:0003577", "Congenital onset", ["HP:0003674"]),
    ("HP:0003581", "Adult onset", ["HP:0003674"]),
    ("HP:0000005", "Mode of inheritance", ["HP:0000001"]),
    ("HP:0001417", "X-linked inheritance", ["HP:0000005"]),
    ("HP:0001419", "X-linked recessive inheritance", ["HP:0001417"]),
]


def toy_obo() -> str:
    out = ["format-version: 1.2", "data-version: hp/releases/toy", ""]
    for tid, name, parents in TERMS:
        out += ["[Term]", f"id: {tid}", f"name: {name}"]
        if tid == "HP:0001250":
            out.append("alt_id: HP:0000998")
        out += [f"is_a: {p}" for p in parents]
        out.append("")
    out += [
        "[Term]",
        "id: HP:0000999",
        "name: obsolete Fits",
        "is_obsolete: true",
        "replaced_by: HP:0001250",
        "",
    ]
    out += [
        "[Term]",
        "id: HP:0000997",
        "name: obsolete Vague",
        "is_obsolete: true",
        "consider: HP:0000707",
        "",
    ]
    return "\n".join(out)


# disease, name, qualifier, term, references, frequency, aspect
ROWS = [
    ("OMIM:000001", "Tonic-clonic epilepsy", "", "HP:0002069", "PMID:11", "HP:0040281", "P"),
    ("OMIM:000001", "Tonic-clonic epilepsy", "", "HP:0001249", "PMID:11", "1/2", "P"),
    ("OMIM:000002", "Eye disease", "", "HP:0000618", "PMID:12", "HP:0040280", "P"),
    ("OMIM:000002", "Eye disease", "", "HP:0000252", "PMID:12", "HP:0040283", "P"),
    ("OMIM:000003", "General neuro", "", "HP:0001250", "PMID:13", "1/2", "P"),
    ("OMIM:000003", "General neuro", "", "HP:0000505", "PMID:13", "", "P"),
    # Looked for in five patients and found in none: not a feature of the disease (nor a NOT annotation).
    ("OMIM:000003", "General neuro", "", "HP:0000252", "PMID:13", "0/5", "P"),
    ("OMIM:000004", "Adult intellectual disability", "", "HP:0001249", "PMID:14", "HP:0040281", "P"),
    ("OMIM:000004", "Adult intellectual disability", "", "HP:0003581", "PMID:14", "", "C"),
    ("OMIM:000005", "X-linked microcephaly", "", "HP:0000252", "PMID:15", "HP:0040281", "P"),
    ("OMIM:000005", "X-linked microcephaly", "", "HP:0001419", "PMID:15", "", "I"),
    ("OMIM:000006", "Case-report disease", "", "HP:0002069", "PMID:99", "1/1", "P"),
    ("OMIM:000006", "Case-report disease", "", "HP:0000252", "PMID:16;PMID:99", "HP:0040282", "P"),
    ("OMIM:000006", "Case-report disease", "", "HP:0000618", "PMID:16", "HP:0040283", "P"),
    ("OMIM:000007", "Seizure-free disability", "", "HP:0001249", "PMID:17", "HP:0040281", "P"),
    ("OMIM:000007", "Seizure-free disability", "NOT", "HP:0001250", "PMID:17", "", "P"),
    ("ORPHA:1", "Orphanet epilepsy", "", "HP:0002069", "ORPHA:1", "HP:0040281", "P"),
    # A disease with a long profile: it matches the same seizure term as disease 1, and much else.
    *[
        ("OMIM:000008", "Everything syndrome", "", term, "PMID:18", "HP:0040281", "P")
        for term in ("HP:0002069", "HP:0007359", "HP:0001249", "HP:0000618", "HP:0000252")
    ],
]


def toy_hpoa() -> str:
    header = (
        "database_id\tdisease_name\tqualifier\thpo_id\treference\tevidence\tonset\tfrequency\tsex\tmodifier"
        "\taspect\tbiocuration"
    )
    lines = ["#description: toy", "#version: toy-1", header]
    for d, name, qual, term, refs, freq, aspect in ROWS:
        lines.append("\t".join([d, name, qual, term, refs, "PCS", "", freq, "", "", aspect, "HPO:test"]))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def toy_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("toyhpo")
    (d / "hp.obo").write_text(toy_obo(), encoding="utf-8")
    (d / "phenotype.hpoa").write_text(toy_hpoa(), encoding="utf-8")
    return d / "hp.obo", d / "phenotype.hpoa"


@pytest.fixture(scope="module")
def toy(toy_files: tuple[Path, Path]) -> RareIndex:
    return build_index(*toy_files)


# Fixed parameters so that these tests check the maths, not whatever the tuned defaults are today.
PARAMS = ScoreParams(
    nomatch_lr=0.05,
    specific_weight=0.5,
    related_weight=0.1,
    ic_discount=0.0,
    max_ancestor_background=1.0,
    excluded_slack=0.05,
    excluded_ascertainment=1.0,
    null_calibration=0.0,
    prior_exponent=0.0,
    dependence=0.0,
    excluded_dependence=None,  # follows `dependence`
)


def t(index: RareIndex, tid: str) -> int:
    return index.term_index[tid]


def d(index: RareIndex, did: str) -> int:
    return index.disease_index[did]


def run(
    index: RareIndex,
    observed: list[str],
    excluded: list[str] = (),  # type: ignore[assignment]
    age: float | None = None,
    sex: int = model.SEX_UNKNOWN,
    params: ScoreParams = PARAMS,
    refs: list[str] | None = None,
    omim_only: bool = True,
) -> model.RankOutput:
    q = model.normalise_query(
        index.graph,
        np.array([t(index, x) for x in observed], dtype=np.int32),
        np.array([t(index, x) for x in excluded], dtype=np.int32),
        age,
        sex,
    )
    cand = np.array([(not omim_only) or x.startswith("OMIM:") for x in index.disease_ids])
    ref_ids = None if refs is None else np.array([index.ref_index[r] for r in refs], dtype=np.int32)
    return model.rank(
        index.graph, index.ann, index.prof, q, cand, params, index.profile_params, exclude_references=ref_ids
    )


def explain(index: RareIndex, observed: list[str], diseases: list[str], params: ScoreParams = PARAMS):  # type: ignore[no-untyped-def]
    q = model.normalise_query(
        index.graph, np.array([t(index, x) for x in observed], dtype=np.int32), np.zeros(0, np.int32), None, 0
    )
    cols = np.array([d(index, x) for x in diseases], dtype=np.int32)
    return model.explain(index.graph, index.prof, cols, {}, q, params, int(index.ann.in_background.sum()))


def test_compiled_structure(toy: RareIndex) -> None:
    g = toy.graph
    anc = {toy.term_ids[a] for a in g.ancestors(t(toy, "HP:0002069"))}
    assert anc == {"HP:0002069", "HP:0001250", "HP:0000707", "HP:0000118", "HP:0000001"}
    assert g.is_phenotype[t(toy, "HP:0001250")] and not g.is_phenotype[t(toy, "HP:0003581")]
    assert g.onset_lo[t(toy, "HP:0003581")] == 16.0
    assert np.isnan(g.onset_lo[t(toy, "HP:0001250")])
    # Background: the mean implied frequency over OMIM diseases; Seizure is implied by its two children.
    assert toy.prof.bg[t(toy, "HP:0002069")] > 0
    assert toy.prof.bg[t(toy, "HP:0001250")] > toy.prof.bg[t(toy, "HP:0002069")]
    assert not toy.ann.in_background[d(toy, "ORPHA:1")]
    # Information content: rarer terms carry more; the phenotype root, shared by all, carries none.
    ic = toy.term_ic
    assert ic[t(toy, "HP:0000118")] == pytest.approx(0.0)
    assert ic[t(toy, "HP:0002069")] > ic[t(toy, "HP:0001250")] > ic[t(toy, "HP:0000707")] > 0


def test_matching_term_raises_disease(toy: RareIndex) -> None:
    out = run(toy, ["HP:0002069"])
    n = int(np.isfinite(out.log_score).sum())
    epi = d(toy, "OMIM:000001")
    assert out.posterior[epi] > 1.0 / n
    assert out.posterior[epi] > out.posterior[d(toy, "OMIM:000002")]
    assert model.top_diseases(out.log_score, 1)[0] in (epi, d(toy, "OMIM:000006"))


def test_exact_beats_ancestor_beats_nothing(toy: RareIndex) -> None:
    ts = explain(toy, ["HP:0002069"], ["OMIM:000001", "OMIM:000003", "OMIM:000002"])
    exact, specific, none = ts.observed_lr[0]
    assert exact > specific > none
    kinds = [model.KIND_NAMES[int(k)] for k in ts.observed_kind[0]]
    assert kinds == ["exact", "patient_more_specific", "no_match"]
    assert toy.term_ids[int(ts.observed_source[0, 1])] == "HP:0001250"
    assert none == pytest.approx(PARAMS.nomatch_lr)


def test_patient_more_general_term(toy: RareIndex) -> None:
    ts = explain(toy, ["HP:0001250"], ["OMIM:000001"])
    assert model.KIND_NAMES[int(ts.observed_kind[0, 0])] == "patient_more_general"
    assert toy.term_ids[int(ts.observed_source[0, 0])] == "HP:0001250"
    assert ts.observed_lr[0, 0] > 1.0


def test_a_count_of_none_is_not_a_feature_of_the_disease(toy: RareIndex) -> None:
    # OMIM:000003 gives Microcephaly as "0/5". Shrunk like other counts it would become a frequency of 1/7, an
    # exact match that "explains" the feature; it must count as unannotated instead, and not as a NOT.
    neuro, epi = d(toy, "OMIM:000003"), d(toy, "OMIM:000001")
    ts = explain(toy, ["HP:0000252"], ["OMIM:000003"])
    assert model.KIND_NAMES[int(ts.observed_kind[0, 0])] == "no_match"
    assert ts.observed_lr[0, 0] == pytest.approx(PARAMS.nomatch_lr)
    s, e = toy.prof.dptr[neuro], toy.prof.dptr[neuro + 1]
    assert t(toy, "HP:0000252") not in toy.prof.dterm[s:e].tolist()
    # The null calibration samples every phenotype row of the toy's background diseases but that one.
    ann = toy.ann
    rows = (ann.row_aspect == model.ASPECT_PHENOTYPE) & ~ann.row_negated & ann.in_background[ann.row_disease]
    assert len(toy.null_sample) == int(rows.sum()) - 1
    # An excluded Microcephaly moves it exactly as it moves a disease that does not list the feature at all.
    without = run(toy, ["HP:0001250"])
    with_exc = run(toy, ["HP:0001250"], excluded=["HP:0000252"])
    assert with_exc.log_score[neuro] - without.log_score[neuro] == pytest.approx(
        with_exc.log_score[epi] - without.log_score[epi]
    )


def test_related_match_counts_less_than_specific(toy: RareIndex) -> None:
    # Focal seizure: disease 3 has Seizure itself (patient more specific), disease 1 only a sibling.
    ts = explain(toy, ["HP:0007359"], ["OMIM:000003", "OMIM:000001"])
    kinds = [model.KIND_NAMES[int(k)] for k in ts.observed_kind[0]]
    assert kinds == ["patient_more_specific", "related"]
    assert ts.observed_lr[0, 0] > ts.observed_lr[0, 1] > PARAMS.nomatch_lr


def test_excluded_term_the_disease_has_lowers_it(toy: RareIndex) -> None:
    eye, other = d(toy, "OMIM:000002"), d(toy, "OMIM:000005")
    without = run(toy, ["HP:0000252"])
    with_exc = run(toy, ["HP:0000252"], excluded=["HP:0000618"])
    assert (
        with_exc.log_score[eye] - with_exc.log_score[other]
        < without.log_score[eye] - without.log_score[other]
    )
    assert with_exc.posterior[eye] < without.posterior[eye]


def test_excluded_obligate_feature_lowers_disease_with_default_params(toy: RareIndex) -> None:
    eye = d(toy, "OMIM:000002")
    p = ScoreParams()
    without = run(toy, ["HP:0000252"], params=p)
    with_exc = run(toy, ["HP:0000252"], excluded=["HP:0000618"], params=p)
    assert with_exc.posterior[eye] < without.posterior[eye]


def test_dependence_discounts_each_block_by_its_size(toy: RareIndex) -> None:
    """Observed and excluded terms count as two blocks, each summed and divided by (size) ** dependence, so a
    long list no longer outweighs age, sex or the other block by its length alone; each term's LR is kept."""
    from dataclasses import replace

    obs = ["HP:0002069", "HP:0000252", "HP:0001249", "HP:0000505"]
    exc = ["HP:0000618", "HP:0007359"]
    naive = run(toy, obs, excluded=exc)
    dep = replace(PARAMS, dependence=0.5)
    half = run(toy, obs, excluded=exc, params=dep)
    q = model.normalise_query(
        toy.graph, np.array([t(toy, x) for x in obs], np.int32), np.array([t(toy, x) for x in exc], np.int32),
        None, 0,
    )  # fmt: skip
    assert len(q.observed) == 4 and len(q.excluded) == 2
    bg = model.finalize_background(toy.prof.bg, int(toy.ann.in_background.sum()), PARAMS)
    ts = model.term_scores(toy.graph, toy.prof, bg, q, PARAMS)
    o, e = np.log(ts.observed_lr).sum(axis=0), np.log(ts.excluded_lr).sum(axis=0)
    fin = np.isfinite(naive.log_score)
    assert naive.log_score[fin] == pytest.approx((o + e)[fin])
    assert half.log_score[fin] == pytest.approx((o / 2 + e / np.sqrt(2))[fin])
    assert model.block_weight(1, dep) == 1.0 and model.block_weight(0, dep) == 1.0
    assert model.block_weight(9, dep) == pytest.approx(1 / 3) and model.block_weight(9, PARAMS) == 1.0
    # The excluded block may take its own exponent: 1 weighs a list of negatives as its mean log-LR.
    as_one = replace(dep, excluded_dependence=1.0)
    mean = run(toy, obs, excluded=exc, params=as_one)
    assert mean.log_score[fin] == pytest.approx((o / 2 + e / 2)[fin])
    assert model.block_weight(9, as_one, excluded=True) == pytest.approx(1 / 9)
    assert model.block_weight(9, as_one) == pytest.approx(1 / 3)
    assert model.block_weight(1, as_one, excluded=True) == 1.0  # a single negative keeps its full LR
    # An excluded feature still lowers the disease that has it, and only that one.
    eye, other = d(toy, "OMIM:000002"), d(toy, "OMIM:000005")
    without = run(toy, ["HP:0000252", "HP:0001249"], params=dep)
    with_exc = run(toy, ["HP:0000252", "HP:0001249"], excluded=["HP:0000618"], params=dep)
    assert (
        with_exc.log_score[eye] - with_exc.log_score[other]
        < without.log_score[eye] - without.log_score[other]
    )


def test_not_annotation_contradicts(toy: RareIndex) -> None:
    ts = explain(toy, ["HP:0002069"], ["OMIM:000007"])
    assert model.KIND_NAMES[int(ts.observed_kind[0, 0])] == "contradicted"
    assert ts.observed_lr[0, 0] == pytest.approx(PARAMS.contradicted_lr)


def test_age_below_typical_onset_lowers(toy: RareIndex) -> None:
    adult = d(toy, "OMIM:000004")
    young = run(toy, ["HP:0001249"], age=4.0)
    grown = run(toy, ["HP:0001249"], age=30.0)
    assert young.age_log_lr[adult] < 0 and grown.age_log_lr[adult] == 0
    assert young.posterior[adult] < grown.posterior[adult]


def test_sex_xlinked_recessive(toy: RareIndex) -> None:
    xl = d(toy, "OMIM:000005")
    female = run(toy, ["HP:0000252"], sex=model.SEX_FEMALE)
    male = run(toy, ["HP:0000252"], sex=model.SEX_MALE)
    assert female.sex_log_lr[xl] < 0 and male.sex_log_lr[xl] == 0
    assert female.posterior[xl] < male.posterior[xl]


def test_probabilities_sum_to_one_over_candidates(toy: RareIndex) -> None:
    out = run(toy, ["HP:0002069", "HP:0000252"], excluded=["HP:0000618"])
    assert out.posterior.sum() + out.unknown == pytest.approx(1.0)  # with "none of these"
    assert out.posterior[d(toy, "ORPHA:1")] == 0.0  # not a candidate
    everything = run(toy, ["HP:0002069"], omim_only=False)
    assert everything.posterior[d(toy, "ORPHA:1")] > 0


def test_leave_publication_out_drops_only_rows_citing_only_that_paper(toy: RareIndex) -> None:
    case = d(toy, "OMIM:000006")
    full = run(toy, ["HP:0002069"])
    lpo = run(toy, ["HP:0002069"], refs=["PMID:99"])
    assert set(lpo.rebuilt) == {case}
    assert lpo.log_score[case] < full.log_score[case]
    rebuilt = lpo.rebuilt[case]
    kept = {toy.term_ids[x] for x, s in zip(rebuilt.dterm, rebuilt.dself, strict=True) if s > 0}
    # Bilateral tonic-clonic seizure cited only PMID:99: dropped; microcephaly also cites PMID:16: kept.
    assert kept == {"HP:0000252", "HP:0000618"}
    # Other diseases are untouched.
    others = np.ones(len(toy.disease_ids), dtype=bool)
    others[case] = False
    np.testing.assert_array_equal(lpo.log_score[others], full.log_score[others])


def test_rebuilt_profile_with_all_rows_matches_compiled(toy: RareIndex) -> None:
    for did in ("OMIM:000001", "OMIM:000006", "OMIM:000007"):
        i = d(toy, did)
        keep = model.rows_without_references(toy.ann, i, np.zeros(0, dtype=np.int32))
        one = model.rebuild_profile(toy.graph, toy.ann, i, keep, toy.prof, toy.profile_params)
        sub = model.subset_profiles(toy.prof, np.array([i], dtype=np.int32))
        np.testing.assert_array_equal(one.dterm, sub.dterm)
        np.testing.assert_allclose(one.dclos, sub.dclos)
        np.testing.assert_allclose(one.dself, sub.dself)
        np.testing.assert_array_equal(one.not_cdis, sub.not_cdis)


def test_explanations_agree_with_fast_path(toy: RareIndex) -> None:
    obs = ["HP:0002069", "HP:0000252", "HP:0000505"]
    q = model.normalise_query(
        toy.graph, np.array([t(toy, x) for x in obs], dtype=np.int32), np.zeros(0, np.int32), None, 0
    )
    bg = model.finalize_background(toy.prof.bg, int(toy.ann.in_background.sum()), PARAMS)
    fast = model.term_scores(toy.graph, toy.prof, bg, q, PARAMS)
    cols = np.arange(len(toy.disease_ids), dtype=np.int32)[::-1].copy()
    slow = model.explain(toy.graph, toy.prof, cols, {}, q, PARAMS, int(toy.ann.in_background.sum()))
    np.testing.assert_allclose(slow.observed_lr, fast.observed_lr[:, cols])


def test_null_calibration_discounts_long_profiles(toy: RareIndex) -> None:
    specific, everything = d(toy, "OMIM:000001"), d(toy, "OMIM:000008")
    raw = run(toy, ["HP:0002069"])
    assert raw.log_score[everything] == pytest.approx(raw.log_score[specific])  # same match, same frequency
    calibrated = run(toy, ["HP:0002069"], params=replace(PARAMS, null_calibration=1.0))
    assert calibrated.log_score[specific] > calibrated.log_score[everything]
    assert calibrated.calibration[everything] < calibrated.calibration[specific]
    assert calibrated.posterior.sum() + calibrated.unknown == pytest.approx(1.0)


@pytest.mark.parametrize(
    "params", [PARAMS, ScoreParams(), replace(PARAMS, ic_discount=0.5, max_ancestor_background=0.3)]
)
def test_single_disease_path_matches_vectorised_path(toy: RareIndex, params: ScoreParams) -> None:
    bg = model.finalize_background(toy.prof.bg, int(toy.ann.in_background.sum()), params)
    terms = np.array([i for i in range(toy.graph.n_terms) if toy.graph.is_phenotype[i]], dtype=np.int32)
    q = model.Query(observed=terms, excluded=np.zeros(0, np.int32))
    fast = model.term_scores(toy.graph, toy.prof, bg, q, params).observed_lr
    for i in range(len(toy.disease_ids)):
        one = model.observed_lr_one(toy.graph, toy.prof, i, bg, terms, params)
        np.testing.assert_allclose(one, fast[:, i], err_msg=toy.disease_ids[i])


def test_query_normalisation_keeps_most_specific(toy: RareIndex) -> None:
    ids = np.array([t(toy, x) for x in ("HP:0001250", "HP:0002069", "HP:0003581")], dtype=np.int32)
    exc = np.array([t(toy, x) for x in ("HP:0000478", "HP:0000618", "HP:0000707")], dtype=np.int32)
    q = model.normalise_query(toy.graph, ids, exc, None, 0)
    assert [toy.term_ids[x] for x in q.observed] == [
        "HP:0002069"
    ]  # Seizure is implied; onset is not a phenotype
    # Blindness is implied by the excluded eye abnormality; the nervous system contradicts an observed term.
    assert [toy.term_ids[x] for x in q.excluded] == ["HP:0000478"]


def test_cache_round_trip(toy_files: tuple[Path, Path], tmp_path: Path, toy: RareIndex) -> None:
    obo, hpoa = toy_files
    built = load_or_build(obo, hpoa, cache_dir=tmp_path)
    files = list(tmp_path.glob("rare-*.npz"))
    assert len(files) == 1
    loaded = load_or_build(obo, hpoa, cache_dir=tmp_path)
    assert loaded.term_ids == built.term_ids == toy.term_ids
    assert loaded.disease_names == built.disease_names
    assert loaded.term_synonyms == built.term_synonyms
    np.testing.assert_array_equal(loaded.prof.cclos, built.prof.cclos)
    np.testing.assert_array_equal(loaded.ann.row_ref_idx, built.ann.row_ref_idx)
    # Another annotation file gives another cache key.
    other = tmp_path / "other.hpoa"
    other.write_text(hpoa.read_text() + "OMIM:000008\tNew\t\tHP:0000252\tPMID:1\tPCS\t\t\t\t\tP\tx\n")
    load_or_build(obo, other, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("rare-*.npz"))) == 2
    # Profile parameters are part of the key too.
    load_or_build(obo, hpoa, cache_dir=tmp_path, params=replace(ProfileParams(), default_frequency=0.9))
    assert len(list(tmp_path.glob("rare-*.npz"))) == 3


@settings(max_examples=40, deadline=None)
@given(
    obs=st.lists(st.sampled_from([x[0] for x in TERMS[2:12]]), min_size=1, max_size=5),
    exc=st.lists(st.sampled_from([x[0] for x in TERMS[2:12]]), max_size=4),
    age=st.one_of(st.none(), st.floats(min_value=0, max_value=90)),
    sex=st.sampled_from([0, 1, 2]),
)
def test_posterior_is_a_distribution(
    toy_files: tuple[Path, Path], obs: list[str], exc: list[str], age: float | None, sex: int
) -> None:
    index = _cached_toy(toy_files)
    out = run(index, obs, exc, age=age, sex=sex, params=ScoreParams())
    finite = np.isfinite(out.log_score)
    assert finite.sum() == sum(x.startswith("OMIM:") for x in index.disease_ids)
    assert out.posterior.sum() + out.unknown == pytest.approx(1.0)
    assert (out.posterior >= 0).all() and 0 <= out.unknown <= 1


_TOY_CACHE: dict[tuple[Path, Path], RareIndex] = {}


def _cached_toy(files: tuple[Path, Path]) -> RareIndex:
    if files not in _TOY_CACHE:
        _TOY_CACHE[files] = build_index(*files)
    return _TOY_CACHE[files]


@pytest.mark.parametrize("params", [PARAMS, ScoreParams(), replace(ScoreParams(), excluded_ascertainment=8.0,
                                                                      excluded_weight=0.5)])
def test_excluded_sum_matches_the_matrix(toy: RareIndex, params: ScoreParams) -> None:
    excluded = np.array([t(toy, x) for x in ("HP:0000618", "HP:0000252", "HP:0002069")], dtype=np.int32)
    q = model.Query(observed=np.zeros(0, np.int32), excluded=excluded)
    bg = model.finalize_background(toy.prof.bg, int(toy.ann.in_background.sum()), params)
    matrix = model.term_scores(toy.graph, toy.prof, bg, q, params).excluded_lr
    np.testing.assert_allclose(
        model.excluded_log_lr_sum(toy.prof, bg, excluded, params), np.log(matrix).sum(axis=0), atol=1e-12
    )
