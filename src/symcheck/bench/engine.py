"""Engine speed on synthetic packs: posterior plus next question per interview step, and compile time."""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from symcheck.engine import posterior, questions
from symcheck.engine.model import MANY_OF, ONE_OF, YES_NO, CompiledModel, build_model
from symcheck.kb.compile import compile_pack
from symcheck.kb.loader import PackData
from symcheck.kb.pack import Pack
from symcheck.kb.schema import Choice, Condition, Evidence, Likelihood, PackMeta, Prior, Question, Source

SIZES: tuple[tuple[int, int], ...] = ((50, 200), (1_000, 2_000), (10_000, 20_000))


def synthetic_model(n_conditions: int, n_evidence: int, links_per_condition: int = 20, seed: int = 0) -> CompiledModel:
    """A random sparse pack: mostly yes/no evidence, one in ten one-of with 4 choices, a few many-of."""
    rng = np.random.default_rng(seed)
    kinds = rng.choice([YES_NO, ONE_OF, MANY_OF], size=n_evidence, p=[0.85, 0.1, 0.05])
    n_out = np.where(kinds == YES_NO, 2, np.where(kinds == ONE_OF, 4, 6))
    starts = np.concatenate(([0], np.cumsum(n_out)))
    background = np.empty(int(starts[-1]))
    for q in range(n_evidence):
        s, e = starts[q], starts[q + 1]
        if kinds[q] == ONE_OF:
            background[s:e] = 0.25
        else:
            b = rng.uniform(0.02, 0.2, size=(e - s) // 2)
            background[s:e:2] = b
            background[s + 1 : e : 2] = 1 - b
    conds, outs, probs = [], [], []
    for c in range(n_conditions):
        for q in rng.choice(n_evidence, size=min(links_per_condition, n_evidence), replace=False):
            s, e = starts[q], starts[q + 1]
            if kinds[q] == ONE_OF:
                row = rng.dirichlet(np.ones(4) * 0.5) * 0.96 + 0.01
                conds += [c] * 4
                outs += list(range(s, e))
                probs += list(row)
            else:
                for k in range(s, e, 2):
                    p = float(rng.uniform(0.05, 0.95))
                    conds += [c, c]
                    outs += [k, k + 1]
                    probs += [p, 1 - p]
    log_prior = np.log(rng.dirichlet(np.ones(n_conditions)) + 1e-9)
    return build_model(
        log_prior=np.broadcast_to(log_prior, (1, 2, n_conditions)).copy(),
        band_upper=np.array([120.0]),
        q_kind=[int(k) for k in kinds],
        q_n_outcomes=[int(n) for n in n_out],
        q_parent=[-1] * n_evidence,
        q_parent_outcome=[-1] * n_evidence,
        q_sex_ok=[(True, True)] * n_evidence,
        q_min_age=[-np.inf] * n_evidence,
        q_max_age=[np.inf] * n_evidence,
        out_background=background,
        links=(np.array(conds), np.array(outs), np.array(probs)),
        cond_urgency=rng.integers(0, 5, size=n_conditions),
        level_threshold=[0.6, 0.25, 0.2, 0.1, 0.05],
        default_level=1,
    )


def _answer(model: CompiledModel, q: int, truth: int, rng: np.random.Generator) -> list[int]:
    s, e = int(model.q_out_start[q]), int(model.q_out_start[q + 1])
    probs = np.array([posterior.outcome_probability(model, o, truth) for o in range(s, e)])
    if model.q_kind[q] == ONE_OF:
        return [s + int(rng.choice(e - s, p=probs / probs.sum()))]
    return [k if rng.random() < probs[k - s] else k + 1 for k in range(s, e, 2)]


def time_steps(model: CompiledModel, patients: int, steps: int, seed: int = 1) -> list[float]:
    """Seconds per interview step: posterior from all answers so far, information gain, askable mask, argmax."""
    rng = np.random.default_rng(seed)
    times: list[float] = []
    n_q = model.n_questions
    for _ in range(patients):
        truth = int(rng.integers(model.n_conditions))
        observed: list[int] = []
        answered = np.zeros(n_q, dtype=bool)
        observed_mask = np.zeros(model.n_outcomes, dtype=bool)
        for _ in range(steps):
            t0 = time.perf_counter()
            lp = posterior.log_posterior(model, 40.0, 0, np.asarray(observed, dtype=np.int64))
            post = posterior.normalise(lp)
            gains = questions.information_gain(model, post)
            allowed = questions.askable(model, answered, observed_mask, 40.0, 0)
            q, _ = questions.best_question(gains, allowed)
            times.append(time.perf_counter() - t0)
            if q < 0:
                break
            answered[q] = True
            outs = _answer(model, q, truth, rng)
            observed += outs
            observed_mask[outs] = True
    return times


def synthetic_pack_data(n_conditions: int, n_evidence: int, links_per_condition: int = 20, seed: int = 0) -> PackData:
    rng = np.random.default_rng(seed)
    data = PackData(root=__import__("pathlib").Path("synthetic"))
    data.meta = PackMeta(id="synthetic", version="0", name="synthetic")
    data.sources = {"s": Source(id="s", citation="synthetic", checked=dt.date(2026, 1, 1))}
    for i in range(n_evidence):
        if i % 10 == 0:
            data.evidence[f"e{i}"] = Evidence(id=f"e{i}", type="one_of", question=Question(lay="?"),
                                              choices=[Choice(id=f"c{k}", label=str(k)) for k in range(4)])
        else:
            data.evidence[f"e{i}"] = Evidence(id=f"e{i}", question=Question(lay="?"))
    for c in range(n_conditions):
        likelihoods: dict[str, float | Likelihood] = {}
        for q in rng.choice(n_evidence, size=min(links_per_condition, n_evidence), replace=False):
            if q % 10 == 0:
                likelihoods[f"e{q}"] = Likelihood(values={"c0": 0.5, "c1": 0.3}, source="s")
            else:
                likelihoods[f"e{q}"] = Likelihood(p=float(rng.uniform(0.05, 0.95)), source="s")
        data.conditions[f"c{c}"] = Condition(id=f"c{c}", name=f"c{c}", prior=Prior(base=float(rng.uniform(0.1, 1))),
                                             likelihoods=likelihoods)
        data.condition_files[f"c{c}"] = "conditions/synthetic.yaml"
    return data


@dataclass
class EngineFigures:
    conditions: int
    evidence: int
    links: int
    steps: int
    median_ms: float
    p99_ms: float
    peak_mib: float
    model_mib: float


def measure(n_conditions: int, n_evidence: int, patients: int, steps: int) -> EngineFigures:
    model = synthetic_model(n_conditions, n_evidence)
    tracemalloc.start()
    times = time_steps(model, patients, steps)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    arr = np.array(times) * 1000
    return EngineFigures(
        conditions=n_conditions,
        evidence=n_evidence,
        links=model.n_links,
        steps=len(times),
        median_ms=float(np.median(arr)),
        p99_ms=float(np.percentile(arr, 99)),
        peak_mib=peak / 2**20,
        model_mib=model.nbytes() / 2**20,
    )


def compile_seconds(n_conditions: int = 1_000, n_evidence: int = 2_000) -> float:
    data = synthetic_pack_data(n_conditions, n_evidence)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        compile_pack(data)
        best = min(best, time.perf_counter() - t0)
    return best


def run(sizes: tuple[tuple[int, int], ...] = SIZES, patients: int = 20, steps: int = 15,
        progress: Callable[[int, int], None] | None = None) -> list[EngineFigures]:
    out = []
    for i, (c, e) in enumerate(sizes):
        out.append(measure(c, e, patients, steps))
        if progress:
            progress(i + 1, len(sizes))
    return out


# ----- one real interview step on a built-in pack ---------------------------------------------------------------


@dataclass
class PackStepFigures:
    pack: str
    conditions: int
    evidence: int
    links: int
    interviews: int
    steps: int
    median_ms: float
    p99_ms: float
    # CPU time of this process per step: on a shared, busy machine the wall time also counts waiting for a core
    cpu_median_ms: float
    cpu_p99_ms: float


def _sample_answer(pack: Pack, ev_id: str, truth: int, rng: np.random.Generator) -> Any:
    """What a patient with condition `truth` answers, drawn from the pack's own likelihoods."""
    model = pack.compiled.model
    e = pack.evidence[ev_id]
    idx = pack.compiled.outcome_index[ev_id]
    if e.type == "yes_no":
        p = posterior.outcome_probability(model, idx["present"], truth)
        return "present" if rng.random() < p else "absent"
    if e.type == "one_of":
        ids = list(idx)
        probs = np.array([posterior.outcome_probability(model, idx[c], truth) for c in ids])
        return ids[int(rng.choice(len(ids), p=probs / probs.sum()))]
    if e.type == "many_of":
        return [ch.id for ch in e.choices if rng.random() < posterior.outcome_probability(model, idx[ch.id], truth)]
    return "unknown"  # numbers: the timing does not depend on the value


def time_pack_steps(pack: Pack, interviews: int = 40, seed: int = 1,
                    cpu: list[float] | None = None) -> list[float]:
    """Seconds per real interview step (`Interview.next_question()` then `Interview.result()`), for virtual
    patients who each have one of the pack's conditions (drawn at random, with an age and sex its prior allows)
    and answer from that condition's likelihoods. `cpu`, when given, receives the process CPU seconds per step."""
    from symcheck.interview import Interview

    rng = np.random.default_rng(seed)
    model = pack.compiled.model
    bands = pack.meta.age_bands
    times: list[float] = []
    for _ in range(interviews):
        truth = int(rng.integers(model.n_conditions))
        prior = np.exp(model.log_prior[:, :, truth])  # [band, sex]
        flat = prior.ravel() / prior.sum()
        k = int(rng.choice(len(flat), p=flat))
        band, sex = divmod(k, prior.shape[1])
        lo, hi = bands[band]
        age = float(rng.integers(lo, min(hi, 90) + 1))
        iv = Interview(pack, age=age, sex=("female", "male")[sex])
        for _ in range(200):
            t0, c0 = time.perf_counter(), time.process_time()
            question = iv.next_question()
            iv.result()
            times.append(time.perf_counter() - t0)
            if cpu is not None:
                cpu.append(time.process_time() - c0)
            if question is None:
                break
            if question.type == "many_of" and question.choices and all(c.id in pack.evidence for c in question.choices):
                iv.answer_many({c.id: _sample_answer(pack, c.id, truth, rng) for c in question.choices})
            else:
                iv.answer(question.evidence_id, _sample_answer(pack, question.evidence_id, truth, rng))
    return times


def measure_pack(pack: Pack, interviews: int = 40, seed: int = 1) -> PackStepFigures:
    time_pack_steps(pack, 2, seed + 1)  # warm the caches of the first call
    cpu: list[float] = []
    arr = np.array(time_pack_steps(pack, interviews, seed, cpu)) * 1000
    cpu_ms = np.array(cpu) * 1000
    model = pack.compiled.model
    return PackStepFigures(
        pack=pack.id,
        conditions=model.n_conditions,
        evidence=model.n_questions,
        links=model.n_links,
        interviews=interviews,
        steps=len(arr),
        median_ms=float(np.median(arr)),
        p99_ms=float(np.percentile(arr, 99)),
        cpu_median_ms=float(np.median(cpu_ms)),
        cpu_p99_ms=float(np.percentile(cpu_ms, 99)),
    )
