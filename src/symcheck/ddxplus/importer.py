"""Build a knowledge pack from the DDXPlus release files (`symcheck kb import-ddxplus`).

What maps to what:
- a binary evidence -> `yes_no`; a categorical one -> `one_of`, or `number` with one bin per integer for the
  0-10 scales; a multi-choice one -> `many_of` whose choices leave out the release's default value
  ("nowhere", "NA"), so "only the default" is the empty answer;
- `code_question` -> `parent` (the follow-ups of pain, skin lesions and swelling are asked only when the
  parent is present); `is_antecedent` -> kind `risk_factor`;
- a pathology's `symptoms` and `antecedents` -> structure-only likelihoods (a fixed `linked_p` for the
  evidences it lists, the evidence's background for all others), all marked `estimate: true` until
  `symcheck kb fit` learns them from patients;
- severity (1 = most severe) -> urgency; the ICD-10 field -> `icd10`; French wording -> `translations`.

The pack also gets `ddxplus_codes.yaml`, which tells the patient-file readers how release names (English
or French) map to the pack's ids and which value is each evidence's default.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import yaml

from symcheck.ddxplus.release import (
    CodeMap,
    Release,
    ReleaseEvidence,
    french_to_english,
    load_evidences,
    load_release,
    safe_id,
    slug,
    to_english,
)
from symcheck.errors import InputError

CODES_FILE = "ddxplus_codes.yaml"
SOURCE_ID = "ddxplus"
# severity 1 (most severe) .. 5 -> the triage level the condition carries
SEVERITY_URGENCY = {1: "emergency_ambulance", 2: "emergency", 3: "consultation_24", 4: "consultation", 5: "self_care"}
AGE_BANDS = [[0, 4], [5, 15], [16, 29], [30, 44], [45, 59], [60, 74], [75, 120]]
SCALE_UNIT = "points on a 0-10 scale"


def _dump(data: Any, path: Path) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(data, fh, Dumper=dumper, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=None)


def _sibling_evidences(path: Path, language: str) -> Path | None:
    """A release_evidences*.json next to `path` in the other language, if there is one."""
    for candidate in sorted(path.parent.glob("release_evidences*.json")):
        if candidate.resolve() == path.resolve():
            continue
        try:
            lang, _ = load_evidences(candidate)
        except InputError:
            continue
        if lang != language:
            return candidate
    return None


def _choice_ids(ev: ReleaseEvidence, value_ids: dict[str, str]) -> list[str]:
    return [value_ids.get(str(v), safe_id(str(v))) for v in ev.values]


def _evidence_entry(ev: ReleaseEvidence, pack_id: str, parent_id: str | None, value_ids: dict[str, str], fr_name: str | None, background: float) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": pack_id,
        "kind": "risk_factor" if ev.is_antecedent else "symptom",
        "group": parent_id or pack_id,
        "question": {"lay": ev.question_en or ev.name},
    }
    if ev.question_fr:
        entry["translations"] = {"fr": ev.question_fr}
    codes = {"ddxplus": ev.name}
    if fr_name and fr_name != ev.name:
        codes["ddxplus_fr"] = fr_name
    entry["codes"] = codes
    if parent_id:
        entry["parent"] = parent_id
    ids = _choice_ids(ev, value_ids)
    default_id = value_ids.get(str(ev.default), safe_id(str(ev.default))) if ev.default is not None else None
    if ev.data_type == "B":
        entry["type"] = "yes_no"
    elif ev.is_scale:
        numbers = sorted(int(v) for v in ev.values)
        entry["type"] = "number"
        entry["unit"] = SCALE_UNIT
        entry["bins"] = numbers[1:]  # one bin per integer: b0 = lowest value
        entry["background"] = {"b0": round(1.0 - background * (len(numbers) - 1), 6)}
    elif ev.data_type == "C":
        entry["type"] = "one_of"
        entry["choices"] = [{"id": i, "label": ev.meaning_en.get(str(v), str(v))} for i, v in zip(ids, ev.values, strict=True)]
        if default_id is not None:
            entry["background"] = {default_id: round(1.0 - background * (len(ids) - 1), 6)}
    else:
        entry["type"] = "many_of"
        entry["choices"] = [
            {"id": i, "label": ev.meaning_en.get(str(v), str(v))}
            for i, v in zip(ids, ev.values, strict=True)
            if i != default_id
        ]
        entry["background"] = background
    entry["estimate"] = True
    return entry


def _structural_likelihood(entry: dict[str, Any], linked_p: float) -> dict[str, Any]:
    """What a pathology that lists this evidence is assumed to give before any patient is seen."""
    kind = entry["type"]
    if kind == "yes_no":
        return {"p": linked_p, "estimate": True}
    if kind == "many_of":
        n = len(entry["choices"])
        p = round(min(linked_p, max(entry["background"], 2.0 / n)), 6)
        return {"values": {c["id"]: p for c in entry["choices"]}, "estimate": True}
    # one_of / number: the default value (first) keeps 1 - linked_p when the question stands alone;
    # a follow-up (asked only when its parent is present) is spread evenly.
    first = "b0" if kind == "number" else entry["choices"][0]["id"]
    n = len(entry["bins"]) + 1 if kind == "number" else len(entry["choices"])
    share = 1.0 - linked_p if "parent" not in entry else 1.0 / n
    return {"values": {first: round(share, 6)}, "estimate": True}


def build_pack(
    release: Release,
    *,
    pack_id: str = "ddxplus",
    french: CodeMap | None = None,
    linked_p: float = 0.5,
    background: float = 0.01,
    checked: dt.date | None = None,
) -> dict[str, Any]:
    """The pack's files as data: {relative path: YAML content}. `release` uses the ids the pack will keep
    (English codes, or French names when no English file was available); `french` maps French names onto
    them when known."""
    if not 0.0 < linked_p < 1.0:
        raise InputError("linked_p", f"{linked_p} is not a probability")
    if not 0.0 < background < 0.05:
        raise InputError("background", f"{background} must lie in (0, 0.05)")
    checked = checked or dt.date.today()
    fr_of: dict[str, str] = {en: fr for fr, en in french.evidences.items()} if french else {}

    ev_ids = {name: safe_id(name) for name in release.evidences}
    if len(set(ev_ids.values())) != len(ev_ids):
        raise InputError("evidences", "two evidence names give the same pack id")
    value_ids: dict[str, dict[str, str]] = {}
    for name, ev in release.evidences.items():
        if ev.data_type != "B" and not ev.is_scale:
            value_ids[name] = {str(v): safe_id(str(v)) for v in ev.values}
            if len(set(value_ids[name].values())) != len(ev.values):
                raise InputError("evidences", f"{name}: two values give the same choice id")

    evidence: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    for name, ev in release.evidences.items():
        entry = _evidence_entry(
            ev, ev_ids[name], ev_ids[ev.parent] if ev.parent else None, value_ids.get(name, {}), fr_of.get(name), background
        )
        evidence.append(entry)
        by_id[entry["id"]] = entry

    conditions: list[dict[str, Any]] = []
    cond_ids: dict[str, str] = {}
    for p in release.pathologies.values():
        cid = slug(p.name_en)
        if cid in cond_ids.values():
            raise InputError("conditions", f"two pathologies give the id {cid!r}")
        cond_ids[p.name] = cid
        likelihoods: dict[str, Any] = {}
        for name in dict.fromkeys((*p.symptoms, *p.antecedents)):
            eid = ev_ids[name]
            likelihoods[eid] = _structural_likelihood(by_id[eid], linked_p)
        codes = [c.strip().upper() for c in p.icd10.split(",") if c.strip()]
        cond: dict[str, Any] = {
            "id": cid,
            "name": p.name_en,
            "lay_name": p.name_en,
            "icd10": codes[0] if codes else None,
            "codes": {"ddxplus": p.name_en, "ddxplus_fr": p.name_fr, "ddxplus_severity": str(p.severity)},
            "category": "ddxplus",
            "urgency": SEVERITY_URGENCY.get(p.severity, "consultation"),
            "summary": f"DDXPlus pathology (severity {p.severity} of 5, 1 = most severe).",
            "prior": {"base": 1.0, "source": SOURCE_ID, "estimate": True},
            "likelihood_source": SOURCE_ID,
            "likelihoods": likelihoods,
            "references": [SOURCE_ID],
            "translations": {"fr": p.name_fr},
        }
        if len(codes) > 1:
            cond["codes"]["icd10_all"] = ", ".join(codes)
        if cond["icd10"] is None:
            del cond["icd10"]
        conditions.append(cond)

    complaints = [
        {"id": e["id"], "label": e["question"]["lay"], "answers": {e["id"]: "present"}}
        for e in evidence
        if e["type"] == "yes_no" and e["kind"] == "symptom" and "parent" not in e
    ]
    meta = {
        "id": pack_id,
        "version": "1.0.0",
        "name": "DDXPlus (49 pathologies, 223 evidences)",
        "description": (
            "Generated by `symcheck kb import-ddxplus` from the DDXPlus release files. DDXPlus is a synthetic "
            "benchmark of respiratory, cardiac and other presentations; this pack is for research and "
            "benchmarking, not for care. Likelihoods are structure-only estimates until `symcheck kb fit`."
        ),
        "languages": ["en", "fr"],
        "review_policy": {"interval_months": 12, "reviewer_role": "not reviewed: generated from a benchmark data set"},
        "age_bands": AGE_BANDS,
        "background_rate": background,
        "default_level": "consultation",
        # tuned by 5-fold cross-validation on a 1,305-patient sample (`symcheck bench ddxplus --folds 5`)
        "stop": {"probability": 0.9997, "min_information_gain": 0.0, "max_questions": 30},
        "complaints": complaints,
        "safety_netting": [
            {
                "level": "always",
                "text": (
                    "Call emergency services now if you have chest pain, severe trouble breathing, swelling of "
                    "the face or throat, confusion or fainting. If you are worried, contact a doctor."
                ),
            }
        ],
        "disclaimer": (
            "This is not a diagnosis. This pack was generated from a synthetic benchmark data set (DDXPlus) "
            "and is meant for research; contact a doctor or emergency services if you are worried."
        ),
        "sources": [SOURCE_ID],
    }
    sources = [
        {
            "id": SOURCE_ID,
            "citation": (
                "Fansi Tchango A, Goel R, Wen Z, Martel J, Ghosn J. DDXPlus: A New Dataset For Automatic Medical "
                "Diagnosis. NeurIPS 2022 Datasets and Benchmarks; arXiv:2205.09148. Data CC-BY 4.0, figshare "
                "10.6084/m9.figshare.20043374 (French original) and 10.6084/m9.figshare.22687585 (English)."
            ),
            "url": "https://doi.org/10.6084/m9.figshare.20043374",
            "checked": checked,
        }
    ]

    # How patient files name things: release names (either language) -> pack ids.
    ev_map = {name: ev_ids[name] for name in release.evidences}
    if french:
        ev_map.update({fr: ev_ids[en] for fr, en in french.evidences.items()})
    values: dict[str, dict[str, str]] = {}
    for name, ids in value_ids.items():
        changed = {raw: vid for raw, vid in ids.items() if raw != vid}
        if french and name in french.values:
            changed.update({fr: ids[en] for fr, en in french.values[name].items() if fr != ids[en]})
        if changed:
            values[ev_ids[name]] = changed
    path_map = {p.name: cond_ids[p.name] for p in release.pathologies.values()}
    path_map.update({p.name_en: cond_ids[p.name] for p in release.pathologies.values()})
    path_map.update({p.name_fr: cond_ids[p.name] for p in release.pathologies.values()})
    defaults: dict[str, Any] = {}
    for name, ev in release.evidences.items():
        if ev.default is None:
            continue
        defaults[ev_ids[name]] = int(ev.default) if ev.is_scale else value_ids[name].get(str(ev.default), safe_id(str(ev.default)))
    codes_file = {
        "format": "symcheck-ddxplus-codes/1",
        "note": "Release names (English or French) -> this pack's ids; written by `symcheck kb import-ddxplus`.",
        "evidences": ev_map,
        "values": values,
        "pathologies": path_map,
        "defaults": defaults,
    }
    return {
        "pack.yaml": meta,
        "evidence.yaml": evidence,
        "conditions/ddxplus.yaml": conditions,
        "sources.yaml": sources,
        "rules.yaml": [],
        CODES_FILE: codes_file,
    }


def write_pack(files: dict[str, Any], out: Path, *, overwrite: bool = True) -> Path:
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise InputError("out", f"{out} exists and is not empty")
        if not (out / "pack.yaml").exists():
            raise InputError("out", f"{out} exists and is not a pack folder; refusing to overwrite it")
        shutil.rmtree(out / "conditions", ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        _dump(content, path)
    return out


def import_ddxplus(
    conditions: Path | str,
    evidences: Path | str,
    out: Path | str,
    *,
    other_evidences: Path | str | None = None,
    pack_id: str = "ddxplus",
    linked_p: float = 0.5,
    background: float = 0.01,
    overwrite: bool = True,
) -> tuple[Path, str]:
    """Import release files (English or French) into a pack folder. Returns (path, a note on the codes used).

    A French release is re-keyed on the English codes when the English evidences file is given as
    `other_evidences` or lies next to it; with an English release, a French file found the same way adds
    the French names to the code map so French patient files can be read too."""
    conditions, evidences = Path(conditions), Path(evidences)
    release = load_release(conditions, evidences)
    other = Path(other_evidences) if other_evidences else _sibling_evidences(evidences, release.language)
    other_lang: str | None = None
    other_evs: dict[str, ReleaseEvidence] | None = None
    if other is not None:
        other_lang, other_evs = load_evidences(other)
        if other_lang == release.language:
            raise InputError("other_evidences", f"{other} is in the same language as {evidences}")
    french: CodeMap | None = None
    if release.language == "fr":
        if other_evs is not None:
            french = french_to_english(release, other_evs)
            release = to_english(release, other_evs, None)
            note = f"French release mapped onto English codes using {other}"
        else:
            note = "French release kept with its own names (no English release_evidences.json found to map codes)"
    else:
        note = "English release codes"
        if other_evs is not None:
            # French pathology names come from the English file's cond-name-fr
            fr_release = Release("fr", other_evs, {})
            french = french_to_english(fr_release, release.evidences)
            note += f"; French names from {other} can be read too"
    files = build_pack(release, pack_id=pack_id, french=french, linked_p=linked_p, background=background)
    return write_pack(files, Path(out), overwrite=overwrite), note
