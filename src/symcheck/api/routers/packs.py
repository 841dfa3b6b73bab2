"""Look-ups in the knowledge packs: packs, complaints, conditions, evidence, and search."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from symcheck.api.compute import Pools
from symcheck.api.deps import pools, registry
from symcheck.api.models import (
    ChoiceOut,
    ComplaintOut,
    ConditionDetail,
    ConditionSummary,
    Counts,
    ErrorOut,
    EvidenceDetail,
    EvidenceSummary,
    LikelihoodOut,
    PackDetail,
    PackSummary,
    PriorOut,
    ReviewOut,
    SearchOut,
    SourceOut,
)
from symcheck.api.registry import PackRegistry
from symcheck.kb.pack import Pack
from symcheck.kb.schema import LEVELS, Condition, Evidence, Likelihood
from symcheck.results import Item
from symcheck.search import KINDS, SearchHit

router = APIRouter(prefix="/v1", tags=["knowledge"])
NOT_FOUND = {404: {"model": ErrorOut, "description": "unknown pack or id"}}
PackId = Annotated[str, Path(max_length=120, description="pack id, e.g. spasm")]
ItemId = Annotated[str, Path(max_length=120)]


def _summary(pack: Pack, default: bool) -> PackSummary:
    return PackSummary(
        id=pack.id, version=pack.version, name=pack.meta.name, description=pack.meta.description,
        languages=pack.meta.languages, default=default,
        counts=Counts(conditions=len(pack.conditions), evidence=len(pack.evidence),
                      complaints=len(pack.meta.complaints), rules=len(pack.rules)),
    )


def _complaint(pack: Pack, complaint_id: str) -> ComplaintOut:
    comp = pack.complaint(complaint_id)
    return ComplaintOut(id=comp.id, label=comp.label, synonyms=comp.synonyms, answers=comp.answers)


def _condition_summary(c: Condition) -> ConditionSummary:
    return ConditionSummary(id=c.id, name=c.name, lay_name=c.lay_name, synonyms=c.synonyms, icd10=c.icd10,
                            category=c.category, urgency=c.urgency)


def _likelihood(pack: Pack, cond: Condition, ev_id: str, raw: float | Likelihood) -> LikelihoodOut:
    question = pack.evidence[ev_id].question.lay if ev_id in pack.evidence else ""
    if isinstance(raw, Likelihood):
        return LikelihoodOut(evidence_id=ev_id, question=question, p=raw.p, values=raw.values,
                             source=raw.source or cond.likelihood_source, estimate=raw.estimate)
    return LikelihoodOut(evidence_id=ev_id, question=question, p=float(raw), values=None,
                         source=cond.likelihood_source, estimate=False)


def _item(table: dict, key: str) -> Item:
    obj = table.get(key)
    return Item(id=key, name=obj.name if obj else key, description=obj.description if obj else "")


def _evidence_summary(e: Evidence) -> EvidenceSummary:
    return EvidenceSummary(id=e.id, kind=e.kind, type=e.type, group=e.group, question=e.question.lay,
                           clinical_question=e.question.clinical, synonyms=e.synonyms,
                           choices=[ChoiceOut(id=c.id, label=c.label) for c in e.choices], unit=e.unit)


@router.get("/packs", response_model=list[PackSummary], summary="The knowledge packs this server serves")
async def list_packs(packs: PackRegistry = Depends(registry)) -> list[PackSummary]:
    return [_summary(p, p.id == packs.default_id) for p in packs.packs.values()]


@router.get("/packs/{pack}", response_model=PackDetail, responses=NOT_FOUND, summary="One pack")
async def get_pack(pack: PackId, packs: PackRegistry = Depends(registry)) -> PackDetail:
    p = packs.get(pack)
    summary = _summary(p, p.id == packs.default_id)
    return PackDetail(
        **summary.model_dump(),
        age_bands=p.meta.age_bands,
        triage_levels=list(LEVELS),
        complaints=[_complaint(p, c.id) for c in p.meta.complaints],
        safety_netting=[s.text for s in p.meta.safety_netting if s.level == "always"],
        disclaimer=p.meta.disclaimer,
    )


@router.get("/packs/{pack}/complaints", response_model=list[ComplaintOut], responses=NOT_FOUND,
            summary="What a person can pick as the main complaint")
async def list_complaints(pack: PackId, packs: PackRegistry = Depends(registry)) -> list[ComplaintOut]:
    p = packs.get(pack)
    return [_complaint(p, c.id) for c in p.meta.complaints]


@router.get("/packs/{pack}/complaints/{complaint_id}", response_model=ComplaintOut, responses=NOT_FOUND)
async def get_complaint(pack: PackId, complaint_id: ItemId,
                        packs: PackRegistry = Depends(registry)) -> ComplaintOut:
    return _complaint(packs.get(pack), complaint_id)


@router.get("/packs/{pack}/conditions", response_model=list[ConditionSummary], responses=NOT_FOUND,
            summary="The conditions of a pack")
async def list_conditions(
    pack: PackId,
    category: str | None = Query(None, max_length=120, description="only this category"),
    urgency: Literal["self_care", "consultation", "consultation_24", "emergency", "emergency_ambulance"] | None = None,
    packs: PackRegistry = Depends(registry),
) -> list[ConditionSummary]:
    p = packs.get(pack)
    return [
        _condition_summary(c) for c in p.conditions.values()
        if (category is None or c.category == category) and (urgency is None or c.urgency == urgency)
    ]


@router.get("/packs/{pack}/conditions/{condition_id}", response_model=ConditionDetail, responses=NOT_FOUND,
            summary="One condition: its card, its numbers and their sources")
async def get_condition(pack: PackId, condition_id: ItemId,
                        packs: PackRegistry = Depends(registry)) -> ConditionDetail:
    p = packs.get(pack)
    c = p.condition(condition_id)
    refs = [p.sources[r] for r in c.references if r in p.sources]
    return ConditionDetail(
        **_condition_summary(c).model_dump(),
        codes=c.codes,
        summary=c.summary,
        prior=PriorOut(base=c.prior.base, age=c.prior.age, sex=dict(c.prior.sex), source=c.prior.source,
                       estimate=c.prior.estimate),
        likelihoods=[_likelihood(p, c, ev, raw) for ev, raw in c.likelihoods.items()],
        specialists=[_item(p.specialists, s) for s in c.specialists],
        tests=[_item(p.tests, t) for t in c.tests],
        self_care=c.self_care,
        treatment=c.treatment,
        complications=c.complications,
        when_to_seek_help=c.when_to_seek_help,
        references=[SourceOut(id=s.id, citation=s.citation, url=s.url, checked=s.checked) for s in refs],
        review=ReviewOut(**c.review.model_dump()) if c.review else None,
    )


@router.get("/packs/{pack}/evidence", response_model=list[EvidenceSummary], responses=NOT_FOUND,
            summary="The questions of a pack (symptoms, risk factors, findings)")
async def list_evidence(
    pack: PackId,
    kind: Literal["symptom", "risk_factor", "finding", "demographic"] | None = None,
    packs: PackRegistry = Depends(registry),
) -> list[EvidenceSummary]:
    p = packs.get(pack)
    return [_evidence_summary(e) for e in p.evidence.values() if kind is None or e.kind == kind]


@router.get("/packs/{pack}/evidence/{evidence_id}", response_model=EvidenceDetail, responses=NOT_FOUND)
async def get_evidence(pack: PackId, evidence_id: ItemId,
                       packs: PackRegistry = Depends(registry)) -> EvidenceDetail:
    p = packs.get(pack)
    e = p.evidence_item(evidence_id)
    linked = [c.id for c in p.conditions.values() if e.id in c.likelihoods]
    rules = [r.id for r in p.compiled.rules if e.id in r.expression.names]
    return EvidenceDetail(
        **_evidence_summary(e).model_dump(),
        codes=e.codes, parent=e.parent, parent_value=e.parent_value, sexes=list(e.sexes),
        min_age=e.min_age, max_age=e.max_age, bins=e.bins, conditions=linked, rules=rules,
    )


@router.get("/search", response_model=SearchOut, tags=["search"],
            summary="Search complaints, conditions and evidence by name and synonym (typo-tolerant)")
async def search(
    q: str = Query(max_length=200, description="what the person typed"),
    pack: str | None = Query(None, max_length=120, description="pack id; the default pack when left out"),
    kinds: list[Literal["complaint", "condition", "evidence"]] | None = Query(
        None, description=f"only these kinds ({', '.join(KINDS)})"),
    limit: int = Query(10, ge=1, le=50),
    prefix: bool = Query(False, description="treat the last word as unfinished (suggestions as you type)"),
    packs: PackRegistry = Depends(registry),
    cpu: Pools = Depends(pools),
) -> SearchOut:
    p = packs.for_request(pack)
    hits = await cpu.run(_search, packs, p, q, limit, kinds, prefix)  # the first call also builds the index
    return SearchOut(query=q, pack=p.id, hits=hits)


def _search(packs: PackRegistry, p: Pack, q: str, limit: int, kinds: list[str] | None, prefix: bool) -> list[SearchHit]:
    return packs.index(p).search(q, limit=limit, kinds=kinds, prefix=prefix)

