"""What the routers get from the app: the pack registry, the store and the API key setting."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from symcheck.api.compute import Pools
from symcheck.api.registry import PackRegistry
from symcheck.store import LazyStore, Store

API_KEY_ENV = "SYMCHECK_API_KEY"
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description=f"the key set in ${API_KEY_ENV}")


@dataclass
class ApiState:
    registry: PackRegistry
    store: LazyStore
    api_key: str | None
    pools: Pools


def state(request: Request) -> ApiState:
    api_state: ApiState = request.app.state.api
    return api_state


# Trivial dependencies are async: FastAPI runs a plain `def` dependency in its thread pool, which cost
# about a millisecond per request in the interview hot path.
async def registry(request: Request) -> PackRegistry:
    return state(request).registry


async def pools(request: Request) -> Pools:
    return state(request).pools


def store(request: Request) -> Store:
    # A thread-pool dependency on purpose: the first call opens (and may migrate) the database.
    return state(request).store.get()


async def require_api_key(request: Request, key: str | None = Security(api_key_header)) -> None:
    expected = state(request).api_key
    if not expected:
        raise HTTPException(403, f"listing stored assessments is disabled on this server (set {API_KEY_ENV})")
    if key is None or not hmac.compare_digest(key.encode(), expected.encode()):
        raise HTTPException(401, "a valid X-API-Key header is required", headers={"WWW-Authenticate": "X-API-Key"})
