"""Rare-disease differential from HPO terms (clinician mode), over symcheck.rare.service."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from symcheck.api.models import BODY_ERRORS
from symcheck.rare.service import RareResult, rank

router = APIRouter(prefix="/v1/rare", tags=["rare"])

HpoId = Annotated[str, Field(pattern=r"^HP:\d{7}$", description="an HPO term id, e.g. HP:0001250")]
RARE_DISCLAIMER = (
    "For clinicians. A ranking of rare diseases by how well their HPO annotations fit the phenotype given; "
    "not a diagnosis. Confirm with clinical assessment and genetic testing."
)


class RareRankIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    observed: list[HpoId] = Field(min_length=1, max_length=200, description="HPO terms the patient has")
    excluded: list[HpoId] = Field(default_factory=list, max_length=200, description="HPO terms ruled out")
    age: float | None = Field(None, ge=0, le=130, allow_inf_nan=False, description="age in years")
    sex: Literal["female", "male"] | None = None
    top: int = Field(10, ge=1, le=50)
    sources: list[Literal["OMIM", "ORPHA", "DECIPHER"]] = Field(default_factory=lambda: ["OMIM"], min_length=1,
                                                                max_length=3)


class RareRankOut(RareResult):
    disclaimer: str


@router.post("/rank", response_model=RareRankOut, responses=BODY_ERRORS, summary="Rank rare diseases for a set of HPO terms")
def rare_rank(body: RareRankIn) -> RareRankOut:
    """Rank OMIM (and optionally Orphanet, DECIPHER) diseases by likelihood ratio of the observed and
    excluded HPO terms, with per-term explanations for the top diseases. The first call on a fresh
    server compiles the HPO index (seconds); later calls reuse it."""
    result = rank(body.observed, body.excluded, body.age, body.sex, top=body.top,
                  sources=list(dict.fromkeys(body.sources)))
    return RareRankOut(**result.model_dump(), disclaimer=RARE_DISCLAIMER)
