"""Rare-disease differential from HPO terms (clinician mode), over symcheck.rare.service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from symcheck.api.compute import Pools
from symcheck.api.deps import pools
from symcheck.api.models import BODY_ERRORS, BUSY
from symcheck.api.responses import ModelResponse
from symcheck.rare import service
from symcheck.rare.service import RareResult, rank

router = APIRouter(prefix="/v1/rare", tags=["rare"])

# The schema documents the rules; the service enforces them (not pydantic), so that the Python API, the CLI
# and HTTP accept the same input and answer bad input with the same message (a 422 naming the field).
HpoId = Annotated[
    str,
    Field(
        description="an HPO term id, e.g. HP:0001250 (case and surrounding blanks are forgiven)",
        json_schema_extra={"pattern": r"^\s*[Hh][Pp]:[0-9]{7}\s*$"},
    ),
]
MAX_TOP = service.MAX_TOP
MAX_MATCHES = 30  # per disease, strongest first: bounds the reply to about 400 KB
RARE_DISCLAIMER = (
    "For clinicians. A ranking of rare diseases by how well their HPO annotations fit the phenotype given; "
    "not a diagnosis. Confirm with clinical assessment and genetic testing."
)


class RareRankIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    observed: list[HpoId] = Field(
        description=f"HPO terms the patient has: 1 to {service.MAX_TERMS}; none may also be excluded",
        json_schema_extra={"minItems": 1, "maxItems": service.MAX_TERMS},
    )
    excluded: list[HpoId] = Field(
        default_factory=list,
        description=f"HPO terms ruled out: at most {service.MAX_TERMS}; not an observed term nor an ancestor of one",
        json_schema_extra={"maxItems": service.MAX_TERMS},
    )
    age: float | None = Field(
        None, description=f"age in years, 0 to {service.MAX_AGE:g}",
        json_schema_extra={"minimum": 0, "maximum": service.MAX_AGE},
    )
    sex: str | None = Field(None, description="female, male or unknown (case-insensitive)")
    top: int = Field(
        10, description=f"how many diseases, each with its matched terms: 1 to {service.MAX_TOP}",
        json_schema_extra={"minimum": 1, "maximum": service.MAX_TOP},
    )
    sources: list[str] = Field(
        default_factory=lambda: ["OMIM"],
        description=f"candidate diseases: one or more of {', '.join(service.ALL_SOURCES)}",
        json_schema_extra={"minItems": 1, "items": {"type": "string", "enum": list(service.ALL_SOURCES)}},
    )


class RareRankOut(RareResult):
    disclaimer: str


@router.post("/rank", response_model=RareRankOut, responses={**BODY_ERRORS, **BUSY},
             summary="Rank rare diseases for a set of HPO terms")
async def rare_rank(body: RareRankIn, cpu: Pools = Depends(pools)) -> ModelResponse:
    """Rank OMIM (and optionally Orphanet, DECIPHER) diseases by likelihood ratio of the observed and
    excluded HPO terms, with per-term explanations for the top diseases. The first call on a fresh
    server compiles the HPO index (seconds); later calls reuse it."""
    # One ranking at a time per worker, a bounded queue behind it (see symcheck.api.compute).
    return await cpu.run_rare(_rank, body)


def _rank(body: RareRankIn) -> ModelResponse:
    result = rank(body.observed, body.excluded, body.age, body.sex, top=body.top, sources=body.sources)
    cut = False
    for disease in result.diseases:
        # The strongest matches only: with 400 terms and 50 diseases the full lists made a 3 MB reply.
        if len(disease.matches) > MAX_MATCHES:
            disease.matches = sorted(disease.matches, key=lambda m: -abs(m.log_lr))[:MAX_MATCHES]
            cut = True
    if cut:
        result.notes.append(f"each disease lists its {MAX_MATCHES} strongest matches (largest |log LR|)")
    return ModelResponse(RareRankOut(**result.model_dump(), disclaimer=RARE_DISCLAIMER))
