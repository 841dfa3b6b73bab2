"""The official metrics on examples small enough to compute by hand."""

from __future__ import annotations

import numpy as np
import pytest

from symcheck.ddxplus.metrics import (
    compute_metrics,
    differential_scores,
    evidence_scores,
    pathology_accuracy,
    ranked,
    severity_scores,
)

# Two patients, three pathologies; 0 and 2 are severe.
GT = np.array([[0.6, 0.4, 0.0], [0.0, 1.0, 0.0]])
PRED = np.array([[0.7, 0.005, 0.295], [0.5, 0.3, 0.2]])
DISEASE = np.array([0, 1])
SEVERE = np.array([True, False, True])


def test_pathology_accuracy_by_hand() -> None:
    got = pathology_accuracy(PRED, DISEASE)
    # A: true pathology first and above tau; B: second of three
    assert got == {"GTPA": 1.0, "GTPA@1": 0.5, "GTPA@3": 1.0, "GTPA@5": 1.0}


def test_true_pathology_below_tau_never_counts() -> None:
    pred = np.array([[0.995, 0.005, 0.0]])
    got = pathology_accuracy(pred, np.array([1]))
    assert got["GTPA"] == 0.0 and got["GTPA@3"] == 0.0  # second in rank, but 0.005 <= 0.01


def test_differential_scores_by_hand() -> None:
    got = differential_scores(PRED, GT)
    # A: G = {0, 1}, P = {0, 2} -> R = 1/2, P = 1/2, F1 = 1/2
    # B: G = {1}, P = {0, 1, 2} -> R = 1, P = 1/3, F1 = 2(1/3)(1)/(4/3) = 1/2
    assert got["DDR"] == pytest.approx(0.75)
    assert got["DDP"] == pytest.approx((0.5 + 1 / 3) / 2)
    assert got["DDF1"] == pytest.approx(0.5)
    # @1: A keeps {0} on both sides (hit); B: ground truth top {1}, prediction top {0} (miss)
    assert got["DDR@1"] == pytest.approx(0.5) and got["DDP@1"] == pytest.approx(0.5)


def test_f1_is_per_patient_then_averaged() -> None:
    gt = np.array([[1.0, 0.0], [0.5, 0.5]])
    pred = np.array([[0.5, 0.5], [1.0, 0.0]])
    got = differential_scores(pred, gt)
    # A: R 1, P 1/2, F1 2/3; B: R 1/2, P 1, F1 2/3 -> mean F1 2/3, though mean R = mean P = 3/4
    assert got["DDF1"] == pytest.approx(2 / 3)
    assert got["DDR"] == pytest.approx(0.75) and got["DDP"] == pytest.approx(0.75)


def test_severity_scores_by_hand() -> None:
    got = severity_scores(PRED, GT, SEVERE)
    # A: Gs = {0}, Ps = {0, 2}: out 1, in 0 -> DSP (2-1-1)/1 = 0, DSR 1, DSF1 0
    # B: Gs = {}, Ps = {0, 2}: out 2, in 0 -> DSP (2-0-2)/2 = 0, DSR 0/max(1, 0) = 0
    assert got == {"DSP": 0.0, "DSR": 0.5, "DSF1": 0.0}


def test_evidence_scores_by_hand() -> None:
    present = np.array([[True, True, True, False]])
    inquired = np.array([[True, False, True, True]])  # the initial evidence counts as inquired
    symptom = np.array([True, True, False, False])
    got = evidence_scores(present, inquired, symptom, ~symptom)
    assert got["PER"] == pytest.approx(2 / 3) and got["PEP"] == pytest.approx(2 / 3) and got["PEF1"] == pytest.approx(2 / 3)
    assert got["PSR"] == pytest.approx(0.5) and got["PSP"] == pytest.approx(1.0)
    assert got["PAR"] == pytest.approx(1.0) and got["PAP"] == pytest.approx(0.5)


def test_ties_fall_as_in_the_evaluator() -> None:
    # argsort then reverse: of two equal scores, the later index ranks first
    assert ranked(np.array([[0.5, 0.5, 0.0]]))[0, 0] == 1
    assert pathology_accuracy(np.array([[0.5, 0.5, 0.0]]), np.array([1]))["GTPA@1"] == 1.0


def test_compute_metrics_il_counts_the_initial_evidence() -> None:
    got = compute_metrics(
        gt=GT,
        disease=DISEASE,
        final=PRED,
        questions_asked=np.array([3, 0]),
        present=np.ones((2, 4), dtype=bool),
        inquired=np.ones((2, 4), dtype=bool),
        symptom=np.array([True, True, False, False]),
        antecedent=np.array([False, False, True, True]),
        severe=SEVERE,
    )
    assert got["IL"] == 2.5  # mean of (3 + 1, 0 + 1)
    assert got["PEF1"] == pytest.approx(1.0)
    assert set(got) >= {"GTPA@1", "DDF1", "DSF1", "PAF1"}
