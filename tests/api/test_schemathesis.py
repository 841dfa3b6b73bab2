"""A bounded, derandomised schemathesis run over every operation of the OpenAPI spec: no 5xx, and every
response conforms to the schema (status codes, content types, bodies)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from symcheck.api import create_app
from symcheck.store import open_store
from tests.conftest import MINI

_tmp = tempfile.TemporaryDirectory(prefix="symcheck-schemathesis-")
_store = open_store(f"sqlite:///{Path(_tmp.name) / 'api.db'}")
app = create_app([MINI], store=_store, api_key="fuzz-key")
schema = schemathesis.openapi.from_asgi("/openapi.json", app)

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@schema.parametrize()
@settings(max_examples=25, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_conforms_to_its_schema(case):
    case.call_and_validate(checks=CHECKS)
