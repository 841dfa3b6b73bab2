"""The knowledge packs an API instance serves, loaded once at start-up, and their search indexes."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from symcheck.errors import InputError, NotFound, SymcheckError
from symcheck.kb.pack import DEFAULT_PACK, Pack, available_packs, load_pack
from symcheck.search import SearchIndex

log = logging.getLogger("symcheck.api")

PACKS_ENV = "SYMCHECK_PACKS"
DEFAULT_PACK_ENV = "SYMCHECK_DEFAULT_PACK"


class PackRegistry:
    """Packs by id. Explicitly named packs must load (a bad one stops the server at start-up); when
    none are named, every pack on the search path that validates is served and the others are logged."""

    def __init__(self, packs: Sequence[str | Path] | None = None, default: str | None = None):
        self.packs: dict[str, Pack] = {}
        self.skipped: dict[str, str] = {}
        named = list(packs) if packs is not None else _packs_from_env()
        if named is not None:
            for source in named:
                self._add(load_pack(source))
        else:
            for name in available_packs():
                try:
                    self._add(load_pack(name))
                except SymcheckError as exc:
                    self.skipped[name] = str(exc)
                    log.warning("pack %s is not served: %s", name, exc)
        wanted = default or os.environ.get(DEFAULT_PACK_ENV)
        if wanted and wanted not in self.packs:
            raise NotFound("pack", wanted)
        if wanted:
            self.default_id: str | None = wanted
        elif DEFAULT_PACK in self.packs:
            self.default_id = DEFAULT_PACK
        else:
            self.default_id = next(iter(self.packs), None)
        self._indexes: dict[str, SearchIndex] = {}
        self._lock = threading.Lock()

    def _add(self, pack: Pack) -> None:
        if pack.id in self.packs and self.packs[pack.id].path != pack.path:
            raise InputError("packs", f"two packs have the id {pack.id!r}: {self.packs[pack.id].path} and {pack.path}")
        self.packs[pack.id] = pack

    def get(self, pack_id: str) -> Pack:
        """A pack named in a URL path: unknown is 404."""
        try:
            return self.packs[pack_id]
        except KeyError:
            raise NotFound("pack", pack_id) from None

    def for_request(self, pack_id: str | None, field: str = "pack") -> Pack:
        """A pack named in a request body or query: unknown is a 422 naming the field."""
        if pack_id is None:
            if self.default_id is None:
                raise InputError(field, "no knowledge pack is available on this server")
            return self.packs[self.default_id]
        if pack_id not in self.packs:
            served = ", ".join(sorted(self.packs)) or "none"
            raise InputError(field, f"unknown pack {pack_id!r} (served: {served})")
        return self.packs[pack_id]

    def index(self, pack: Pack) -> SearchIndex:
        with self._lock:
            found = self._indexes.get(pack.id)
            if found is None:
                found = SearchIndex.build(pack)
                self._indexes[pack.id] = found
            return found


def _packs_from_env() -> list[str] | None:
    raw = os.environ.get(PACKS_ENV, "").strip()
    if not raw:
        return None
    return [p for p in raw.split(os.pathsep) if p]
