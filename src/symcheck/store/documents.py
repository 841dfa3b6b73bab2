"""Versions of the stored assessment document, and how to read each one today.

Every row records the format its payload was written in. Reading applies the upgrade of each later format
in turn and validates the result against today's ``symcheck.results.Assessment``, so a row written by an
older symcheck stays readable after the result format changes. When a change to ``Assessment`` would make
older documents fail validation (a field renamed, a new field without a default, a narrower type), bump
FORMAT and add the upgrade from the previous one to UPGRADES; tests/store/formats holds a real document of
every format and the suite reads each of them.

Format 1: the ``Assessment`` dump as stored before rows carried a format (up to 2026-12-07).
Format 2: the same document; from this format on a row also carries the SHA-256 of its own secret.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from symcheck.errors import SymcheckError
from symcheck.results import Assessment

FORMAT = 2

Document = dict[str, Any]


def _v1_to_v2(doc: Document) -> Document:
    return doc  # the layout did not change; format 2 only marks rows that have a secret


# UPGRADES[n] turns a format-n document into format n + 1.
UPGRADES: dict[int, Callable[[Document], Document]] = {1: _v1_to_v2}


class UnreadableDocument(SymcheckError):
    """A stored document that no reader understands (a future format, or damaged data)."""


def upgrade(doc: Document, fmt: int) -> Document:
    if fmt > FORMAT:
        raise UnreadableDocument(f"stored in format {fmt}, newer than this server's {FORMAT}")
    for version in range(fmt, FORMAT):
        doc = UPGRADES[version](doc)
    return doc


def read_assessment(doc: Document, fmt: int) -> Assessment:
    """The stored document as today's Assessment."""
    try:
        return Assessment.model_validate(upgrade(doc, fmt))
    except ValidationError as exc:
        # Only the places, never the values: the document holds health data.
        where = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors()[:3])
        raise UnreadableDocument(f"stored in format {fmt} but does not read as one (at {where})") from None
