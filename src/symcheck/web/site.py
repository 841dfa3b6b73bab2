"""What every page needs: the pack being served, the Jinja2 environment and HTML responses."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from symcheck import __version__
from symcheck.emergency import emergency_number, localise
from symcheck.kb import jsonld
from symcheck.kb import page as page_mod
from symcheck.kb.pack import DEFAULT_PACK, Pack, load_pack
from symcheck.results import ACTIONS
from symcheck.web.static_files import fingerprint

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
PUBLIC_URL_ENV = "SYMCHECK_PUBLIC_URL"

LEVEL_CLASSES = {
    "emergency_ambulance": "level-emergency",
    "emergency": "level-emergency",
    "consultation_24": "level-urgent",
    "consultation": "level-doctor",
    "self_care": "level-selfcare",
}

env = Environment(
    loader=FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=select_autoescape(["html"], default_for_string=True, default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
env.globals.update(
    version=__version__,
    ACTIONS=ACTIONS,
    LEVEL_TITLES=page_mod.LEVEL_TITLES,
    LEVEL_CLASSES=LEVEL_CLASSES,
    format_date=page_mod.format_date,
    category_slug=page_mod.category_slug,
    category_title=page_mod.category_title,
    jsonld=jsonld,
)
env.filters["plain"] = page_mod.markdown_to_plain


def static_url(name: str) -> str:
    """The address of a static file with its content hash, cached for a year by browsers (static_files)."""
    return f"/static/{name}?v={fingerprint(STATIC_DIR / name) or __version__}"


env.globals["static_url"] = static_url
# a chance that rounds to 0% reads as "impossible"; a cause still listed is not that
env.filters["pct"] = lambda p: f"{round(float(p) * 100)}%" if float(p) >= 0.005 or float(p) == 0 else "<1%"


def pack_for(request: Request) -> Pack:
    """The pack this app serves: given to mount_web, else app.state.pack (a Pack or a name), else
    $SYMCHECK_PACK, else the default pack."""
    chosen = getattr(request.app.state, "web_pack", None)
    if chosen is None:
        chosen = getattr(request.app.state, "pack", None)
    if chosen is None:
        chosen = os.environ.get("SYMCHECK_PACK") or DEFAULT_PACK
    if isinstance(chosen, Pack):
        return chosen
    return load_pack(chosen)


def condition_resolver(pack: Pack) -> page_mod.LinkResolver:
    def resolve(cid: str) -> tuple[str, str] | None:
        c = pack.conditions.get(cid)
        return (f"/conditions/{cid}", c.name) if c else None

    return resolve


def markdown(pack: Pack, text: str, heading_level: int = 3) -> Markup:
    return page_mod.render_markdown(text, condition_resolver(pack), heading_level=heading_level)


def site_url(request: Request) -> str:
    """The site's public address for canonical links and structured data: $SYMCHECK_PUBLIC_URL when set
    (behind a proxy), else the address the request came to."""
    configured = os.environ.get(PUBLIC_URL_ENV, "").strip()
    return (configured or str(request.base_url)).rstrip("/")


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    pack = context.get("pack") or pack_for(request)
    context.setdefault("pack", pack)
    context.setdefault("page_title", "")
    context.setdefault("nav", "")
    context.setdefault("search_query", "")
    context["md"] = lambda text, level=3: markdown(pack, text, level)
    context["request_path"] = request.url.path
    context.setdefault("site_url", site_url(request))
    context.setdefault("canonical", context["site_url"] + request.url.path if status_code == 200 else "")
    # set by symcheck.web.embed for the framed views: no site header or footer, the publisher's theme
    context.setdefault("embed", getattr(request.state, "embed", None))
    number = emergency_number()
    context.setdefault("emergency_number", number)
    # pack texts that list several countries' numbers name the user's one (SYMCHECK_EMERGENCY_NUMBER)
    body = localise(env.get_template(template).render(**context), number)
    return HTMLResponse(body, status_code=status_code, headers={"Cache-Control": "no-store"}
                        if template.startswith("check") else None)
