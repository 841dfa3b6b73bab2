"""The batched engine agrees with the reference engine (engine.questions, engine.posterior, Interview)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from symcheck import load_pack
from symcheck.bench.ddxplus import BatchInterviewer, Policy, encode_patients
from symcheck.ddxplus.codec import PackCodec
from symcheck.ddxplus.records import iter_patients
from symcheck.engine.fast import batch_information_gain, dense_model, dense_probabilities, reference_mixture
from symcheck.engine.posterior import outcome_probability
from symcheck.engine.questions import information_gain
from symcheck.interview import Interview
from tests.conftest import MINI
from tests.ddxplus.conftest import SAMPLE, need


def test_dense_table_matches_sparse_lookups() -> None:
    model = load_pack(MINI).compiled.model
    table = dense_probabilities(model)
    for o in range(model.n_outcomes):
        for c in range(model.n_conditions):
            assert table[o, c] == pytest.approx(outcome_probability(model, o, c))


def test_batched_information_gain_matches_the_engine() -> None:
    model = load_pack(MINI).compiled.model
    dense = dense_model(model)
    rng = np.random.default_rng(3)
    posts = rng.dirichlet(np.ones(model.n_conditions), size=5)
    batched = batch_information_gain(dense, posts)
    for i, post in enumerate(posts):
        np.testing.assert_allclose(batched[i], information_gain(model, post), atol=1e-10)


def test_reference_mixture_keeps_the_leader_and_lists_by_share() -> None:
    post = np.array([[0.98, 0.015, 0.005]])
    shares = np.array([[1.0, 0.9, 0.1], [0.5, 1.0, 0.0], [0.0, 0.0, 1.0]])
    mixed = reference_mixture(post, shares, threshold=0.4)
    assert mixed.sum() == pytest.approx(1.0) and mixed.argmax() == 0
    assert mixed[0, 1] > 0.01 > mixed[0, 2]  # listed with 0.89 chance vs 0.1


def _answers_from_record(pack, codec, row) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The record as Interview answers (complete: unmentioned = absent / default), parents respected."""
    enc = codec.encode(row)
    model = pack.compiled.model
    qids = pack.compiled.question_ids
    stated: dict[int, list[int]] = {}
    for o in enc.outcomes:
        stated.setdefault(int(model.out_question[o]), []).append(o)
    inverse = {q: {o: a for a, o in pack.compiled.outcome_index[q].items()} for q in qids}
    answers: dict[str, object] = {}
    # parents first: the release lists some follow-ups before the question they hang on
    for q, qid in sorted(enumerate(qids), key=lambda item: pack.evidence[item[1]].parent is not None):
        e = pack.evidence[qid]
        parent = e.parent
        if parent is not None and answers.get(parent) != "present":
            continue
        outs = stated.get(q, [])
        if e.type == "yes_no":
            answers[qid] = "present" if outs else "absent"
        elif e.type == "many_of":
            answers[qid] = [inverse[qid][o] for o in outs]
        elif e.type == "number":
            answers[qid] = float(inverse[qid][outs[0]][1:]) if outs else 0.0
        else:
            answers[qid] = inverse[qid][outs[0]] if outs else codec.defaults[qid]
    return answers


def test_full_evidence_posterior_matches_the_interview_service(fitted_pack: Path) -> None:
    need(SAMPLE)
    pack = load_pack(fitted_pack)
    codec = PackCodec(pack)
    rows = list(iter_patients(SAMPLE, limit=12))
    runner = BatchInterviewer(pack, codec)
    fast = runner.full_evidence(encode_patients(codec, rows))
    for i, row in enumerate(rows):
        interview = Interview(pack, age=row.age, sex="male" if row.sex == "M" else "female",
                              answers=_answers_from_record(pack, codec, row))  # fmt: skip
        slow = interview.posterior()
        np.testing.assert_allclose(fast[i], [slow[c] for c in pack.compiled.condition_ids], rtol=1e-6, atol=1e-12)


def test_scripted_interview_respects_the_protocol(fitted_pack: Path) -> None:
    need(SAMPLE)
    pack = load_pack(fitted_pack)
    codec = PackCodec(pack)
    table = encode_patients(codec, iter_patients(SAMPLE, limit=200))
    runner = BatchInterviewer(pack, codec)
    ans = runner.answers(table)
    for turns in (0, 3, 30):
        post, asked, inquired = runner.interview(table, Policy(max_turns=turns), ans)
        assert asked.max() <= turns and np.allclose(post.sum(axis=1), 1.0)
        assert (inquired.sum(axis=1) == asked + 1).all()  # the initial evidence plus one evidence a turn
        assert inquired[np.arange(len(table)), table.initial].all()
    # a follow-up is asked only after its parent was found present
    model = pack.compiled.model
    children = np.nonzero(model.q_parent >= 0)[0]
    asked_child = inquired[:, children]
    parent_present = ans.present[:, model.q_parent[children]]
    assert not (asked_child & ~parent_present).any()
