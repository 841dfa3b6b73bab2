import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from symcheck.api import create_app
from symcheck.store import open_store

_tmp = tempfile.TemporaryDirectory()
app = create_app(["tests/packs/mini", "spasm"], store=open_store(f"sqlite:///{Path(_tmp.name) / 'api.db'}"), api_key="k")
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance]

@schema.parametrize()
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
def test_big(case):
    case.call_and_validate(checks=CHECKS)
