"""Fast JSON responses for the hot endpoints.

Returning the pydantic model makes FastAPI validate it again and convert it through Python objects
before encoding (about 3 ms for an interview step of the spasm pack); ``model_dump_json`` encodes the
same model in pydantic-core in tens of microseconds. The route keeps its ``response_model`` for the
OpenAPI schema, and the body is the model's own serialisation, so it conforms by construction.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


class ModelResponse(Response):
    media_type = "application/json"

    def __init__(self, model: BaseModel, status_code: int = 200, headers: dict[str, str] | None = None):
        super().__init__(model.model_dump_json().encode(), status_code=status_code, headers=headers)
