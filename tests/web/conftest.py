"""Fixtures for the web tests: a small test pack with a symptom page and a condition whose text tries to
inject markup, served by a bare FastAPI app (the pages alone) or by the API's create_app (with its
security headers)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import symcheck
from symcheck.errors import PackError
from symcheck.kb.pack import Pack
from symcheck.web import mount_web

WEB_PACK = Path(__file__).resolve().parent / "packs" / "webmini"
# The pages show one emergency number, from the setting or the locale; the tests fix it so that they do
# not depend on the machine's locale (tests of the default unset it).
os.environ["SYMCHECK_EMERGENCY_NUMBER"] = "112"


@pytest.fixture(scope="session")
def pack() -> Pack:
    return symcheck.load_pack(WEB_PACK)


def bare_site(pack: Pack) -> Iterator[TestClient]:
    """A pack's web pages alone, on a bare app (no API, no store)."""
    app = FastAPI()
    mount_web(app, pack)
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def client(pack: Pack) -> Iterator[TestClient]:
    yield from bare_site(pack)


@pytest.fixture(scope="session")
def api_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from symcheck.api.app import create_app

    db = tmp_path_factory.mktemp("db") / "web.sqlite"
    app = create_app(packs=[str(WEB_PACK)], database_url=f"sqlite:///{db}")
    with TestClient(app) as c:
        yield c


def hidden_fields(html: str, form_class: str = "question-form") -> list[tuple[str, str]]:
    """The (name, value) hidden inputs of the first form with this class."""
    start = html.index(f'class="{form_class}"')
    end = html.index("</form>", start)
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html[start:end])


def question_id(html: str) -> str:
    m = re.search(r'<input type="hidden" name="q" value="([^"]+)"', html)
    assert m, "no question on the page"
    return m.group(1)


def as_form(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form pairs as httpx wants them (a dict of lists keeps repeated fields and their order)."""
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


@pytest.fixture(scope="module")
def spasm() -> Pack:
    """The built-in spasm pack (its tests skip, with the reason, while it does not validate)."""
    try:
        return symcheck.load_pack("spasm")
    except PackError as exc:
        pytest.skip(f"the spasm pack does not validate yet: {exc}")


@pytest.fixture(scope="module")
def site(spasm: Pack) -> Iterator[TestClient]:
    """The spasm pack's pages alone, on a bare app."""
    yield from bare_site(spasm)

