"""ASGI middleware: the request body guard (size, timeout, duplicate JSON keys), security headers on every
response, no caching of health data, and redirects that never echo the Host header."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from symcheck.api.errors import input_error_detail
from symcheck.validation import DuplicateKey, loads_json

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = "default-src 'self'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


async def _reply(send: Send, status: int, detail: object, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    *(headers or [])],
    })
    await send({"type": "http.response.body", "body": body})


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False


class BodySizeLimit:
    """Read the request body before the app sees it, and refuse it when it is bad in a way the app cannot
    see or should not wait for:

    - over ``max_bytes``: 413 (a declared Content-Length at once, a chunked body as soon as it passes);
    - not all there within ``body_timeout`` seconds of the request (a chunked body that never ends, a
      Content-Length larger than what is sent, a client that trickles): 408 and the connection is closed,
      so a stalled client holds nothing for longer than that;
    - a JSON object with a duplicate key: 422 naming it, since json.loads keeps the last value silently
      (``{"answers": {"seizure": "present"}, "answers": {}}`` would drop a red flag).

    The body read here is replayed to the app unchanged.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, body_timeout: float = 10.0):
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = f"request body over {self.max_bytes} bytes"
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _reply(send, 400, "invalid Content-Length")
                    return
                if declared > self.max_bytes:
                    await _reply(send, 413, too_large, [(b"connection", b"close")])
                    return
        chunks: list[bytes] = []
        size = 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0.0))
            except TimeoutError:
                await _reply(send, 408, f"the request body did not arrive within {self.body_timeout:g} s",
                             [(b"connection", b"close")])
                return
            if message["type"] != "http.request":
                # Client went away before sending its body: nothing to serve.
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _reply(send, 413, too_large, [(b"connection", b"close")])
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and _is_json(scope):
            try:
                loads_json(body)
            except DuplicateKey as exc:
                await _reply(send, 422, input_error_detail(exc))
                return
            except RecursionError:
                await _reply(send, 400, "JSON nested too deeply")
                return
            except ValueError:
                pass  # not JSON or not UTF-8: the app answers that with its usual error
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class SecurityHeaders:
    """CSP default-src 'self', nosniff, no referrer, no framing. A response that sets its own CSP (the
    API docs page, which loads Swagger UI; the embed views, framed by the origins a deployment allows)
    keeps it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                own_csp = b" ".join(v for n, v in headers if n.lower() == b"content-security-policy")
                if not own_csp:
                    headers.append((b"content-security-policy", CSP.encode()))
                elif b"frame-ancestors" in own_csp and b"frame-ancestors 'none'" not in own_csp:
                    # the embed views name who may frame them; X-Frame-Options cannot, so it must not say DENY
                    present.add(b"x-frame-options")
                headers += [h for h in SECURITY_HEADERS if h[0] not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


# Public knowledge (packs, conditions, search) may be cached; everything else under /v1 carries a person's
# answers or results.
CACHEABLE_PREFIXES = ("/v1/packs", "/v1/search")


class PrivateResponses:
    """``Cache-Control: no-store`` on every /v1 response that may hold health data (interview, triage,
    explain, recommend, stored assessments, rare-disease ranking), unless the response sets its own; and
    a redirect's Location never names the host the client sent: an absolute Location built from the Host
    header (Starlette's trailing-slash redirect, ``url_for``) is made relative, so ``Host: evil.example``
    cannot send a user elsewhere."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        private = path.startswith("/v1/") and not path.startswith(CACHEABLE_PREFIXES)
        host = next((v.decode("latin-1") for n, v in scope.get("headers", ()) if n == b"host"), None)

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if private and not any(n.lower() == b"cache-control" for n, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                if 300 <= message["status"] < 400:
                    headers = [(n, _relative(v, host) if n.lower() == b"location" else v) for n, v in headers]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


def _relative(location: bytes, host: str | None) -> bytes:
    parts = urlsplit(location.decode("latin-1"))
    if not parts.netloc or (host is not None and parts.netloc.lower() != host.lower()):
        return location  # already relative, or a deliberate link elsewhere
    rel = parts.path or "/"
    if rel.startswith("//"):
        rel = "/" + rel.lstrip("/")  # "//evil.example" would be read as another host
    if parts.query:
        rel += "?" + parts.query
    if parts.fragment:
        rel += "#" + parts.fragment
    return rel.encode("latin-1")
