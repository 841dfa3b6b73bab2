"""The DDXPlus paper's metrics, computed as the official evaluator computes them.

Reference: `compute_metrics` and `compute_severity_stats` in mila-iqia/ddxplus
`code/basd/metrics.py` (identical to `code/aarlc/ddxplus_code/metrics.py`). Every metric is a mean over
patients of a per-patient value; F1 scores are per-patient F1s, then averaged. Rankings use the same
`np.argsort(...)[:, ::-1]` call, so ties fall the same way. The trajectory scores (TrajScore, AUCTraj,
TVD) need the distribution after every turn and are not computed here.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]
B = NDArray[np.bool_]
I = NDArray[np.int64]  # noqa: E741

TAU = 0.01  # `tres`: a pathology is in a differential when its probability is above this
EPS = 1e-10

# The key names the JSON report uses, in the order the table prints them.
INTERACTIVE_KEYS = (
    "IL", "GTPA@1", "GTPA@3", "GTPA@5", "GTPA", "DDR", "DDP", "DDF1",
    "DDR@1", "DDP@1", "DDF1@1", "DDR@3", "DDP@3", "DDF1@3", "DDR@5", "DDP@5", "DDF1@5",
    "DSP", "DSR", "DSF1", "PER", "PEP", "PEF1", "PSR", "PSP", "PSF1", "PAR", "PAP", "PAF1",
)  # fmt: skip


def f1(p: F, r: F) -> F:
    """`compute_f1`: 2pr / (p + r + 1e-10), element-wise."""
    p = np.asarray(p, dtype=np.float64)
    r = np.asarray(r, dtype=np.float64)
    return (2 * p * r) / (p + r + EPS)


def ranked(dist: F) -> I:
    """Indices by decreasing value, as the evaluator ranks (argsort, reversed)."""
    return np.argsort(dist, axis=-1)[:, ::-1]


def pathology_accuracy(final: F, disease: I, tau: float = TAU) -> dict[str, float]:
    """GTPA and GTPA@k: the true pathology above tau (and within the top k)."""
    rows = np.arange(len(disease))
    inside = final[rows, disease] > tau
    top = ranked(final)
    out = {"GTPA": float(np.mean(inside))}
    for k in (1, 3, 5):
        out[f"GTPA@{k}"] = float(np.mean(np.any(disease[:, None] == top[:, :k], axis=-1) & inside))
    return out


def _set_scores(gt_mask: B, pred_mask: B) -> tuple[F, F, F]:
    both = np.logical_and(gt_mask, pred_mask).sum(-1)
    recall = both / np.maximum(1, gt_mask.sum(-1))
    precision = both / np.maximum(1, pred_mask.sum(-1))
    return recall, precision, f1(precision, recall)


def differential_scores(final: F, gt: F, tau: float = TAU) -> dict[str, float]:
    """DDR, DDP, DDF1 on the sets above tau, and the @k variants on the top k of each set."""
    gt_mask = gt > tau
    pred_mask = final > tau
    ddr, ddp, ddf1 = _set_scores(gt_mask, pred_mask)
    out = {"DDR": float(np.mean(ddr)), "DDP": float(np.mean(ddp)), "DDF1": float(np.mean(ddf1))}
    top_pred = ranked(final)
    top_gt = ranked(gt)
    for k in (1, 3, 5):
        gt_k = np.zeros_like(gt_mask)
        np.put_along_axis(gt_k, top_gt[:, :k], True, 1)
        pred_k = np.zeros_like(pred_mask)
        np.put_along_axis(pred_k, top_pred[:, :k], True, 1)
        r, p, f = _set_scores(gt_mask & gt_k, pred_mask & pred_k)
        out[f"DDR@{k}"] = float(np.mean(r))
        out[f"DDP@{k}"] = float(np.mean(p))
        out[f"DDF1@{k}"] = float(np.mean(f))
    return out


def severity_scores(final: F, gt: F, severe: B, tau: float = TAU) -> dict[str, float]:
    """`compute_severity_stats`: DSP = severe pathologies correctly kept out of the prediction,
    DSR = severe pathologies of the ground truth recovered, DSF1 their F1 (per patient, then averaged)."""
    severe = np.asarray(severe, dtype=bool).reshape(1, -1)
    gt_sev = (gt > tau) & severe
    pr_sev = (final > tau) & severe
    nb_out = (pr_sev & ~gt_sev).sum(-1)
    nb_in = (gt_sev & ~pr_sev).sum(-1)
    gt_n = gt_sev.sum(-1)
    max_sev = int(severe.sum())
    dsp = (max_sev - gt_n - nb_out) / np.maximum(1, max_sev - gt_n)
    dsr = (gt_n - nb_in) / np.maximum(1, gt_n)
    return {"DSP": float(np.mean(dsp)), "DSR": float(np.mean(dsr)), "DSF1": float(np.mean(f1(dsp, dsr)))}


def evidence_scores(present: B, inquired: B, symptom: B, antecedent: B) -> dict[str, float]:
    """PER/PEP/PEF1 over all evidences, then PSR/PSP/PSF1 (symptoms) and PAR/PAP/PAF1 (antecedents).
    `present`: evidences with a non-default value in the record; `inquired`: asked, initial one included."""
    out: dict[str, float] = {}
    for prefix, mask in (("E", None), ("S", symptom), ("A", antecedent)):
        pres = present if mask is None else present & np.asarray(mask, dtype=bool)[None, :]
        inq = inquired if mask is None else inquired & np.asarray(mask, dtype=bool)[None, :]
        r, p, f = _set_scores(pres, inq)
        out[f"P{prefix}R"] = float(np.mean(r))
        out[f"P{prefix}P"] = float(np.mean(p))
        out[f"P{prefix}F1"] = float(np.mean(f))
    return out


def interaction_length(questions_asked: I) -> float:
    """IL = mean(questions asked + 1): `valid_timesteps.sum(-1) + 1` in the evaluator."""
    return float(np.mean(np.asarray(questions_asked) + 1))


def compute_metrics(
    *,
    gt: F,
    disease: I,
    final: F,
    questions_asked: I,
    present: B,
    inquired: B,
    symptom: B,
    antecedent: B,
    severe: B,
    tau: float = TAU,
) -> dict[str, float]:
    """All metrics of the paper's tables for one run (fractions, not percentages; IL in turns)."""
    out = {"IL": interaction_length(questions_asked)}
    out.update(pathology_accuracy(final, disease, tau))
    out.update(differential_scores(final, gt, tau))
    out.update(severity_scores(final, gt, severe, tau))
    out.update(evidence_scores(present, inquired, symptom, antecedent))
    return {k: out[k] for k in INTERACTIVE_KEYS}
