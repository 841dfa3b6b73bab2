"""EVIDENCE_IDS.md: a pack's evidence, specialist, test and source ids on one page, for condition writers and
for people who label stories (the question list without the pack's phrases or likelihoods).

Generated from the pack's YAML files, never written by hand: `python -m symcheck.kb.evidence_ids PACK_DIR`
rewrites it, and a test fails when it no longer matches the YAML.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

FILE_NAME = "EVIDENCE_IDS.md"


def _load(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [d for d in data if isinstance(d, dict) and "id" in d]


def _evidence_line(e: dict[str, Any]) -> str:
    meaning = (e.get("question") or {}).get("clinical") or e.get("label") or ""
    extra: list[str] = []
    if e.get("choices"):
        extra.append("choices: " + ", ".join(str(c["id"]) for c in e["choices"]))
    if e.get("bins"):
        edges = [float(b) for b in e["bins"]]
        parts = [f"b0 <{edges[0]:g}"] + [
            f"b{i + 1} {a:g}-{b:g}" for i, (a, b) in enumerate(zip(edges, edges[1:], strict=False))
        ]
        parts.append(f"b{len(edges)} >={edges[-1]:g}")
        extra.append("bins: " + ", ".join(parts) + (f" ({e['unit']})" if e.get("unit") else ""))
    if e.get("parent"):
        extra.append(f"parent: {e['parent']}" + (f" = {e['parent_value']}" if e.get("parent_value") else ""))
    if e.get("sexes"):
        extra.append(f"sexes {e['sexes']}")
    if e.get("min_age") is not None or e.get("max_age") is not None:
        extra.append(f"ages {e.get('min_age', 0):g}-{e.get('max_age', 130):g}")
    if isinstance(e.get("background"), int | float):
        extra.append(f"background {e['background']:g}")
    tail = f" [{'; '.join(extra)}]" if extra else ""
    return f"- `{e['id']}` ({e.get('type', 'yes_no')}, {e.get('kind', 'symptom')}) — {meaning}{tail}"


def render(pack_dir: Path) -> str:
    name = pack_dir.name
    lines = [
        f"# {name.capitalize()} pack evidence ids",
        "",
        "Generated from evidence.yaml, specialists.yaml, tests.yaml and sources.yaml (the source of truth) by "
        f"`python -m symcheck.kb.evidence_ids src/symcheck/packs/{name}`; do not edit by hand. Format: `id` "
        "(type, kind) — meaning. For one_of/many_of the choice ids follow; for number the bins (b0, b1, ...).",
        "",
        "Likelihood syntax reminder: yes_no `{p: 0.8, source: x}`; one_of/many_of `{values: {choice: p}, source: x}`; "
        "number `{values: {b0: p}, source: x}`.",
        "",
    ]
    lines += [_evidence_line(e) for e in _load(pack_dir / "evidence.yaml")]
    for title, file, field in (
        ("Specialist", "specialists.yaml", "name"),
        ("Test", "tests.yaml", "name"),
        ("Source", "sources.yaml", "citation"),
    ):
        items = _load(pack_dir / file)
        if items:
            lines += ["", f"## {title} ids ({file})", ""]
            lines += [f"- `{d['id']}` — {' '.join(str(d.get(field, '')).split())}" for d in items]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0], "evidence.yaml").is_file():
        print(
            "usage: python -m symcheck.kb.evidence_ids PACK_DIR (a folder with evidence.yaml)",
            file=sys.stderr,
        )
        return 2
    pack_dir = Path(argv[0])
    (pack_dir / FILE_NAME).write_text(render(pack_dir), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
