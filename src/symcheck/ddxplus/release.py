"""The DDXPlus release metadata (`release_evidences.json`, `release_conditions.json`), English or French.

The English release (figshare 22687585) codes evidences `E_*` and values `V_*`; the French original
(figshare 20043374) uses mnemonic names. Both files list the 223 evidences in the same order with
position-aligned value lists, so a French file maps onto English codes entry by entry (checked here on
`question_en` and on the English value meanings, never assumed).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from symcheck.errors import InputError

ENGLISH_CODE = re.compile(r"^E_\d+$")


@dataclass(frozen=True)
class ReleaseEvidence:
    name: str  # the key in the release file (E_91 or a French mnemonic)
    parent: str | None  # code_question when it names another evidence
    question_en: str
    question_fr: str
    is_antecedent: bool
    data_type: str  # B, C or M
    default: str | int | None  # None for binary evidences
    values: tuple[str | int, ...]  # possible values in release order
    meaning_en: dict[str, str] = field(default_factory=dict)
    meaning_fr: dict[str, str] = field(default_factory=dict)

    @property
    def is_scale(self) -> bool:
        """A 0-10 (integer) categorical scale such as pain intensity."""
        return self.data_type == "C" and bool(self.values) and all(isinstance(v, int) for v in self.values)


@dataclass(frozen=True)
class ReleasePathology:
    name: str  # condition_name of the file (English or French name)
    name_en: str
    name_fr: str
    icd10: str
    severity: int  # 1 (most severe) .. 5
    symptoms: tuple[str, ...]
    antecedents: tuple[str, ...]


@dataclass
class Release:
    language: str  # "en" or "fr": how the files name things
    evidences: dict[str, ReleaseEvidence]
    pathologies: dict[str, ReleasePathology]

    def evidence_codes(self) -> list[str]:
        return list(self.evidences)


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise InputError(what, f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(what, f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(what, f"{path} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict) or not data:
        raise InputError(what, f"{path} is not a DDXPlus release file (expected a JSON object)")
    return data


def load_evidences(path: Path | str) -> tuple[str, dict[str, ReleaseEvidence]]:
    """Read `release_evidences.json`; returns (language, evidences) with the language detected from the keys."""
    path = Path(path)
    raw = _read_json(path, "evidences")
    out: dict[str, ReleaseEvidence] = {}
    for key, entry in raw.items():
        if not isinstance(entry, dict) or "data_type" not in entry or "question_en" not in entry:
            raise InputError("evidences", f"{path}: entry {key!r} is not a DDXPlus evidence (no data_type/question_en)")
        dtype = entry["data_type"]
        if dtype not in ("B", "C", "M"):
            raise InputError("evidences", f"{path}: {key}: unknown data_type {dtype!r}")
        parent = entry.get("code_question") or key
        meaning = entry.get("value_meaning") or {}
        values = tuple(entry.get("possible-values") or ())
        if dtype != "B" and not values:
            raise InputError("evidences", f"{path}: {key}: a {dtype} evidence without possible-values")
        out[key] = ReleaseEvidence(
            name=key,
            parent=None if parent == key else parent,
            question_en=str(entry.get("question_en", "")).strip(),
            question_fr=str(entry.get("question_fr", "")).strip(),
            is_antecedent=bool(entry.get("is_antecedent", False)),
            data_type=dtype,
            default=None if dtype == "B" else entry.get("default_value"),
            values=values,
            meaning_en={str(k): str(v.get("en", "")) for k, v in meaning.items()},
            meaning_fr={str(k): str(v.get("fr", "")) for k, v in meaning.items()},
        )
    # Five code_question values (E_68, E_36, ...) name no evidence: a label shared by one binary
    # question, not a parent to ask first.
    out = {k: (ev if ev.parent is None or ev.parent in out else replace(ev, parent=None)) for k, ev in out.items()}
    language = "en" if all(ENGLISH_CODE.match(k) for k in out) else "fr"
    return language, out


def load_conditions(path: Path | str) -> dict[str, ReleasePathology]:
    path = Path(path)
    raw = _read_json(path, "conditions")
    out: dict[str, ReleasePathology] = {}
    for key, entry in raw.items():
        if not isinstance(entry, dict) or "symptoms" not in entry or "severity" not in entry:
            raise InputError("conditions", f"{path}: entry {key!r} is not a DDXPlus condition (no symptoms/severity)")
        out[key] = ReleasePathology(
            name=key,
            name_en=str(entry.get("cond-name-eng", key)),
            name_fr=str(entry.get("cond-name-fr", key)),
            icd10=str(entry.get("icd10-id", "")),
            severity=int(entry["severity"]),
            symptoms=tuple(entry.get("symptoms") or {}),
            antecedents=tuple(entry.get("antecedents") or {}),
        )
    return out


def load_release(conditions: Path | str, evidences: Path | str) -> Release:
    language, evs = load_evidences(evidences)
    paths = load_conditions(conditions)
    for p in paths.values():
        for name in (*p.symptoms, *p.antecedents):
            if name not in evs:
                raise InputError(
                    "conditions",
                    f"{p.name}: evidence {name!r} is not in {Path(evidences).name} (are both files the same language?)",
                )
    return Release(language, evs, paths)


@dataclass(frozen=True)
class CodeMap:
    """French release names -> English release codes (evidences, values, pathologies)."""

    evidences: dict[str, str]
    values: dict[str, dict[str, str]]  # English evidence code -> {French value: English value}
    pathologies: dict[str, str]  # French pathology name -> English name


def french_to_english(french: Release, english_evidences: dict[str, ReleaseEvidence]) -> CodeMap:
    """Align a French release onto English codes: same order, same `question_en`, same value meanings."""
    fr_items = list(french.evidences.values())
    en_items = list(english_evidences.values())
    if len(fr_items) != len(en_items):
        raise InputError("evidences", f"the French file has {len(fr_items)} evidences, the English one {len(en_items)}")
    ev_map: dict[str, str] = {}
    val_map: dict[str, dict[str, str]] = {}
    for fr, en in zip(fr_items, en_items, strict=True):
        if fr.question_en != en.question_en or fr.data_type != en.data_type or len(fr.values) != len(en.values):
            raise InputError("evidences", f"French {fr.name!r} does not line up with English {en.name!r}")
        ev_map[fr.name] = en.name
        if fr.values and not en.is_scale:
            for fv, ev in zip(fr.values, en.values, strict=True):
                if fr.meaning_en.get(str(fv)) != en.meaning_en.get(str(ev)):
                    raise InputError("evidences", f"{en.name}: French value {fv!r} does not line up with {ev!r}")
            val_map[en.name] = {str(fv): str(ev) for fv, ev in zip(fr.values, en.values, strict=True)}
    path_map = {p.name: p.name_en for p in french.pathologies.values()}
    return CodeMap(ev_map, val_map, path_map)


def to_english(french: Release, english_evidences: dict[str, ReleaseEvidence], english_conditions: dict[str, ReleasePathology] | None) -> Release:
    """The French release re-keyed on English codes (English wording kept from the English file)."""
    cmap = french_to_english(french, english_evidences)
    pathologies: dict[str, ReleasePathology] = {}
    for p in french.pathologies.values():
        name = p.name_en
        if english_conditions is not None and name in english_conditions:
            pathologies[name] = english_conditions[name]
            continue
        pathologies[name] = ReleasePathology(
            name=name,
            name_en=p.name_en,
            name_fr=p.name_fr,
            icd10=p.icd10,
            severity=p.severity,
            symptoms=tuple(cmap.evidences[s] for s in p.symptoms),
            antecedents=tuple(cmap.evidences[s] for s in p.antecedents),
        )
    return Release("en", dict(english_evidences), pathologies)


def safe_id(text: str) -> str:
    """An `[A-Za-z0-9_]+` id from a release name: accents dropped, other characters to '_'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ident = re.sub(r"[^A-Za-z0-9_]+", "_", ascii_text).strip("_")
    return ident or "x"


def slug(text: str) -> str:
    """A lower_snake_case id for a pathology name ("Possible NSTEMI / STEMI" -> possible_nstemi_stemi)."""
    return re.sub("_+", "_", safe_id(text).lower())
