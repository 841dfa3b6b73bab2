"""The interactive API docs (/docs): Swagger UI 5 (it reads OpenAPI 3.1) from the pinned ``fastapi-offline``
package's copy, served by this app, so the page works offline and its CSP allows this origin only (no CDN,
no inline script)."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
LONG_CACHE = "public, max-age=31536000, immutable"

INIT_JS = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""


def swagger_assets() -> tuple[Path, str] | None:
    """The folder of Swagger UI's files and the pinned package's version, or None when it is missing."""
    try:
        import fastapi_offline
    except ImportError:
        return None
    from importlib.metadata import version

    return Path(fastapi_offline.__file__).resolve().parent / "static", version("fastapi-offline")


class _Versioned(StaticFiles):
    """Files under a path that names the package version: they never change, so cache them for a year."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = LONG_CACHE
        return response


def install_docs(app: FastAPI) -> None:
    found = swagger_assets()
    if found is None:
        return  # no docs page rather than one that loads from the internet
    folder, version = found
    base = f"/docs/assets/{version}"
    app.mount(base, _Versioned(directory=folder), name="docs-assets")
    title = html.escape(f"{app.title} {app.version}: API docs")
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{base}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{base}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js?v={version}"></script>
</body>
</html>
"""

    @app.api_route("/docs", methods=["GET", "HEAD"], include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": DOCS_CSP})

    @app.get("/docs/init.js", include_in_schema=False)
    async def docs_init() -> Response:
        return Response(INIT_JS, media_type="text/javascript", headers={"Cache-Control": "no-cache"})
