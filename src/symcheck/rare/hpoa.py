"""Parser for HPO's disease annotation file `phenotype.hpoa` (the 2021+ tab-separated format).

Columns: database_id, disease_name, qualifier, hpo_id, reference, evidence, onset, frequency, sex, modifier,
aspect, biocuration. Every row is kept with its own references, because leave-publication-out scoring drops
exactly the rows whose only reference is the case report being scored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# HPO's frequency classes (subclasses of HP:0040279). Values are the midpoints of the ranges HPO defines for
# them, as LIRICAL uses; "Excluded" is 0 and is handled like a NOT qualifier by the compiler.
FREQUENCY_TERMS: dict[str, float] = {
    "HP:0040280": 1.0,  # Obligate (100%)
    "HP:0040281": 0.895,  # Very frequent (80-99%)
    "HP:0040282": 0.545,  # Frequent (30-79%)
    "HP:0040283": 0.17,  # Occasional (5-29%)
    "HP:0040284": 0.025,  # Very rare (1-4%)
    "HP:0040285": 0.0,  # Excluded (0%)
}

ASPECTS = ("P", "I", "C", "M", "H")

_RATIO = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


@dataclass(frozen=True, slots=True)
class HpoaRow:
    disease_id: str
    disease_name: str
    negated: bool
    hpo_id: str
    references: tuple[str, ...]
    evidence: str
    onset: str | None
    frequency_raw: str
    frequency: float | None  # None when the row gives no usable frequency
    sex: str | None  # "MALE" / "FEMALE" when the feature is restricted to one sex
    modifiers: tuple[str, ...]
    aspect: str  # P phenotype, I inheritance, C onset/clinical course, M modifier, H past history


@dataclass(frozen=True, slots=True)
class Hpoa:
    rows: list[HpoaRow]
    version: str


def parse_frequency(raw: str) -> float | None:
    """`HP:0040281` -> 0.895, `3/7` -> 0.4286, `25%` -> 0.25, anything else (incl. 0 denominators) -> None."""
    raw = raw.strip()
    if not raw:
        return None
    if raw in FREQUENCY_TERMS:
        return FREQUENCY_TERMS[raw]
    m = _RATIO.match(raw)
    if m:
        num, den = int(m.group(1)), int(m.group(2))
        if den == 0 or num > den:
            return None
        return num / den
    m = _PERCENT.match(raw)
    if m:
        value = float(m.group(1)) / 100.0
        return value if 0.0 <= value <= 1.0 else None
    return None


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(";") if part.strip())


def parse_hpoa_lines(lines: Iterable[str]) -> Hpoa:
    rows: list[HpoaRow] = []
    version = ""
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            continue
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            if key.strip() == "version":
                version = value.strip()
            continue
        fields = line.split("\t")
        if fields[0] == "database_id":
            continue  # column header
        if len(fields) < 11:
            fields += [""] * (11 - len(fields))
        aspect = fields[10].strip()
        sex = fields[8].strip().upper() or None
        rows.append(
            HpoaRow(
                disease_id=fields[0].strip(),
                disease_name=fields[1].strip(),
                negated=fields[2].strip().upper() == "NOT",
                hpo_id=fields[3].strip(),
                references=_split(fields[4]),
                evidence=fields[5].strip(),
                onset=fields[6].strip() or None,
                frequency_raw=fields[7].strip(),
                frequency=parse_frequency(fields[7]),
                sex=sex if sex in ("MALE", "FEMALE") else None,
                modifiers=_split(fields[9]),
                aspect=aspect,
            )
        )
    return Hpoa(rows=rows, version=version)


def parse_hpoa(path: Path | str) -> Hpoa:
    with open(path, encoding="utf-8") as fh:
        return parse_hpoa_lines(fh)
