"""The web site: symptom and condition pages, search and the symptom checker, served by the API's app.

`mount_web(app)` adds the pages and /static to a FastAPI app; `symcheck serve` calls it through
`symcheck.api.app.create_app`. Pages are rendered on the server; no front-end build step.
"""

from __future__ import annotations

from fastapi import FastAPI

from symcheck.kb.pack import Pack
from symcheck.web.embed import router as embed_router
from symcheck.web.freetext import router as freetext_router
from symcheck.web.routes import router
from symcheck.web.site import STATIC_DIR
from symcheck.web.static_files import FingerprintedStatic


def mount_web(app: FastAPI, pack: Pack | str | None = None) -> None:
    """Serve the site from `app`. The pack is `pack`, else app.state.pack, else $SYMCHECK_PACK, else the
    default pack (see site.pack_for)."""
    if pack is not None:
        app.state.web_pack = pack
    app.include_router(router)
    app.include_router(freetext_router)  # the free-text start of the checker (issue 13)
    app.include_router(embed_router)
    app.mount("/static", FingerprintedStatic(STATIC_DIR), name="static")


__all__ = ["mount_web"]
