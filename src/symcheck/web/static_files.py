"""Static files with content fingerprints: pages link ``/static/site.css?v=<hash of the file>``, and a
request that carries the current hash is cached for a year (the address changes with the content);
anything else is revalidated on each use."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from urllib.parse import parse_qs

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

LONG_CACHE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

_lock = threading.Lock()
_hashes: dict[tuple[str, float], str] = {}


def fingerprint(path: Path) -> str | None:
    """A short hash of the file's content (cached while its modification time stays the same)."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    key = (str(path), mtime)
    with _lock:
        found = _hashes.get(key)
    if found is None:
        found = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        with _lock:
            _hashes[key] = found
    return found


class FingerprintedStatic(StaticFiles):
    def __init__(self, directory: Path, fixed_version: str | None = None):
        """``fixed_version``: for a folder that only changes with a pinned package, that package's version
        is the fingerprint (no hashing of megabytes of JavaScript)."""
        super().__init__(directory=directory)
        self.root = Path(directory)
        self.fixed_version = fixed_version

    def version_of(self, name: str) -> str | None:
        if self.fixed_version is not None:
            return self.fixed_version
        return fingerprint(self.root / name)

    def url(self, mount: str, name: str) -> str:
        return f"{mount}/{name}?v={self.version_of(name) or '0'}"

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            wanted = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])[0]
            current = self.version_of(path)
            response.headers["Cache-Control"] = LONG_CACHE if wanted and wanted == current else REVALIDATE
        return response
