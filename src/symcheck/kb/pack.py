"""A loaded knowledge pack: the validated content plus its compiled arrays."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from symcheck.errors import NotFound
from symcheck.kb.compile import Compiled, compile_pack
from symcheck.kb.loader import PackData, checklist_members, load_pack_data
from symcheck.kb.schema import (
    Complaint,
    Condition,
    Evidence,
    PackMeta,
    Page,
    Phrases,
    Rule,
    Source,
    Specialist,
    Test,
)

DEFAULT_PACK = "spasm"


@dataclass
class Pack:
    path: Path
    meta: PackMeta
    evidence: dict[str, Evidence]
    conditions: dict[str, Condition]
    rules: list[Rule]
    specialists: dict[str, Specialist]
    tests: dict[str, Test]
    sources: dict[str, Source]
    page: Page | None
    compiled: Compiled
    condition_files: dict[str, str] = field(default_factory=dict)
    checklists: dict[str, list[str]] = field(default_factory=dict)  # checklist id -> member evidence ids
    phrases: Phrases | None = None  # phrases.yaml, read by the free-text parser (symcheck.text)

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def version(self) -> str:
        return self.meta.version

    def condition(self, condition_id: str) -> Condition:
        try:
            return self.conditions[condition_id]
        except KeyError:
            raise NotFound("condition", condition_id) from None

    def evidence_item(self, evidence_id: str) -> Evidence:
        try:
            return self.evidence[evidence_id]
        except KeyError:
            raise NotFound("evidence", evidence_id) from None

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise NotFound("rule", rule_id)

    def complaint(self, complaint_id: str) -> Complaint:
        for comp in self.meta.complaints:
            if comp.id == complaint_id:
                return comp
        raise NotFound("complaint", complaint_id)

    def match_complaints(self, text: str, limit: int = 8) -> list[Complaint]:
        """Complaints whose id, label or synonyms contain the text, else the closest by spelling."""
        needle = text.strip().lower()
        if not needle:
            return list(self.meta.complaints[:limit])
        hits = []
        for comp in self.meta.complaints:
            words = [comp.id.replace("_", " "), comp.label, *comp.synonyms]
            if any(needle in w.lower() for w in words):
                hits.append(comp)
        if hits:
            return hits[:limit]
        scored = []
        for comp in self.meta.complaints:
            words = [comp.id.replace("_", " "), comp.label, *comp.synonyms]
            tokens = [t for w in words for t in w.lower().split()] + [w.lower() for w in words]
            best = max(difflib.SequenceMatcher(None, needle, t).ratio() for t in tokens)
            scored.append((best, comp))
        scored.sort(key=lambda x: -x[0])
        return [c for s, c in scored if s >= 0.6][:limit]


def from_data(data: PackData) -> Pack:
    assert data.meta is not None
    return Pack(
        path=data.root,
        meta=data.meta,
        evidence=data.evidence,
        conditions=data.conditions,
        rules=data.rules,
        specialists=data.specialists,
        tests=data.tests,
        sources=data.sources,
        page=data.page,
        compiled=compile_pack(data),
        condition_files=data.condition_files,
        checklists={cl.id: checklist_members(cl, data.evidence) for cl in data.meta.checklists},
        phrases=data.phrases,
    )


def builtin_packs_dir() -> Path:
    return Path(str(resources.files("symcheck") / "packs"))


def pack_search_path() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("SYMCHECK_PACK_PATH", "").split(os.pathsep) if p]
    return [*extra, builtin_packs_dir()]


def resolve_pack(name_or_path: str | Path) -> Path:
    """A pack name (built-in or on SYMCHECK_PACK_PATH) or a folder path."""
    candidate = Path(name_or_path)
    if candidate.is_dir() and (candidate / "pack.yaml").exists():
        return candidate.resolve()
    name = str(name_or_path)
    if "/" not in name and os.sep not in name:
        for base in pack_search_path():
            if (base / name / "pack.yaml").exists():
                return (base / name).resolve()
    if candidate.is_dir():
        return candidate.resolve()  # let the loader report what is missing
    raise NotFound("pack", name)


def available_packs() -> list[str]:
    names: list[str] = []
    for base in pack_search_path():
        if base.is_dir():
            for child in sorted(base.iterdir()):
                if (child / "pack.yaml").exists() and child.name not in names:
                    names.append(child.name)
    return names


def _signature(root: Path) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((str(p), p.stat().st_mtime) for p in root.rglob("*.yaml")))


@lru_cache(maxsize=16)
def _load_cached(root: Path, signature: tuple[tuple[str, float], ...]) -> Pack:
    return from_data(load_pack_data(root))


def load_pack(name_or_path: str | Path = DEFAULT_PACK) -> Pack:
    """Load, validate and compile a pack. Cached while its files are unchanged."""
    root = resolve_pack(name_or_path)
    return _load_cached(root, _signature(root))
