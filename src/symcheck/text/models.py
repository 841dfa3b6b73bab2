"""What a parse returns: plain pydantic objects that every interface (CLI, API, web) shows as they are."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Polarity = Literal["present", "absent", "unknown"]


class Span(BaseModel):
    start: int = Field(ge=0, description="character offset where the words start")
    end: int = Field(ge=0, description="character offset just after the words")
    text: str


class Finding(BaseModel):
    """One thing the text says, tied to the pack question it answers."""

    evidence_id: str
    value: str | float | None = Field(
        default=None, description="a choice id (one_of/many_of), a number, or None for a yes/no item"
    )
    polarity: Polarity = Field(description="present, absent (negated) or unknown (hedged: 'not sure if', 'maybe')")
    span: Span = Field(description="the words that were understood")
    cue: Span | None = Field(default=None, description="the negation or hedge that changed the polarity")
    time: Literal["now", "past"] = "now"
    source: Literal["phrase", "number", "duration", "frequency", "temperature", "complaint"] = "phrase"
    red_flag: bool = Field(default=False, description="the evidence appears in one of the pack's red-flag rules")
    used: bool = Field(default=True, description="false when it does not become an answer (past symptom, wrong sex or age)")
    label: str = ""
    part: str | None = Field(
        default=None, description="which part of a question that asks about several things this answers ('vomiting')"
    )


class Person(BaseModel):
    age: float | None = None
    sex: Literal["female", "male"] | None = None
    speaker: Literal["self", "other"] = "self"
    relation: str | None = Field(default=None, description="who the person is to the writer: dad, daughter, ...")
    pregnant: bool | None = None
    spans: list[Span] = []


class ParseResult(BaseModel):
    text: str
    pack: str
    complaint: str | None = Field(default=None, description="the complaint id the words point to, or None")
    complaint_span: Span | None = None
    complaint_scores: dict[str, float] = {}
    pack_scores: dict[str, float] = Field(
        default_factory=dict, description="when several packs were tried: the best complaint score in each"
    )
    person: Person = Person()
    findings: list[Finding] = []
    answers: dict[str, Any] = Field(
        default_factory=dict, description="evidence id -> answer, ready for the interview (unknowns left out)"
    )
    unplaced: list[Span] = Field(default_factory=list, description="phrases the parser could not place")
    corrections: dict[str, str] = Field(default_factory=dict, description="misspelt word -> word it was read as")

    def red_flags(self, polarity: Polarity = "present") -> set[str]:
        return {f.evidence_id for f in self.findings if f.red_flag and f.used and f.polarity == polarity}
