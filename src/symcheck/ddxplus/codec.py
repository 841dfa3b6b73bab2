"""DDXPlus patient records in a pack's terms: raw items ("E_55_@_V_89") -> the compiled model's outcomes.

The map comes from the pack's `ddxplus_codes.yaml` (written by the importer; it knows English and French
release names and each evidence's default value). A pack without it is read by its evidence ids and the
`ddxplus` code of evidences and conditions, with choice ids equal to the release values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml

from symcheck.ddxplus.importer import CODES_FILE
from symcheck.ddxplus.records import PatientRow, split_item
from symcheck.engine.model import MANY_OF, YES_NO
from symcheck.errors import InputError
from symcheck.kb.pack import Pack

SEX_INDEX = {"F": 0, "M": 1}
NOTHING = -1  # an item that states the default of a multi-choice evidence: no outcome
UNKNOWN = -2  # an item the pack does not know


@dataclass(frozen=True)
class EncodedPatient:
    condition: int
    age: int
    sex: int
    outcomes: list[int]  # the outcomes the record states (defaults of one-of evidences included)
    initial: int  # question index of the initial evidence, or -1
    unknown: int  # items the pack does not know


class PackCodec:
    def __init__(self, pack: Pack):
        self.pack = pack
        comp = pack.compiled
        self.model = comp.model
        self.question_index = {qid: i for i, qid in enumerate(comp.question_ids)}
        self.condition_ids = comp.condition_ids
        codes: dict[str, Any] = {}
        path = pack.path / CODES_FILE
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                codes = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        ev_map: dict[str, str] = {qid: qid for qid in comp.question_ids}
        for e in pack.evidence.values():
            for key in ("ddxplus", "ddxplus_fr"):
                if key in e.codes:
                    ev_map.setdefault(e.codes[key], e.id)
        ev_map.update(codes.get("evidences") or {})
        self.evidence_map = ev_map
        self.value_map: dict[str, dict[str, str]] = {k: {str(a): str(b) for a, b in v.items()} for k, v in (codes.get("values") or {}).items()}
        cond_map: dict[str, int] = {}
        for i, cid in enumerate(comp.condition_ids):
            cond = pack.conditions[cid]
            for name in (cid, cond.name, cond.codes.get("ddxplus"), cond.codes.get("ddxplus_fr"), cond.translations.get("fr")):
                if name:
                    cond_map.setdefault(name, i)
        for name, cid in (codes.get("pathologies") or {}).items():
            if cid in pack.conditions:
                cond_map[name] = comp.condition_ids.index(cid)
        self.condition_map = cond_map
        self.defaults: dict[str, str] = {k: str(v) for k, v in (codes.get("defaults") or {}).items()}
        # Per question: the outcome a complete record implies when it does not mention the question
        # (yes/no: absent; one-of: the default value; many-of: handled per choice), or -1 when unknown.
        n_q = self.model.n_questions
        self.default_outcome = np.full(n_q, -1, dtype=np.int64)
        for q, qid in enumerate(comp.question_ids):
            kind = int(self.model.q_kind[q])
            start = int(self.model.q_out_start[q])
            if kind == YES_NO:
                self.default_outcome[q] = start + 1
            elif kind != MANY_OF and qid in self.defaults:
                out = self._value_outcome(qid, self.defaults[qid])
                if out >= 0:
                    self.default_outcome[q] = out
        self._cache: dict[str, int] = {}

    # ----- items -------------------------------------------------------------------------------
    def _value_outcome(self, qid: str, raw: str) -> int:
        e = self.pack.evidence[qid]
        index = self.pack.compiled.outcome_index[qid]
        if e.type == "number":
            try:
                value = float(raw)
            except ValueError:
                return UNKNOWN
            return index[f"b{int(np.searchsorted(e.bins, value, side='right'))}"]
        choice = self.value_map.get(qid, {}).get(raw, raw)
        if choice in index:
            return index[choice]
        if e.type == "many_of" and self.defaults.get(qid) == choice:
            return NOTHING
        return UNKNOWN

    def item_outcome(self, item: str) -> int:
        """The outcome an item states; NOTHING for a multi-choice default, UNKNOWN when not in the pack."""
        cached = self._cache.get(item)
        if cached is not None:
            return cached
        name, value = split_item(item)
        qid = self.evidence_map.get(name)
        if qid is None:
            out = UNKNOWN
        elif value is None:
            out = self.pack.compiled.outcome_index[qid].get("present", UNKNOWN)
        else:
            out = self._value_outcome(qid, value)
        self._cache[item] = out
        return out

    def question_of(self, name: str) -> int:
        qid = self.evidence_map.get(name)
        return -1 if qid is None else self.question_index[qid]

    def condition_of(self, name: str) -> int:
        try:
            return self.condition_map[name]
        except KeyError:
            raise InputError("cases", f"pathology {name!r} is not a condition of pack {self.pack.id!r}") from None

    def encode(self, row: PatientRow) -> EncodedPatient:
        outcomes: list[int] = []
        unknown = 0
        cache = self._cache
        for item in row.evidences:
            out = cache.get(item)
            if out is None:
                out = self.item_outcome(item)
            if out >= 0:
                outcomes.append(out)
            elif out == UNKNOWN:
                unknown += 1
        sex = SEX_INDEX.get(row.sex.upper()[:1])
        if sex is None:
            raise InputError("cases", f"line {row.line}: SEX {row.sex!r} is not M or F")
        return EncodedPatient(self.condition_of(row.pathology), row.age, sex, outcomes, self.question_of(row.initial), unknown)
