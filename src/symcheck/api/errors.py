"""Errors as HTTP responses: bad input is a 422 naming the field (FastAPI's shape), unknown ids a 404.

Validation errors keep only ``loc``, ``msg`` and ``type``: echoing the input back could return a large or
personal payload. An unexpected exception is logged and answered with a plain 500 body; Starlette still
re-raises it afterwards, so the test client sees programming errors instead of a hidden 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from symcheck.api.compute import Busy
from symcheck.errors import InputError, NotFound, PackError
from symcheck.store import StoreBusy, StoreUnavailable
from symcheck.store.documents import UnreadableDocument

log = logging.getLogger("symcheck.api")


def field_loc(field: str, root: str = "body") -> list[str | int]:
    """``answers.cramp`` -> ``["body", "answers", "cramp"]`` (an evidence id never contains a dot)."""
    parts: list[str | int] = [root]
    if field:
        parts += field.split(".")
    return parts


def input_error_detail(exc: InputError, root: str = "body") -> list[dict[str, Any]]:
    return [{"loc": field_loc(exc.field, root), "msg": exc.message, "type": "value_error"}]


def _readable(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "invalid value"))
    if err.get("type") == "extra_forbidden":
        return "unknown field (names, contact details and other fields are not accepted)"
    if err.get("type") == "missing":
        return "is required"
    return msg


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = [
        {"loc": list(err.get("loc", ())), "msg": _readable(err), "type": str(err.get("type", "value_error"))}
        for err in exc.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=422)


async def _on_input_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    root = "query" if request.method in ("GET", "DELETE") else "body"
    return JSONResponse({"detail": input_error_detail(exc, root)}, status_code=422)


async def _on_not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=404)


async def _on_pack_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("knowledge pack error: %s", exc)
    return JSONResponse({"detail": "the knowledge pack is not valid on this server"}, status_code=503)


async def _on_busy(request: Request, exc: Exception) -> JSONResponse:
    retry = int(getattr(exc, "retry_after", 1))
    log.warning("busy on %s %s: %s", request.method, request.url.path, exc)  # the message holds no request data
    return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": str(retry)})


async def _on_store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.error("store unavailable: %s", exc)
    return JSONResponse({"detail": "the assessment store is not available on this server"}, status_code=503)


async def _on_unreadable(request: Request, exc: Exception) -> JSONResponse:
    log.error("stored assessment on %s cannot be read: %s", request.url.path, exc)  # places only, no values
    return JSONResponse({"detail": f"this stored assessment cannot be read by this server: {exc}"}, status_code=500)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": "internal error"}, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(InputError, _on_input_error)
    app.add_exception_handler(NotFound, _on_not_found)
    app.add_exception_handler(PackError, _on_pack_error)
    app.add_exception_handler(StoreBusy, _on_busy)  # before StoreUnavailable, its base class
    app.add_exception_handler(Busy, _on_busy)
    app.add_exception_handler(StoreUnavailable, _on_store_unavailable)
    app.add_exception_handler(UnreadableDocument, _on_unreadable)
    app.add_exception_handler(Exception, _on_unexpected)
