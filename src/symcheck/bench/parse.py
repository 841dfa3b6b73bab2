"""`symcheck bench parse FILE`: the free-text parser against labelled stories.

Scores (evidence, answer) pairs against each case's `stated` (plus, for the shared development set, our blind coding
of the evidence the set predates, `vignette_facts.yaml`, unless `--as-labelled`): a yes/no item is (id, present|absent), a one_of
item (id, choice), a many_of item one pair per choice, a number item (id, bin) using the pack's bins. Micro
precision, recall and F1 over all pairs; complaint accuracy; polarity errors on red-flag evidence (yes/no ids
named in any rule's `when`); age, sex and speaker agreement; time per text on this one process (one core).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from symcheck.errors import InputError
from symcheck.kb.loader import outcome_ids
from symcheck.kb.pack import Pack
from symcheck.kb.schema import Evidence
from symcheck.text import parse
from symcheck.text.lexicon import red_flag_evidence

COMPLAINT_MAP = Path(__file__).with_name("vignette_complaints.yaml")


class TextCase(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    text: str
    stated: dict[str, Any] = {}
    coded: dict[str, Any] = {}  # ours (vignette_facts.yaml), never from the file; `stated` wins over it
    complaint: str | None = None
    age: float | None = None

    def facts(self) -> dict[str, Any]:
        return {**self.coded, **self.stated}
    sex: str | None = None
    speaker: str | None = None


class CaseOutcome(BaseModel):
    id: str
    complaint: str | None
    expected_complaint: str | None
    false_positives: list[str]
    false_negatives: list[str]
    red_flag_polarity_errors: list[str]
    seconds: float


class ParseBenchReport(BaseModel):
    pack: str
    cases: int
    pairs_expected: int
    pairs_found: int
    true_positives: int
    precision: float
    recall: float
    f1: float
    complaint_accuracy: float
    red_flag_polarity_errors: int
    red_flags_dropped: int  # stated present, not found present
    red_flags_invented: int  # found present, not stated present
    age_accuracy: float
    sex_accuracy: float
    speaker_accuracy: float
    ms_p50: float
    ms_p99: float
    ms_max: float
    outcomes: list[CaseOutcome]


def load_cases(path: Path) -> list[TextCase]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("FILE", f"{path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise InputError("FILE", f"{path} is not readable JSON: {exc}") from None
    if isinstance(raw, dict) and "cases" in raw:
        raw = raw["cases"]
    if not isinstance(raw, list):
        raise InputError("FILE", "expects a JSON list of cases with id, text and stated")
    cases = []
    for i, item in enumerate(raw):
        try:
            cases.append(TextCase.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise InputError(f"[{i}].{field}", err["msg"]) from None
    return cases


def with_coded_facts(cases: list[TextCase]) -> list[TextCase]:
    """The cases with the blind coding of the evidence their labels predate (the vignette bench's file)."""
    from symcheck.bench.vignettes import CODED_FACTS

    raw = yaml.safe_load(CODED_FACTS.read_text(encoding="utf-8")) or {}
    return [c.model_copy(update={"coded": dict(raw.get(c.id) or {})}) for c in cases]


def complaint_equivalents(pack_id: str) -> dict[str, str]:
    """Newer complaint -> the label the shared set used before it existed (vignette_complaints.yaml)."""
    raw = yaml.safe_load(COMPLAINT_MAP.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in (raw.get(pack_id) or {}).items()}


def _complaint_answers(pack: Pack, complaint_id: str) -> dict[str, Any]:
    comp = next((c for c in pack.meta.complaints if c.id == complaint_id), None)
    return dict(comp.answers) if comp is not None else {}


def _bin(e: Evidence, v: float) -> str:
    i = sum(1 for edge in e.bins if v >= edge)
    return outcome_ids(e)[i]


def answer_pairs(pack: Pack, answers: dict[str, Any]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for k, v in answers.items():
        e = pack.evidence.get(k)
        if e is None or v is None or v == "unknown":
            continue
        if e.type == "many_of":
            out.update((k, str(c)) for c in (v if isinstance(v, list) else [v]))
        elif e.type == "number":
            try:
                out.add((k, _bin(e, float(v))))
            except (TypeError, ValueError):
                continue
        elif e.type == "yes_no":
            out.add((k, "present" if v in ("present", True, "yes") else "absent"))
        else:
            out.add((k, str(v)))
    return out


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return 0.0
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def run(
    pack: Pack, cases: list[TextCase], rounds: int = 3, labelled_only: bool = False,
    same_complaint: dict[str, str] | None = None,
) -> ParseBenchReport:
    """`labelled_only`: score only evidence ids that some case's `stated` uses (a file labelled before the pack
    gained items cannot contain answers to them; both figures are worth reporting). `same_complaint`: a newer
    complaint id -> the label older files use for it, for the complaint accuracy."""
    flags = red_flag_evidence(pack)
    labelled = {k for c in cases for k in c.facts()}
    parse("warm up: cramp in my calf, no fever", pack)  # lexicon compiled at start-up, not per text
    tp = found = expected = 0
    complaint_ok = age_ok = sex_ok = speaker_ok = 0
    pol_errors = dropped = invented = 0
    times: list[float] = []
    outcomes: list[CaseOutcome] = []
    for case in cases:
        best = float("inf")
        result = None
        for _ in range(max(1, rounds)):
            t0 = time.perf_counter()
            result = parse(case.text, pack)
            dt = time.perf_counter() - t0
            times.append(dt)
            best = min(best, dt)
        assert result is not None
        stated = case.facts()
        gold = answer_pairs(pack, stated)
        answers = dict(result.answers)
        older = (same_complaint or {}).get(result.complaint or "")
        if older and result.complaint and older != case.complaint:
            older = None
        if older and result.complaint:  # the answers that define the newer complaint read as the older label's
            for k, v in _complaint_answers(pack, older).items():
                if _complaint_answers(pack, result.complaint).get(k) == answers.get(k):
                    answers[k] = v
        pred = answer_pairs(pack, answers)
        if labelled_only:
            pred = {(k, v) for k, v in pred if k in labelled}
        tp += len(gold & pred)
        found += len(pred)
        expected += len(gold)
        errs = []
        for ev in sorted(flags):
            g = stated.get(ev)
            p = result.answers.get(ev)
            if g in ("present", "absent") and p in ("present", "absent") and g != p:
                errs.append(f"{ev}: {p} (stated {g})")
            if g == "present" and p != "present":
                dropped += 1
            if p == "present" and g != "present":
                invented += 1
        pol_errors += len(errs)
        said = (same_complaint or {}).get(result.complaint or "", result.complaint)  # labels older than a complaint
        complaint_ok += result.complaint == case.complaint or said == case.complaint
        age_ok += case.age is not None and result.person.age is not None and abs(result.person.age - case.age) < 1
        sex_ok += case.sex is not None and result.person.sex == case.sex
        speaker_ok += case.speaker is not None and result.person.speaker == case.speaker
        outcomes.append(
            CaseOutcome(
                id=case.id, complaint=result.complaint, expected_complaint=case.complaint,
                false_positives=sorted(f"{k}={v}" for k, v in pred - gold),
                false_negatives=sorted(f"{k}={v}" for k, v in gold - pred), red_flag_polarity_errors=errs,
                seconds=best,
            )
        )
    n = max(1, len(cases))
    # agreement on who it is about: over the cases that give the value
    n_age = max(1, sum(c.age is not None for c in cases))
    n_sex = max(1, sum(c.sex is not None for c in cases))
    n_speaker = max(1, sum(c.speaker is not None for c in cases))
    precision = tp / found if found else 0.0
    recall = tp / expected if expected else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    ms = [t * 1000 for t in times]
    return ParseBenchReport(
        pack=pack.id, cases=len(cases), pairs_expected=expected, pairs_found=found, true_positives=tp,
        precision=round(precision, 4), recall=round(recall, 4), f1=round(f1, 4),
        complaint_accuracy=round(complaint_ok / n, 4), red_flag_polarity_errors=pol_errors,
        red_flags_dropped=dropped, red_flags_invented=invented, age_accuracy=round(age_ok / n_age, 4),
        sex_accuracy=round(sex_ok / n_sex, 4), speaker_accuracy=round(speaker_ok / n_speaker, 4),
        ms_p50=round(statistics.median(ms), 3) if ms else 0.0, ms_p99=round(_pct(ms, 0.99), 3),
        ms_max=round(max(ms), 3) if ms else 0.0, outcomes=outcomes,
    )


class EndToEndSummary(BaseModel):
    mode: str
    cases: int
    acceptable_from_stated: int
    acceptable_from_text: int
    emergencies: int
    emergencies_under_triaged_from_stated: int
    emergencies_under_triaged_from_text: int
    emergencies_lost_by_text: list[str]  # under-triaged from the text, right from `stated`
    top3_from_stated: int
    top3_from_text: int
    in_pack: int


def end_to_end(pack: Pack, vignette_file: Path, modes: tuple[str, ...] = ("open",)) -> list[EndToEndSummary]:
    """Text only -> parse -> the interview with the virtual patient (symcheck.bench.vignettes' case runner,
    answering from the parsed answers), beside the same case run from its `stated` answers. The complaint
    comes from the parse (none: the interview asks); age and sex from the case, as the checker asks them."""
    from symcheck.bench import vignettes as vg
    from symcheck.engine.model import LEVEL_NAMES

    cases = vg.load_vignettes(vignette_file)
    mapping = vg.condition_map(pack.id)
    out = []
    for mode in modes:
        ok_s = ok_t = em = em_s = em_t = top_s = top_t = in_pack = 0
        lost: list[str] = []
        for case in cases:
            parsed = parse(case.text, pack)
            from_text = case.model_copy(update={"complaint": parsed.complaint})
            s = vg.run_case(pack, case, mode, mapping)  # type: ignore[arg-type]
            t = vg.run_case(pack, from_text, mode, mapping, answers_override=parsed.answers)  # type: ignore[arg-type]
            ok_s += s.acceptable
            ok_t += t.acceptable
            if LEVEL_NAMES.index(case.gold_urgency) >= LEVEL_NAMES.index("emergency"):
                em += 1
                em_s += s.under_triage
                em_t += t.under_triage
                if t.under_triage and not s.under_triage:
                    lost.append(case.id)
            if s.expected:
                in_pack += 1
                top_s += bool(s.top3_hit)
                top_t += bool(t.top3_hit)
        out.append(EndToEndSummary(
            mode=mode, cases=len(cases), acceptable_from_stated=ok_s, acceptable_from_text=ok_t, emergencies=em,
            emergencies_under_triaged_from_stated=em_s, emergencies_under_triaged_from_text=em_t,
            emergencies_lost_by_text=lost, top3_from_stated=top_s, top3_from_text=top_t, in_pack=in_pack,
        ))
    return out
