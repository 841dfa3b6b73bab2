"""Views that publishers frame on their own pages: the whole symptom checker at /embed/check and the
search box at /embed/search, plus the "For publishers" page at /publishers.

Who may frame them is a setting: SYMCHECK_EMBED_ORIGINS (origins separated by spaces or commas, e.g.
``https://news.example https://*.health.example``) becomes the ``frame-ancestors`` of these views only; every
other response keeps ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``. The site's own origin may
always frame them (the live preview on /publishers).

/embed/check is the site's checker itself, not a copy: the request is handed to the site's /check routes
with its path changed, and the page that comes back is adapted for a frame (its forms and redirects stay
under /embed/check and keep the publisher's theme; links to the site's pages open in a new tab, since those
refuse to be framed). The checker keeps nothing on the server, framed or not.

The publisher's theme (accent colour, font) arrives as query parameters, is validated here and served as a
stylesheet of CSS custom properties (/embed/theme.css), so no inline style is needed and the Content
Security Policy stays strict. embed.js (the snippet) and embed-frame.js (inside the frame) size the frame
to its content with postMessage, each side checking the other's origin.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from symcheck.errors import InputError
from symcheck.web.site import pack_for, render, site_url

EMBED_ORIGINS_ENV = "SYMCHECK_EMBED_ORIGINS"
router = APIRouter(include_in_schema=False)

# scheme://host[:port], the host optionally starting with "*." (CSP host-source wildcards)
_ORIGIN = re.compile(r"^(https?)://(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$")
_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_FAMILY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{0,48}$")
GENERIC_FONTS = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "ui-serif",
                 "ui-sans-serif", "ui-monospace", "ui-rounded"}
MAX_FRAME_HEIGHT = 20000


# ----- who may frame the embed views ---------------------------------------------------------------


def parse_origins(raw: str | Iterable[str] | None, setting: str = EMBED_ORIGINS_ENV) -> list[str]:
    """Origins from the setting: ``scheme://host[:port]`` each (http or https; a host may start with
    ``*.``), separated by spaces or commas; a trailing slash is dropped. Anything else raises InputError
    naming the setting and the bad entry."""
    items = re.split(r"[\s,]+", raw) if isinstance(raw, str) else list(raw or [])
    out: list[str] = []
    for item in items:
        origin = item.strip().lower().rstrip("/")
        if not origin:
            continue
        m = _ORIGIN.match(origin)
        if m is None or (m.group(4) is not None and not 0 < int(m.group(4)) < 65536):
            raise InputError(setting, f"{item!r} is not an origin like https://news.example or "
                                      "https://*.example.org (scheme, host and optional port; no path)")
        if origin not in out:
            out.append(origin)
    return out


def allowed_origins(request: Request) -> list[str]:
    """The app's setting (create_app(embed_origins=...)), else $SYMCHECK_EMBED_ORIGINS."""
    configured = getattr(request.app.state, "embed_origins", None)
    if configured is not None:
        return list(configured)
    return parse_origins(os.environ.get(EMBED_ORIGINS_ENV, ""))


def origin_allowed(origin: str, allowed: Sequence[str]) -> bool:
    """Whether a concrete origin (a page that frames us) matches one of the allowed origins."""
    for pattern in allowed:
        if pattern == origin:
            return True
        if "://*." in pattern:
            scheme, rest = pattern.split("://*.", 1)
            o = urlsplit(origin)
            host_port = o.netloc
            if o.scheme == scheme and (host_port.endswith("." + rest)):
                return True
    return False


def frame_csp(allowed: Sequence[str], form_targets: Sequence[str] = ()) -> str:
    ancestors = " ".join(["'self'", *allowed])
    forms = " ".join(["'self'", *form_targets])
    return f"default-src 'self'; base-uri 'self'; frame-ancestors {ancestors}; form-action {forms}"


# ----- the publisher's theme -----------------------------------------------------------------------


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_with_white(rgb: tuple[float, float, float]) -> float:
    return 1.05 / (_luminance(rgb) + 0.05)


def accent_colours(raw: str) -> tuple[str, str] | None:
    """(accent, darker accent) for buttons and links, or None for an invalid colour. An accent too light
    for white button text and for links on white (WCAG AA, 4.5:1) is darkened, keeping its hue, until it
    passes: the publisher's brand must not make the checker's buttons unreadable."""
    if not _HEX.match(raw.strip()):
        return None
    rgb: tuple[float, float, float] = _rgb(raw.strip())
    for _ in range(60):
        if contrast_with_white(rgb) >= 4.6:
            break
        rgb = tuple(c * 0.95 for c in rgb)  # type: ignore[assignment]
    dark = tuple(c * 0.75 for c in rgb)

    def fmt(c: tuple[float, ...]) -> str:
        return "#" + "".join(f"{round(x):02x}" for x in c)

    return fmt(rgb), fmt(dark)


def font_stack(raw: str) -> str | None:
    """A CSS font-family list from comma-separated family names, each re-quoted here (generic families
    bare), or None when a name holds anything but letters, digits, spaces and hyphens."""
    names = [n.strip().strip("'\"").strip() for n in raw.split(",")]
    names = [n for n in names if n]
    if not names or len(names) > 6 or not all(_FAMILY.match(n) for n in names):
        return None
    return ", ".join(n if n.lower() in GENERIC_FONTS else f'"{n}"' for n in names)


def theme_css(accent: str = "", font: str = "") -> str:
    lines = []
    colours = accent_colours(accent) if accent else None
    if colours:
        main, dark = colours
        lines.append(f":root {{ --primary: {main}; --primary-dark: {dark}; --link: {main}; }}")
    stack = font_stack(font) if font else None
    if stack:
        lines.append(f"body, button, input, select, textarea {{ font-family: {stack}; }}")
    return "\n".join(lines) + "\n"


# ----- the framed views ---------------------------------------------------------------------------


def _carry(request: Request, allowed: Sequence[str]) -> list[tuple[str, str]]:
    """The embed parameters that every step keeps: the theme and the framing page's origin (only when it
    is allowed to frame us, so the frame never talks to a page it should not)."""
    q = request.query_params
    out: list[tuple[str, str]] = []
    if q.get("accent") and accent_colours(q["accent"]):
        out.append(("accent", q["accent"].strip()))
    if q.get("font") and font_stack(q["font"]):
        out.append(("font", q["font"].strip()))
    parent = (q.get("origin") or "").strip().lower().rstrip("/")
    if parent and (origin_allowed(parent, allowed) or parent == site_url(request).lower()):
        out.append(("origin", parent))
    return out


def _embed_state(request: Request, carry: list[tuple[str, str]]) -> dict[str, Any]:
    params = dict(carry)
    theme = [(k, v) for k, v in carry if k in ("accent", "font")]
    return {"parent": params.get("origin", ""), "theme_query": urlencode(theme), "carry": urlencode(carry)}


_URL_ATTR = re.compile(r'(?<![\w-])(?P<attr>action|href|formaction)="(?P<url>/check[^"]*)"')
_FORM = re.compile(r"<form\b[^>]*>")
_AUTOFOCUS = re.compile(r"(?<=[\w\"'])\s+autofocus(?=[\s>])")
_SITE_LINK = re.compile(r'<a\b(?P<attrs>[^>]*?)\shref="(?P<url>/(?!embed/|check)[^"]*)"(?P<rest>[^>]*)>')


def _framed_url(url: str, carry: str, escaped: bool) -> str:
    """/check... becomes /embed/check... with the carried parameters added."""
    if not carry:
        return "/embed" + url
    sep = ("&amp;" if escaped else "&") if "?" in url else "?"
    return "/embed" + url + sep + (html.escape(carry) if escaped else carry)


def adapt_page(body: str, carry: str) -> str:
    """The site's checker page made to work in a frame. Forms and links to /check... go to /embed/check...
    with the carried parameters: as hidden fields in a GET form (a browser replaces the query of a GET
    form's action with the form's fields), in the address otherwise. The FHIR download opens in a new tab
    (a file, not a step); links to the site's own pages open in a new tab too, since those refuse frames."""
    fields = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in parse_qsl(carry))

    def form(m: re.Match[str]) -> str:
        tag = m.group(0)
        action = _URL_ATTR.search(tag)
        if action is None or action.group("attr") != "action":
            return tag
        url = html.unescape(action.group("url"))
        if url.startswith(("/check/fhir", "/check/complaints")):
            return tag[:-1] + ' target="_blank">'
        if re.search(r'method="get"', tag, flags=re.IGNORECASE):
            return tag.replace(action.group(0), f'action="/embed{action.group("url")}"') + fields
        return tag.replace(action.group(0), f'action="{_framed_url(action.group("url"), carry, escaped=True)}"')

    def attr(m: re.Match[str]) -> str:
        if m.group("attr") == "action" or html.unescape(m.group("url")).startswith(("/check/fhir", "/check/complaints")):
            return m.group(0)  # forms are done above
        return f'{m.group("attr")}="{_framed_url(m.group("url"), carry, escaped=True)}"'

    def link(m: re.Match[str]) -> str:
        if "target=" in m.group(0):
            return m.group(0)
        return f'<a{m.group("attrs")} href="{m.group("url")}" target="_blank" rel="noopener"{m.group("rest")}>'

    body = _FORM.sub(form, body)
    # Browsers block autofocus in a cross-origin frame (and report it as an error); embed-frame.js moves
    # the focus instead, only once the reader is working inside the frame.
    body = _AUTOFOCUS.sub(" data-autofocus", body)
    return _SITE_LINK.sub(link, _URL_ATTR.sub(attr, body))


async def _inner(request: Request, path: str, state: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Run the site's own route for ``path`` (same method, query and body) and collect its response."""
    body = await request.body()
    scope = dict(request.scope)
    scope["path"] = path
    scope["raw_path"] = path.encode()
    scope["state"] = {**request.scope.get("state", {}), "embed": state}
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    status = 500
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = list(message.get("headers", ()))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await request.app.router(scope, receive, send)
    return status, headers, b"".join(chunks)


@router.api_route("/embed/check{rest:path}", methods=["GET", "HEAD", "POST"], response_model=None)
async def embed_check(request: Request, rest: str = "") -> Response:
    """The site's checker, framed: every /check address has an /embed/check twin."""
    if rest and not rest.startswith("/"):
        return PlainTextResponse("Not found", status_code=404)
    allowed = allowed_origins(request)
    carry = _carry(request, allowed)
    state = _embed_state(request, carry)
    status, headers, body = await _inner(request, "/check" + rest, state)
    out_headers: dict[str, str] = {}
    media_type = ""
    for name, value in headers:
        key, text = name.decode().lower(), value.decode("latin-1")
        if key == "content-type":
            media_type = text
        elif key == "location" and text.startswith("/check") and not text.startswith("/check/fhir"):
            out_headers["location"] = _framed_url(text, state["carry"], escaped=False)
        elif key not in ("content-length", "content-security-policy", "x-frame-options"):
            out_headers[key] = text
    if media_type.startswith("text/html"):
        body = adapt_page(body.decode(), state["carry"]).encode()
    out_headers["content-security-policy"] = frame_csp(allowed)
    out_headers["cache-control"] = "no-store"
    return Response(body if request.method != "HEAD" else b"", status_code=status, headers=out_headers,
                    media_type=media_type or None)


@router.api_route("/embed/search", methods=["GET", "HEAD"], response_class=HTMLResponse)
def embed_search(request: Request, results: str = Query("", max_length=500)) -> HTMLResponse:
    """A search box with suggestions. Results open in the publisher's own results page (``results``, a
    page on an allowed origin that reads ``q``) in the top window, else on this site in a new tab."""
    allowed = allowed_origins(request)
    carry = _carry(request, allowed)
    request.state.embed = _embed_state(request, carry)
    target_url = ""
    if results:
        parts = urlsplit(results)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        if parts.scheme in ("http", "https") and parts.netloc and origin_allowed(origin, allowed):
            target_url = results
    response = render(request, "embed_search.html", pack=pack_for(request), page_title="Search",
                      results_url=target_url)
    form_targets = [f"{urlsplit(target_url).scheme}://{urlsplit(target_url).netloc}"] if target_url else []
    response.headers["content-security-policy"] = frame_csp(allowed, form_targets)
    return response


@router.get("/embed/theme.css")
def embed_theme(accent: str = Query("", max_length=20), font: str = Query("", max_length=300)) -> Response:
    """The publisher's theme as CSS custom properties (invalid values are left out)."""
    return Response(theme_css(accent, font), media_type="text/css",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.api_route("/publishers", methods=["GET", "HEAD"], response_class=HTMLResponse)
def publishers_page(request: Request) -> HTMLResponse:
    pack = pack_for(request)
    base = site_url(request)
    complaint = pack.meta.complaints[0].id if pack.meta.complaints else ""
    return render(
        request,
        "publishers.html",
        pack=pack,
        nav="publishers",
        page_title="For publishers: embed the symptom checker",
        base=base,
        example_complaint=complaint,
        origins=allowed_origins(request),
        setting=EMBED_ORIGINS_ENV,
        preview_src="/embed/check?" + urlencode({"origin": base, **({"complaint": complaint} if complaint else {})}),
    )
