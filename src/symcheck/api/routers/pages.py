"""The pack's pages as JSON, for publishers who render them in their own layout: the symptom page and one
page per condition, with the same sections, warning signs, sources, review record and schema.org data as
the web pages (symcheck.kb.page and symcheck.kb.jsonld build both)."""

from __future__ import annotations

import datetime as dt
import html
import os
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from symcheck.api.deps import registry
from symcheck.api.models import ErrorOut
from symcheck.api.registry import PackRegistry
from symcheck.emergency import emergency_number, localise
from symcheck.errors import NotFound
from symcheck.kb import jsonld
from symcheck.kb import page as page_mod
from symcheck.kb.pack import Pack
from symcheck.kb.schema import Condition, Source
from symcheck.results import ACTIONS

router = APIRouter(prefix="/v1", tags=["pages"])
NOT_FOUND = {404: {"model": ErrorOut, "description": "unknown pack or page"}}
PackId = Annotated[str, Path(max_length=120, description="pack id, e.g. spasm")]
PageId = Annotated[str, Path(max_length=120, description="the symptom page's id or a condition id")]
PUBLIC_URL_ENV = "SYMCHECK_PUBLIC_URL"


class PageLink(BaseModel):
    id: str
    kind: Literal["symptom", "condition"]
    title: str
    url: str = Field(description="the page on this site")


class Section(BaseModel):
    id: str
    title: str
    markdown: str = Field(description="the pack's text; [[id]] links are condition ids")
    html: str = Field(description="the same as safe HTML (links absolute, to this site)")
    sources: list[str] = []


class WarningRule(BaseModel):
    message: str
    while_waiting: str = ""


class WarningLevel(BaseModel):
    level: str
    title: str
    action: str
    rules: list[WarningRule]


class PageSource(BaseModel):
    id: str
    citation: str
    url: str | None
    checked: dt.date


class PageReview(BaseModel):
    reviewer: str
    last_reviewed: dt.date | None
    next_review: dt.date | None
    overdue: bool


class PageOut(PageLink):
    pack: str
    pack_version: str
    summary: str = Field(description="Markdown")
    sections: list[Section]
    warning_signs: list[WarningLevel]
    sources: list[PageSource]
    review: PageReview
    disclaimer: str
    structured_data: dict[str, Any] = Field(description="schema.org JSON-LD, as embedded in the web page")


def _base_url(request: Request) -> str:
    return (os.environ.get(PUBLIC_URL_ENV, "").strip() or str(request.base_url)).rstrip("/")


def _symptom_page_id(pack: Pack) -> str:
    return pack.page.id if pack.page else pack.id


def _html(pack: Pack, base: str, text: str) -> str:
    def resolve(cid: str) -> tuple[str, str] | None:
        c = pack.conditions.get(cid)
        return (f"{base}/conditions/{cid}", c.name) if c else None

    return str(page_mod.render_markdown(text, resolve, heading_level=3))


def _section(pack: Pack, base: str, sid: str, title: str, text: str, sources: list[str] | None = None) -> Section:
    return Section(id=sid, title=title, markdown=text, html=_html(pack, base, text), sources=sources or [])


def _list(sid: str, title: str, items: list[str]) -> Section:
    """A section from a list of plain strings (the web page shows these as text, not Markdown)."""
    lis = "".join(f"<li>{html.escape(item)}</li>" for item in items)
    return Section(id=sid, title=title, markdown="\n".join(f"- {item}" for item in items), html=f"<ul>{lis}</ul>")


def _warnings(levels: list[page_mod.WarningLevel]) -> list[WarningLevel]:
    return [WarningLevel(level=w.level, title=w.title, action=w.action,
                         rules=[WarningRule(message=r.message, while_waiting=r.while_waiting) for r in w.rules])
            for w in levels]


def _sources(sources: list[Source]) -> list[PageSource]:
    return [PageSource(id=s.id, citation=s.citation, url=s.url, checked=s.checked) for s in sources]


def _review(r: page_mod.ReviewInfo) -> PageReview:
    return PageReview(reviewer=r.reviewer, last_reviewed=r.last_reviewed, next_review=r.next_review,
                      overdue=r.overdue())


def symptom_page(pack: Pack, base: str) -> PageOut:
    page = pack.page
    sections = [_section(pack, base, s.id, s.title, s.body.strip(), list(s.sources))
                for s in (page.sections if page else [])]
    pid = _symptom_page_id(pack)
    return PageOut(
        id=pid, kind="symptom", title=page.title if page else pack.meta.name, url=f"{base}/symptoms/{pid}",
        pack=pack.id, pack_version=pack.version,
        summary=((page.summary if page else "") or pack.meta.description).strip(),
        sections=sections, warning_signs=_warnings(page_mod.warning_levels(pack)),
        sources=_sources(page_mod.page_sources(pack)), review=_review(page_mod.pack_review(pack)),
        disclaimer=pack.meta.disclaimer, structured_data=jsonld.symptom_page(pack, base),
    )


def condition_page(pack: Pack, c: Condition, base: str) -> PageOut:
    sections: list[Section] = []
    feats = page_mod.typical_features(pack, c)
    if feats:
        lines = [f"{f.text} ({f.probability:.0%}{', our estimate' if f.estimate else ''})" for f in feats]
        sections.append(_list("features", "Typical features", lines))
    if c.self_care:
        sections.append(_list("self_care", "What you can do yourself", c.self_care))
    if c.treatment:
        sections.append(_section(pack, base, "treatment", "Treatment", c.treatment.strip()))
    if c.complications:
        sections.append(_list("complications", "Complications", c.complications))
    specialists = [pack.specialists[s].name for s in c.specialists if s in pack.specialists]
    if specialists:
        sections.append(_list("which_doctor", "Who to see", specialists))
    tests = [pack.tests[t].name for t in c.tests if t in pack.tests]
    if tests:
        sections.append(_list("tests", "Tests you may have", tests))
    if c.when_to_seek_help:
        sections.append(_section(pack, base, "when_to_get_help", "When to get help", c.when_to_seek_help.strip()))
    return PageOut(
        id=c.id, kind="condition", title=c.name, url=f"{base}/conditions/{c.id}", pack=pack.id,
        pack_version=pack.version,
        summary=(c.summary.strip() + "\n\n" if c.summary else "") + f"If this is the cause: {ACTIONS[c.urgency]}",
        sections=sections,
        warning_signs=_warnings(page_mod.warning_levels(pack, page_mod.rules_for_condition(pack, c))),
        sources=_sources(page_mod.condition_sources(pack, c)), review=_review(page_mod.condition_review(pack, c)),
        disclaimer=pack.meta.disclaimer, structured_data=jsonld.condition_page(pack, c, base),
    )


@router.get("/packs/{pack}/pages", response_model=list[PageLink], responses=NOT_FOUND,
            summary="The pack's pages: its symptom page, then one page per condition")
async def list_pages(pack: PackId, request: Request, packs: PackRegistry = Depends(registry)) -> list[PageLink]:
    p = packs.get(pack)
    base = _base_url(request)
    pid = _symptom_page_id(p)
    out = [PageLink(id=pid, kind="symptom", title=p.page.title if p.page else p.meta.name,
                    url=f"{base}/symptoms/{pid}")]
    out += [PageLink(id=c.id, kind="condition", title=c.name, url=f"{base}/conditions/{c.id}")
            for c in sorted(p.conditions.values(), key=lambda c: c.name.lower())]
    return out


@router.get("/packs/{pack}/pages/{page_id}", response_model=PageOut, responses=NOT_FOUND,
            summary="One page's content: sections (Markdown and HTML), warning signs, sources, review, JSON-LD")
async def get_page(pack: PackId, page_id: PageId, request: Request,
                   packs: PackRegistry = Depends(registry)) -> PageOut:
    p = packs.get(pack)
    base = _base_url(request)
    if page_id == _symptom_page_id(p):
        out = symptom_page(p, base)
    else:
        c = p.conditions.get(page_id)
        if c is None:
            raise NotFound("page", page_id)
        out = condition_page(p, c, base)
    # the same emergency number as the web pages show (pack text may name several)
    return PageOut.model_validate(_localised(out.model_dump(mode="json"), emergency_number()))


def _localised(value: Any, number: str) -> Any:
    if isinstance(value, str):
        return localise(value, number)
    if isinstance(value, list):
        return [_localised(v, number) for v in value]
    if isinstance(value, dict):
        return {k: _localised(v, number) for k, v in value.items()}
    return value
