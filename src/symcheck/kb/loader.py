"""Read a pack folder, validate everything, and report every problem at once.

Each problem names the file, the entry and the field, e.g.
``conditions/tetanus.yaml: likelihoods.trismus: 1.3 is not a probability``.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from symcheck.engine.rules import RuleSyntaxError
from symcheck.engine.rules import parse as parse_rule
from symcheck.errors import PackError, PackIssue
from symcheck.kb.schema import (
    LEVELS,
    Checklist,
    Condition,
    Evidence,
    Likelihood,
    PackMeta,
    Page,
    Phrases,
    Rule,
    Source,
    Specialist,
    Test,
)

RULE_BUILTINS = {"age", "sex", "pregnant"}
LINK_RE = re.compile(r"\[\[([A-Za-z0-9_]+)\]\]")
EVIDENCE_WORD = re.compile(r"\b([a-z][a-z0-9_]*)\b")  # identifiers in a rule expression


class PackData:
    """The validated content of a pack, before compilation."""

    def __init__(self, root: Path):
        self.root = root
        self.meta: PackMeta | None = None
        self.evidence: dict[str, Evidence] = {}
        self.conditions: dict[str, Condition] = {}
        self.condition_files: dict[str, str] = {}
        self.rules: list[Rule] = []
        self.specialists: dict[str, Specialist] = {}
        self.tests: dict[str, Test] = {}
        self.sources: dict[str, Source] = {}
        self.page: Page | None = None
        self.phrases: Phrases | None = None  # phrases.yaml: lay words for the free-text parser (optional)


class _Collector:
    def __init__(self) -> None:
        self.issues: list[PackIssue] = []

    def add(self, file: str, entry: str, field: str, message: str) -> None:
        self.issues.append(PackIssue(file, entry, field, message))


def _read_yaml(path: Path, root: Path, out: _Collector) -> Any:
    rel = path.relative_to(root).as_posix()
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        out.add(rel, "", where, f"not valid YAML: {getattr(exc, 'problem', exc)}")
    except OSError as exc:
        out.add(rel, "", "", f"cannot read: {exc.strerror}")
    return None


def _loc(loc: Iterable[Any]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif parts:
            parts.append(f".{item}")
        else:
            parts.append(str(item))
    return "".join(parts)


def _validate(model: type[BaseModel], data: Any, file: str, entry: str, out: _Collector) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown field"
            elif err["type"] == "missing":
                msg = "is required"
            out.add(file, entry, _loc(err["loc"]), msg)
        return None


def _entries(data: Any, file: str, out: _Collector) -> list[tuple[str, Any]]:
    """A list file's entries, each with a label for messages (its id, or its position)."""
    if data is None:
        return []
    if not isinstance(data, list):
        out.add(file, "", "", "must be a list of entries")
        return []
    result = []
    for i, item in enumerate(data):
        label = str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"entry {i + 1}"
        result.append((label, item))
    return result


def _is_probability(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0.0 < float(value) < 1.0


def load_pack_data(root: Path | str) -> PackData:
    """Load and validate a pack folder. Raises PackError listing every issue found."""
    root = Path(root)
    out = _Collector()
    if not root.is_dir():
        raise PackError([PackIssue(str(root), "", "", "no such pack folder")])
    data = PackData(root)

    meta_path = root / "pack.yaml"
    if not meta_path.exists():
        out.add("pack.yaml", "", "", "missing: every pack needs a pack.yaml")
    else:
        raw = _read_yaml(meta_path, root, out)
        if raw is not None:
            data.meta = _validate(PackMeta, raw, "pack.yaml", "", out)

    def load_list(name: str, model: type[BaseModel], required: bool) -> list[tuple[str, Any]]:
        path = root / name
        if not path.exists():
            if required:
                out.add(name, "", "", "missing")
            return []
        parsed = []
        for label, item in _entries(_read_yaml(path, root, out), name, out):
            obj = _validate(model, item, name, label, out)
            if obj is not None:
                parsed.append((label, obj))
        return parsed

    def unique(items: list[tuple[str, Any]], file: str) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for label, obj in items:
            if obj.id in seen:
                out.add(file, label, "id", f"duplicate id {obj.id!r}")
            seen[obj.id] = obj
        return seen

    data.sources = unique(load_list("sources.yaml", Source, required=False), "sources.yaml")
    data.evidence = unique(load_list("evidence.yaml", Evidence, required=True), "evidence.yaml")
    data.rules = [obj for _, obj in load_list("rules.yaml", Rule, required=False)]
    if len({r.id for r in data.rules}) != len(data.rules):
        out.add("rules.yaml", "", "id", "rule ids must be unique")
    data.specialists = unique(load_list("specialists.yaml", Specialist, required=False), "specialists.yaml")
    data.tests = unique(load_list("tests.yaml", Test, required=False), "tests.yaml")

    cond_dir = root / "conditions"
    files = sorted(cond_dir.glob("*.yaml")) if cond_dir.is_dir() else []
    if not files:
        out.add("conditions/", "", "", "no condition files")
    for path in files:
        rel = path.relative_to(root).as_posix()
        raw = _read_yaml(path, root, out)
        if raw is None:
            continue
        many = isinstance(raw, list)
        for label, item in _entries(raw, rel, out) if many else [("", raw)]:
            cond = _validate(Condition, item, rel, label, out)
            if cond is None:
                continue
            if cond.id in data.conditions:
                out.add(rel, label, "id", f"duplicate condition id {cond.id!r} (also in {data.condition_files[cond.id]})")
                continue
            if not many and cond.id != path.stem:
                out.add(rel, "", "id", f"{cond.id!r} does not match the file name {path.stem!r}")
            for src in cond.sources:
                if src.id in data.sources and data.sources[src.id] != src:
                    out.add(rel, label, f"sources.{src.id}", "clashes with a different source of the same id")
                data.sources.setdefault(src.id, src)
            data.conditions[cond.id] = cond
            data.condition_files[cond.id] = rel

    page_path = root / "page.yaml"
    if page_path.exists():
        raw = _read_yaml(page_path, root, out)
        if raw is not None:
            data.page = _validate(Page, raw, "page.yaml", "", out)

    phrases_path = root / "phrases.yaml"
    if phrases_path.exists():
        raw = _read_yaml(phrases_path, root, out)
        if raw is not None:
            data.phrases = _validate(Phrases, raw, "phrases.yaml", "", out)
            if data.phrases is not None:
                _check_phrases(data, data.phrases, out)

    _check_references(data, out)
    # Generated packs (the DDXPlus importer writes ddxplus_codes.yaml) keep the release's wording as it is.
    if not (root / "ddxplus_codes.yaml").exists():
        _check_third_person(data, out)
    if out.issues:
        raise PackError(out.issues)
    return data


def _check_source(data: PackData, ref: str | None, file: str, entry: str, field: str, out: _Collector) -> None:
    if ref is None:
        out.add(file, entry, field, "has no source")
    elif ref not in data.sources:
        out.add(file, entry, field, f"unknown source {ref!r}")


def _check_references(data: PackData, out: _Collector) -> None:
    ev = data.evidence
    meta = data.meta
    band_keys = {f"{lo}-{hi}" for lo, hi in meta.age_bands} if meta else set()

    for e in ev.values():
        f, entry = "evidence.yaml", e.id
        choice_ids = [c.id for c in e.choices]
        if e.type in ("one_of", "many_of"):
            if len(choice_ids) < 2:
                out.add(f, entry, "choices", f"a {e.type} question needs at least two choices")
            if len(set(choice_ids)) != len(choice_ids):
                out.add(f, entry, "choices", "choice ids must be unique")
        elif choice_ids:
            out.add(f, entry, "choices", f"a {e.type} question has no choices")
        if e.type == "number" and (not e.bins or sorted(set(e.bins)) != e.bins):
            out.add(f, entry, "bins", "a number question needs increasing bin edges")
        if e.parent is not None:
            parent = ev.get(e.parent)
            if parent is None:
                out.add(f, entry, "parent", f"unknown evidence {e.parent!r}")
            elif e.parent == e.id:
                out.add(f, entry, "parent", "an evidence cannot be its own parent")
            elif e.parent_value is not None and e.parent_value not in {c.id for c in parent.choices}:
                out.add(f, entry, "parent_value", f"{e.parent_value!r} is not a choice of {e.parent!r}")
        for target in e.implies:
            if e.type != "yes_no":
                out.add(f, entry, "implies", "only a yes/no question can imply others")
            elif target not in ev:
                out.add(f, entry, "implies", f"unknown evidence {target!r}")
            elif target == e.id or ev[target].type != "yes_no":
                out.add(f, entry, "implies", f"{target!r} must be another yes/no question")
        bg = e.background
        if isinstance(bg, dict):
            keys = set(outcome_ids(e))
            for k, v in bg.items():
                if k not in keys:
                    out.add(f, entry, f"background.{k}", "is not a choice of this question")
                elif not _is_probability(v):
                    out.add(f, entry, f"background.{k}", f"{v} is not a probability")
        elif bg is not None and not _is_probability(bg):
            out.add(f, entry, "background", f"{bg} is not a probability")
    # parent cycles
    for e in ev.values():
        seen = {e.id}
        cur = e.parent
        while cur is not None and cur in ev:
            if cur in seen:
                out.add("evidence.yaml", e.id, "parent", "parents form a cycle")
                break
            seen.add(cur)
            cur = ev[cur].parent

    for cond in data.conditions.values():
        f = data.condition_files[cond.id]
        entry = "" if f == f"conditions/{cond.id}.yaml" else cond.id
        prior = cond.prior
        for key, mult in prior.age.items():
            if meta is not None and key not in band_keys:  # a pack.yaml that failed to load is reported once, not here
                out.add(f, entry, f"prior.age.{key}", f"is not an age band of pack.yaml ({', '.join(sorted(band_keys))})")
            if not isinstance(mult, int | float) or mult < 0 or math.isnan(mult):
                out.add(f, entry, f"prior.age.{key}", f"{mult} is not a multiplier >= 0")
        for key, mult in prior.sex.items():
            if mult < 0:
                out.add(f, entry, f"prior.sex.{key}", f"{mult} is not a multiplier >= 0")
        if prior.source is not None and prior.source not in data.sources:
            out.add(f, entry, "prior.source", f"unknown source {prior.source!r}")
        if cond.likelihood_source is not None and cond.likelihood_source not in data.sources:
            out.add(f, entry, "likelihood_source", f"unknown source {cond.likelihood_source!r}")
        for ev_id, lk in cond.likelihoods.items():
            field = f"likelihoods.{ev_id}"
            e = ev.get(ev_id)
            if e is None:
                out.add(f, entry, field, f"unknown evidence {ev_id!r}")
                continue
            if isinstance(lk, int | float):
                lk = Likelihood(p=float(lk))
            if lk.source is None and cond.likelihood_source is None:
                out.add(f, entry, field, "has no source")
            elif lk.source is not None and lk.source not in data.sources:
                out.add(f, entry, f"{field}.source", f"unknown source {lk.source!r}")
            if e.type == "yes_no":
                if lk.values is not None or lk.p is None:
                    out.add(f, entry, field, "a yes/no evidence takes p, not values")
                elif not _is_probability(lk.p):
                    out.add(f, entry, field, f"{lk.p} is not a probability")
            else:
                if lk.p is not None or not lk.values:
                    out.add(f, entry, field, f"a {e.type} evidence takes values, not p")
                    continue
                keys = set(outcome_ids(e))
                for k, v in lk.values.items():
                    if k not in keys:
                        out.add(f, entry, f"{field}.{k}", f"is not a choice of {ev_id!r} ({', '.join(outcome_ids(e))})")
                    elif not _is_probability(v):
                        out.add(f, entry, f"{field}.{k}", f"{v} is not a probability")
                if e.type in ("one_of", "number") and sum(lk.values.values()) > 1.0 + 1e-9:
                    out.add(f, entry, field, f"values of a one-of answer sum to {sum(lk.values.values()):.3f} > 1")
        for sid in cond.specialists:
            if sid not in data.specialists:
                out.add(f, entry, "specialists", f"unknown specialist {sid!r}")
        for tid in cond.tests:
            if tid not in data.tests:
                out.add(f, entry, "tests", f"unknown test {tid!r}")
        for ref in cond.references:
            if ref not in data.sources:
                out.add(f, entry, "references", f"unknown source {ref!r}")

    complaint_ids = {c.id for c in meta.complaints} if meta else set()
    for rule in data.rules:
        f, entry = "rules.yaml", rule.id
        _check_source(data, rule.source, f, entry, "source", out)
        try:
            expr = parse_rule(rule.when)
        except RuleSyntaxError as exc:
            out.add(f, entry, "when", str(exc))
            continue
        allowed_strings: set[str] = {"female", "male"}
        for name in expr.names:
            if name in RULE_BUILTINS:
                continue
            if name not in ev:
                out.add(f, entry, "when", f"unknown evidence {name!r}")
            else:
                allowed_strings.update(outcome_ids(ev[name]))
        for node in ast.walk(ast.parse(rule.when.strip(), mode="eval")):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value not in allowed_strings:
                out.add(f, entry, "when", f"{node.value!r} is not a choice of the evidence it is compared with")
        for cid in rule.complaints:
            if meta is not None and cid not in complaint_ids:
                out.add(f, entry, "complaints", f"unknown complaint {cid!r}")
        if not rule.scope and LEVELS.index(rule.level) >= LEVELS.index("consultation_24") and any(
                isinstance(node, ast.Not) for node in ast.walk(ast.parse(rule.when.strip(), mode="eval"))):
            out.add(f, entry, "when", "an urgent rule may not use 'not': a \"yes\" could then switch the check off")
        for cid in rule.conditions:
            if cid not in data.conditions:
                out.add(f, entry, "conditions", f"unknown condition {cid!r}")
        if not rule.scope and not rule.conditions and LEVELS.index(rule.level) >= LEVELS.index("consultation_24"):
            out.add(f, entry, "conditions", "a rule at consultation_24 or above must name the conditions it points to")

    if meta is not None:
        for i, comp in enumerate(meta.complaints):
            for ev_id, value in comp.answers.items():
                e = ev.get(ev_id)
                if e is None:
                    out.add("pack.yaml", comp.id, f"complaints[{i}].answers.{ev_id}", "unknown evidence")
                    continue
                problem = answer_problem(e, value)
                if problem:
                    out.add("pack.yaml", comp.id, f"complaints[{i}].answers.{ev_id}", problem)
        for i, comp in enumerate(meta.complaints):
            for key in ("emergency_gate", "describe"):
                checklist_ids = {c.id for c in meta.checklists} if key == "describe" else set()
                for ev_id in getattr(comp, key):
                    if ev_id in checklist_ids:  # a describe step may be a whole checklist
                        continue
                    if ev_id not in ev:
                        out.add("pack.yaml", comp.id, f"complaints[{i}].{key}", f"unknown evidence {ev_id!r}")
                    elif key == "emergency_gate" and ev[ev_id].type != "yes_no":
                        out.add("pack.yaml", comp.id, f"complaints[{i}].{key}", f"{ev_id!r} is not a yes/no question")
        # A "yes" at the emergency gate must lead somewhere: each item is named by an emergency rule.
        emergency_named = {n for r in data.rules if not r.scope and r.level in ("emergency", "emergency_ambulance")
                           for n in EVIDENCE_WORD.findall(r.when) if n in ev}
        for i, comp in enumerate(meta.complaints):
            for ev_id in comp.emergency_gate:
                if ev_id in ev and ev_id not in emergency_named:
                    out.add("pack.yaml", comp.id, f"complaints[{i}].emergency_gate",
                            f"{ev_id!r} is named by no emergency rule, so a 'yes' to it changes nothing")
        for level, sid in meta.care_by_level.items():
            if sid not in data.specialists:
                out.add("pack.yaml", "", f"care_by_level.{level}", f"unknown specialist {sid!r}")
        for i, grp in enumerate(meta.red_flag_groups):
            for ev_id in grp.evidence:
                if ev_id not in ev:
                    out.add("pack.yaml", grp.id, f"red_flag_groups[{i}].evidence", f"unknown evidence {ev_id!r}")
                elif ev[ev_id].type != "yes_no":
                    out.add("pack.yaml", grp.id, f"red_flag_groups[{i}].evidence", f"{ev_id!r} is not a yes/no question")
        seen_lists: set[str] = set()
        for i, cl in enumerate(meta.checklists):
            where = f"checklists[{i}]"
            if cl.id in ev or cl.id in seen_lists:
                out.add("pack.yaml", cl.id, where + ".id", "clashes with an evidence or another checklist id")
            seen_lists.add(cl.id)
            members = checklist_members(cl, ev)
            if not members:
                out.add("pack.yaml", cl.id, where, "has no yes/no evidence (give evidence: [...] or group: ...)")
            for ev_id in cl.evidence:
                if ev_id not in ev:
                    out.add("pack.yaml", cl.id, where + ".evidence", f"unknown evidence {ev_id!r}")
                elif ev[ev_id].type != "yes_no":
                    out.add("pack.yaml", cl.id, where + ".evidence", f"{ev_id!r} is not a yes/no question")
        for sid in meta.sources:
            if sid not in data.sources:
                out.add("pack.yaml", "", "sources", f"unknown source {sid!r}")

    if data.page is not None:
        for sec in data.page.sections:
            for link in LINK_RE.findall(sec.body):
                if link not in data.conditions and link not in ev:
                    out.add("page.yaml", sec.id, "body", f"links to unknown condition [[{link}]]")
            for sid in sec.sources:
                if sid not in data.sources:
                    out.add("page.yaml", sec.id, "sources", f"unknown source {sid!r}")


SECOND_PERSON = re.compile(r"\b(you|your|yours|yourself)\b", re.IGNORECASE)


def _check_third_person(data: PackData, out: _Collector) -> None:
    """A question that speaks to "you" needs its form for someone answering about another person."""
    for e in data.evidence.values():
        if SECOND_PERSON.search(e.question.lay) and not e.question.other.strip():
            out.add("evidence.yaml", e.id, "question.other", "the lay text speaks to 'you': give the question for someone else")
    if data.meta is None:
        return
    lists = [(f"checklists[{i}]", c.id, c.question, c.question_other) for i, c in enumerate(data.meta.checklists)]
    lists += [(f"red_flag_groups[{i}]", g.id, g.question, g.question_other) for i, g in enumerate(data.meta.red_flag_groups)]
    for where, ident, text, other in lists:
        if SECOND_PERSON.search(text) and not other.strip():
            out.add("pack.yaml", ident, f"{where}.question_other", "the question speaks to 'you': give the question for someone else")
    # An item of a list shows its `label` (or else its question) to whoever answers, for themselves or not.
    members = [m for c in data.meta.checklists for m in c.evidence] + [m for g in data.meta.red_flag_groups for m in g.evidence]
    for ev_id in dict.fromkeys(members):
        e = data.evidence.get(ev_id)
        if e is not None and SECOND_PERSON.search(e.label or e.question.lay):
            out.add("evidence.yaml", ev_id, "label", "shown in a list, it speaks to 'you': give a label without it")
    # Results too: advice that speaks to "you" reads wrongly to someone answering for another person.
    for i, s in enumerate(data.meta.safety_netting):
        if SECOND_PERSON.search(s.text) and not s.text_other.strip():
            out.add("pack.yaml", "", f"safety_netting[{i}].text_other",
                    "the text speaks to 'you': give the text for someone else")
    for r in data.rules:
        for field, text, other in (("message", r.message, r.message_other),
                                   ("while_waiting", r.while_waiting, r.while_waiting_other)):
            if SECOND_PERSON.search(text) and not other.strip():
                out.add("rules.yaml", r.id, f"{field}_other", f"the {field} speaks to 'you': give the text for someone else")
    for cond in data.conditions.values():
        if SECOND_PERSON.search(cond.when_to_seek_help) and not cond.when_to_seek_help_other.strip():
            f = data.condition_files[cond.id]
            out.add(f, "" if f == f"conditions/{cond.id}.yaml" else cond.id, "when_to_seek_help_other",
                    "the text speaks to 'you': give the text for someone else")
        if cond.self_care_other and len(cond.self_care_other) != len(cond.self_care):
            f = data.condition_files[cond.id]
            out.add(f, "" if f == f"conditions/{cond.id}.yaml" else cond.id, "self_care_other",
                    f"gives {len(cond.self_care_other)} steps for {len(cond.self_care)} self-care steps")
        elif any(SECOND_PERSON.search(step) for step in cond.self_care) and not cond.self_care_other:
            f = data.condition_files[cond.id]
            out.add(f, "" if f == f"conditions/{cond.id}.yaml" else cond.id, "self_care_other",
                    "a self-care step speaks to 'you': give the steps for someone else")


def _check_phrases(data: PackData, ph: Phrases, out: _Collector) -> None:
    """Every key of phrases.yaml names a complaint, an evidence id, or an answer of it."""
    f = "phrases.yaml"
    complaint_ids = {c.id for c in data.meta.complaints} if data.meta else set()
    for key in ph.complaints:
        cid = key.partition(".")[0]  # "complaint.name": a second entry (e.g. with near words) for one complaint
        if data.meta is not None and cid not in complaint_ids and cid != "not_a_complaint":
            out.add(f, f"complaints.{key}", "id", "unknown complaint")
    for key, entry in ph.evidence.items():
        ev_id, _, value = key.partition(".")
        e = data.evidence.get(ev_id)
        if e is None:
            out.add(f, f"evidence.{key}", "id", f"unknown evidence {ev_id!r}")
            continue
        if e.type == "yes_no":
            if value not in ("", "present", "absent"):
                out.add(f, f"evidence.{key}", "id", f"{value!r}: a yes/no item takes 'id' or 'id.absent'")
        elif e.type == "number":
            out.add(f, f"evidence.{key}", "id", "a number question is read through slots:, not phrases")
        elif value not in outcome_ids(e):
            out.add(f, f"evidence.{key}", "id", f"{value!r} is not one of {', '.join(outcome_ids(e))}")
        phrases = entry if isinstance(entry, list) else entry.phrases
        if not phrases:
            out.add(f, f"evidence.{key}", "phrases", "has no phrases")
    for ev_id, parts in ph.parts.items():
        e = data.evidence.get(ev_id)
        if e is None:
            out.add(f, f"parts.{ev_id}", "id", f"unknown evidence {ev_id!r}")
            continue
        if e.type != "yes_no":
            out.add(f, f"parts.{ev_id}", "id", f"parts are for a yes/no question, not {e.type}")
        names = {k.partition(".")[0] for k in parts}
        if len(names) < 2:
            out.add(f, f"parts.{ev_id}", "parts", "a question with parts needs at least two of them")
        # a part may list no words (the question asks it, the text cannot settle it), but some part must
        if not any(entry if isinstance(entry, list) else entry.phrases for entry in parts.values()):
            out.add(f, f"parts.{ev_id}", "phrases", "no part has phrases")
    kinds = {"since": "one_of", "since_yes_no": "yes_no", "episode": "one_of", "frequency": "number",
             "temperature": "yes_no", "gestation": "yes_no"}
    for sid, slot in ph.slots.items():
        e = data.evidence.get(sid)
        if e is None:
            out.add(f, f"slots.{sid}", "id", "unknown evidence")
            continue
        if e.type != kinds[slot.kind]:
            out.add(f, f"slots.{sid}", "kind", f"{slot.kind} needs a {kinds[slot.kind]} question, not {e.type}")
        for cid in slot.choices:
            if cid not in outcome_ids(e):
                out.add(f, f"slots.{sid}", f"choices.{cid}", f"is not one of {', '.join(outcome_ids(e))}")
        if slot.kind in ("since", "episode") and not slot.choices:
            out.add(f, f"slots.{sid}", "choices", f"a {slot.kind} slot needs choices with ranges")
        if slot.kind in ("temperature", "gestation", "since_yes_no") and slot.present_from is None:
            out.add(f, f"slots.{sid}", "present_from", "is required")


def checklist_members(cl: Checklist, evidence: dict[str, Evidence]) -> list[str]:
    """The yes/no evidence a checklist asks about, in pack order."""
    chosen = set(cl.evidence)
    return [e.id for e in evidence.values() if e.type == "yes_no" and (e.id in chosen or (cl.group and e.group == cl.group))]


def outcome_ids(e: Evidence) -> list[str]:
    """The answer ids of a choice or number question: choice ids, or bin ids b0..bn."""
    if e.type == "number":
        return [f"b{i}" for i in range(len(e.bins) + 1)]
    return [c.id for c in e.choices]


YES = {"present", "yes", "true", "y"}
NO = {"absent", "no", "false", "n"}
UNKNOWN = {"unknown", "dont_know", "don't know", "?"}


def answer_problem(e: Evidence, value: Any) -> str | None:
    """Why `value` is not a valid answer to `e`, or None when it is."""
    if isinstance(value, str) and value.lower() in UNKNOWN:
        return None
    if e.type == "yes_no":
        if isinstance(value, bool) or (isinstance(value, str) and value.lower() in YES | NO):
            return None
        return f"{value!r} is not an answer to a yes/no question (present, absent or unknown)"
    if e.type == "one_of":
        if isinstance(value, str) and value in outcome_ids(e):
            return None
        return f"{value!r} is not one of {', '.join(outcome_ids(e))}"
    if e.type == "many_of":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            return "expects a list of choices"
        bad = [v for v in items if v not in outcome_ids(e)]
        if bad:
            return f"{bad[0]!r} is not one of {', '.join(outcome_ids(e))}"
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(float(value)):
        return f"{value!r} is not a number"
    if math.isinf(float(value)) or abs(float(value)) > 1e9:
        return f"{value!r} is out of range"
    return None
