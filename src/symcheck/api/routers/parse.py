"""POST /v1/parse: a person's own words -> complaint, answers with polarity and spans, who it is about."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from symcheck.api.deps import registry
from symcheck.api.models import BODY_ERRORS
from symcheck.api.registry import PackRegistry
from symcheck.api.responses import ModelResponse
from symcheck.text import ParseResult, parse
from symcheck.text.parser import MAX_CHARS
from symcheck.text.summary import Understood, understood

router = APIRouter(prefix="/v1", tags=["parse"])


class ParseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_CHARS, description="what is happening, in the person's words")
    pack: str | None = Field(
        default=None, description="a served pack id; left out, every served pack is tried and the words choose"
    )


class ParseOut(ParseResult):
    understood: list[Understood] = Field(
        default_factory=list, description="one row per answer, in words, for a 'We understood' screen"
    )


@router.post("/parse", response_model=ParseOut, responses=BODY_ERRORS, summary="Free text to answers")
def parse_text(body: ParseIn, packs: PackRegistry = Depends(registry)) -> ModelResponse:
    """Reads free text against the served packs: the complaint (and the pack), evidence answers with
    polarity (present, absent for negations, unknown for hedges), values mapped to the pack's choices and
    bins, age, sex and speaker, character spans for every finding and the phrases it could not place.
    `answers` can be sent as they are to `POST /v1/interview` with `complaint`, `age` and `sex`."""
    if body.pack is not None:
        chosen = [packs.for_request(body.pack)]
    else:
        default = packs.for_request(None)
        chosen = [default] + [p for pid, p in sorted(packs.packs.items()) if pid != default.id]
    result = parse(body.text, chosen if len(chosen) > 1 else chosen[0])
    pack = next(p for p in chosen if p.id == result.pack)
    return ModelResponse(ParseOut(**result.model_dump(), understood=understood(pack, result)))
