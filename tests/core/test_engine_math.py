"""The maths of the engine against hand computations and a dense brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest

from symcheck import Interview
from symcheck.bench.engine import synthetic_model
from symcheck.engine import posterior, questions
from symcheck.engine.model import CompiledModel


def dense_likelihoods(model: CompiledModel) -> np.ndarray:
    table = np.tile(model.out_background, (model.n_conditions, 1))
    table[model.link_cond, model.link_out] = model.link_p
    return table


def brute_force_gain(model: CompiledModel, post: np.ndarray) -> np.ndarray:
    table = dense_likelihoods(model)

    def h(p: np.ndarray) -> float:
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())

    gains = np.zeros(model.n_questions)
    for part in range(len(model.part_question)):
        outs = np.nonzero(model.out_part == part)[0]
        expected = 0.0
        for o in outs:
            joint = post * table[:, o]
            p_o = joint.sum()
            if p_o > 0:
                expected += p_o * h(joint / p_o)
        gains[model.part_question[part]] += h(post) - expected
    return gains


def test_posterior_equals_hand_computation(mini_pack):
    # Female, 30: priors 0.6 (night cramps), 0.3 (viral myositis), 0.01 (tetanus).
    iv = Interview(mini_pack, age=30, sex="female", answers={"cramp": "present", "fever": "absent"})
    prior = {"night_cramps": 0.6, "infection": 0.3, "tetanus": 0.01}
    p_cramp = {"night_cramps": 0.95, "infection": 0.6, "tetanus": 0.5}
    p_fever = {"night_cramps": 0.02, "infection": 0.8, "tetanus": 0.05}  # tetanus: background 0.05
    joint = {c: prior[c] * p_cramp[c] * (1 - p_fever[c]) for c in prior}
    total = sum(joint.values())
    got = iv.posterior()
    for c in prior:
        assert got[c] == pytest.approx(joint[c] / total, rel=1e-9)


def test_age_band_and_sex_multipliers(mini_pack):
    old = Interview(mini_pack, age=70, sex="male").posterior()
    # base 0.6 x 2.0 (65+) vs 0.3 x 1.5 (male) vs 0.01
    total = 1.2 + 0.45 + 0.01
    assert old["night_cramps"] == pytest.approx(1.2 / total)
    assert old["infection"] == pytest.approx(0.45 / total)


def test_dont_know_is_neutral(mini_pack):
    base = Interview(mini_pack, age=50, sex="female", answers={"cramp": "present"})
    with_unknowns = Interview(mini_pack, age=50, sex="female",
                              answers={"cramp": "present", "fever": "unknown", "site": "unknown", "places": "unknown"})
    assert base.posterior() == with_unknowns.posterior()


def test_one_of_rows_fill_the_rest_in_proportion_to_background(mini_pack):
    model = mini_pack.compiled.model
    idx = mini_pack.compiled.outcome_index["site"]
    c = mini_pack.compiled.condition_ids.index("night_cramps")
    probs = [posterior.outcome_probability(model, idx[v], c) for v in ("leg", "abdomen", "jaw")]
    assert probs[0] == pytest.approx(0.9, abs=2e-3)
    assert probs[1] == pytest.approx(probs[2])  # uniform background splits the remaining 0.1
    assert sum(probs) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sparse_information_gain_equals_brute_force(seed):
    model = synthetic_model(30, 40, links_per_condition=8, seed=seed)
    rng = np.random.default_rng(seed)
    post = rng.dirichlet(np.ones(model.n_conditions))
    np.testing.assert_allclose(questions.information_gain(model, post), brute_force_gain(model, post), atol=1e-10)


def test_information_gain_picks_the_obviously_best_question(mini_pack):
    # With cramps known, fever separates viral myositis (0.8) from night cramps (0.02); "wound" barely moves.
    iv = Interview(mini_pack, age=30, sex="female", answers={"cramp": "present", "jaw_stiff": "absent"})
    q = iv.next_question()
    assert q is not None and q.evidence_id == "fever" and q.reason == "information_gain"
    gains = questions.information_gain(mini_pack.compiled.model, np.array(list(iv.state().post)))
    ids = mini_pack.compiled.question_ids
    assert gains[ids.index("fever")] > gains[ids.index("wound")]


def test_explanation_signs(mini_pack):
    iv = Interview(mini_pack, age=30, sex="female", answers={"cramp": "present", "fever": "present"})
    result = iv.result()
    by_id = {d.condition_id: d for d in result.differential}
    infection = by_id["infection"]
    assert [c.evidence_id for c in infection.evidence_for][0] == "fever"
    assert any(c.evidence_id == "fever" for c in by_id["night_cramps"].evidence_against)


def test_explanation_is_the_likelihood_ratio_against_the_alternatives(mini_pack):
    iv = Interview(mini_pack, age=30, sex="female", answers={"fever": "present"})
    post = iv.posterior()
    p_fever = {"night_cramps": 0.02, "infection": 0.8, "tetanus": 0.05}
    alt = sum(post[c] * p_fever[c] for c in post if c != "infection") / (1 - post["infection"])
    item = next(d for d in iv.result().differential if d.condition_id == "infection")
    assert item.evidence_for[0].log_likelihood_ratio == pytest.approx(math.log(0.8 / alt), abs=1e-3)


def test_normalise_handles_impossible_conditions():
    p = posterior.normalise(np.array([-np.inf, 0.0, -np.inf]))
    assert p.tolist() == [0.0, 1.0, 0.0]
    assert posterior.normalise(np.array([-np.inf, -np.inf])).tolist() == [0.5, 0.5]


@pytest.mark.parametrize("seed", [0, 3])
def test_condition_gain_equals_brute_force(seed):
    model = synthetic_model(25, 30, links_per_condition=8, seed=seed)
    post = np.random.default_rng(seed).dirichlet(np.ones(model.n_conditions))
    table = dense_likelihoods(model)
    c = 4

    def hb(p: float) -> float:
        return 0.0 if p <= 0 or p >= 1 else -(p * math.log(p) + (1 - p) * math.log(1 - p))

    expected = np.zeros(model.n_questions)
    for part in range(len(model.part_question)):
        gain = hb(post[c])
        for o in np.nonzero(model.out_part == part)[0]:
            p_o = float(post @ table[:, o])
            gain -= p_o * hb(post[c] * table[c, o] / p_o)
        expected[model.part_question[part]] += gain
    np.testing.assert_allclose(questions.condition_gain(model, post, c), expected, atol=1e-10)
