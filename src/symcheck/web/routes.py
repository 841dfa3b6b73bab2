"""The site's pages: home, the symptom page, condition, sign and category pages, search, and the symptom
checker (a plain form-POST flow that works without JavaScript; site.js only adds suggestions as you type).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from symcheck.engine.model import LEVEL_NAMES
from symcheck.errors import InputError, NotFound
from symcheck.fhir import assessment_bundle, bundle_json
from symcheck.interview import wording
from symcheck.kb import page as page_mod
from symcheck.kb.pack import Pack
from symcheck.results import Assessment
from symcheck.web import checker
from symcheck.web import search as web_search
from symcheck.web.multipack import (
    checker_pack,
    pack_with_condition,
    pack_with_page,
    served_loader,
    site_categories,
    site_packs,
)
from symcheck.web.site import pack_for, render

router = APIRouter(include_in_schema=False)

MAX_QUERY = 200
PER_PAGE = 30
MAX_HITS = 300
TOP_CAUSES = 5


def not_found(request: Request, what: str, ident: str) -> HTMLResponse:
    return render(request, "not_found.html", status_code=404, page_title="Page not found", what=what, ident=ident)


# ----- content pages -------------------------------------------------------------------------------


def _symptom_page_id(pack: Pack) -> str:
    return pack.page.id if pack.page else pack.id


def _start_links(packs: list[Pack]) -> list[tuple[str, str]]:
    """(address, label) of every complaint the served packs offer; a complaint that hands over to another
    served pack is left out, since that pack's own complaints are listed (the checker's pack is in the address)."""
    served = {p.id for p in packs}
    links = []
    for i, p in enumerate(packs):
        for comp in p.meta.complaints:
            if comp.handover is not None and comp.handover.pack in served:
                continue
            query = {"complaint": comp.id} if i == 0 else {"pack": p.id, "complaint": comp.id}
            links.append((f"/check?{urlencode(query)}", comp.label))
    return links


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    pack = pack_for(request)
    return render(
        request,
        "home.html",
        pack=pack,
        page_title="Understand your symptoms",
        symptom_page_id=_symptom_page_id(pack),
        symptom_pages=[(p, _symptom_page_id(p)) for p in site_packs(request)],  # every served pack's page
        start_links=_start_links(site_packs(request)),
        categories=site_categories(request),
    )


@router.api_route("/symptoms/{page_id}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def symptom_page(request: Request, page_id: str) -> HTMLResponse:
    pack = pack_with_page(request, page_id) or pack_for(request)
    if page_id != _symptom_page_id(pack):
        return not_found(request, "symptom page", page_id)
    sections = pack.page.sections if pack.page else []
    sources = page_mod.page_sources(pack)
    linked = page_mod.linked_from_page(pack)
    linked_categories: dict[str, list[str]] = {}
    for cid in linked:
        linked_categories.setdefault(pack.conditions[cid].category, []).append(cid)
    return render(
        request,
        "symptom.html",
        pack=pack,
        nav="symptoms",
        page=pack.page,
        page_id=page_id,
        page_title=pack.page.title if pack.page else pack.meta.name,
        sections=sections,
        has_warning_section=any(s.id == "warning_signs" for s in sections),
        warning_levels=page_mod.warning_levels(pack),
        out_of_scope=page_mod.out_of_scope_rules(pack),
        sources=sources,
        source_numbers={s.id: i + 1 for i, s in enumerate(sources)},
        review=page_mod.pack_review(pack),
        linked_categories=linked_categories,
        unlinked=[c for c in pack.conditions.values() if c.id not in linked],
    )


@router.api_route("/conditions", methods=["GET", "HEAD"], response_class=HTMLResponse)
def condition_index(request: Request) -> HTMLResponse:
    pack = pack_for(request)
    # every served pack's conditions (an id two packs share is listed once: its page is the first pack's)
    by_id = {c.id: c for p in reversed(site_packs(request)) for c in p.conditions.values()}
    conditions = sorted(by_id.values(), key=lambda c: c.name.lower())
    return render(request, "conditions.html", pack=pack, nav="conditions", page_title="Conditions A to Z",
                  conditions=conditions)


@router.api_route("/conditions/{condition_id}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def condition_page(request: Request, condition_id: str) -> HTMLResponse:
    pack = pack_with_condition(request, condition_id) or pack_for(request)
    try:
        cond = pack.condition(condition_id)
    except NotFound:
        return not_found(request, "condition", condition_id)
    return render(
        request,
        "condition.html",
        pack=pack,
        nav="conditions",
        page_title=cond.name,
        c=cond,
        symptom_page_id=_symptom_page_id(pack),
        on_symptom_page=cond.id in page_mod.linked_from_page(pack),
        features=page_mod.typical_features(pack, cond),
        warnings=page_mod.warning_levels(pack, page_mod.rules_for_condition(pack, cond)),
        specialists=[pack.specialists[s] for s in cond.specialists if s in pack.specialists],
        tests=[pack.tests[t] for t in cond.tests if t in pack.tests],
        related=page_mod.related_conditions(pack, cond),
        sources=page_mod.condition_sources(pack, cond),
        review=page_mod.condition_review(pack, cond),
    )


@router.api_route("/signs/{evidence_id}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def sign_page(request: Request, evidence_id: str) -> HTMLResponse:
    """One symptom or sign: the conditions the pack links it to and the warning signs that use it."""
    pack = pack_for(request)
    e = pack.evidence.get(evidence_id)
    if e is None:
        return not_found(request, "symptom", evidence_id)
    linked = []
    for cond in pack.conditions.values():
        for feat in page_mod.typical_features(pack, cond, limit=1000):
            if feat.evidence_id == e.id:
                linked.append((cond, feat))
                break
    linked.sort(key=lambda x: (-x[1].probability, x[0].name.lower()))
    rules = [r for r in pack.rules if not r.scope and e.id in r.when]
    return render(
        request,
        "sign.html",
        pack=pack,
        page_title=e.question.clinical or e.question.lay,
        e=e,
        linked=linked,
        warnings=page_mod.warning_levels(pack, rules),
        symptom_page_id=_symptom_page_id(pack),
        share_words=page_mod.share_words,
    )


@router.api_route("/categories", methods=["GET", "HEAD"], response_class=HTMLResponse)
def category_index(request: Request) -> HTMLResponse:
    pack = pack_for(request)
    return render(request, "categories.html", pack=pack, nav="categories", page_title="Browse by category",
                  categories=site_categories(request))


@router.api_route("/categories/{slug}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def category_page(request: Request, slug: str) -> HTMLResponse:
    pack = pack_for(request)
    cats = site_categories(request)
    if slug not in cats:
        return not_found(request, "category", slug)
    conds = cats[slug]
    on_page = set(page_mod.linked_from_page(pack))
    return render(
        request,
        "category.html",
        pack=pack,
        nav="categories",
        page_title=page_mod.category_title(conds[0].category),
        conditions=conds,
        symptom_page_id=_symptom_page_id(pack),
        symptom_page_links=bool(on_page & {c.id for c in conds}),
        other_categories=[(s, cs[0].category) for s, cs in cats.items() if s != slug],
    )


# ----- trust pages ---------------------------------------------------------------------------------


@router.api_route("/about", methods=["GET", "HEAD"], response_class=HTMLResponse)
def about(request: Request) -> HTMLResponse:
    pack = pack_for(request)
    interval = pack.meta.review_policy.get("interval_months")
    return render(request, "about.html", pack=pack, page_title="About symcheck", review=page_mod.pack_review(pack),
                  review_interval=interval, out_of_scope=page_mod.out_of_scope_rules(pack))


@router.api_route("/privacy", methods=["GET", "HEAD"], response_class=HTMLResponse)
def privacy(request: Request) -> HTMLResponse:
    return render(request, "privacy.html", page_title="Privacy")


# ----- search --------------------------------------------------------------------------------------


@router.api_route("/search", methods=["GET", "HEAD"], response_class=HTMLResponse)
def search_page(request: Request, q: str = "", page: str = "1") -> HTMLResponse:
    pack = pack_for(request)
    truncated = len(q) > MAX_QUERY
    q = q[:MAX_QUERY]  # a page answers an over-long query with what fits, not with an error document
    # every match, a page of them at a time, saying how many there are (results used to stop silently at 30)
    hits = web_search.search_packs(site_packs(request), q, limit=MAX_HITS) if q.strip() else []
    pages = max(1, -(-len(hits) // PER_PAGE))
    number = min(max(int(page), 1), pages) if page.isdigit() else 1
    first = (number - 1) * PER_PAGE
    return render(request, "search.html", pack=pack, nav="search", page_title=f"Search: {q}" if q else "Search",
                  search_query=q, hits=hits[first:first + PER_PAGE], total=len(hits), first=first + 1,
                  page_number=number, pages=pages, page_url=lambda n: "/search?" + urlencode({"q": q, "page": n}),
                  kind_labels=web_search.KIND_LABELS, truncated=truncated)


@router.get("/search/suggest")
def search_suggest(request: Request, q: str = Query("", max_length=MAX_QUERY)) -> JSONResponse:
    """Suggestions as the person types (the last word may be unfinished)."""
    hits = web_search.search_packs(site_packs(request), q, limit=8, prefix=True) if q.strip() else []
    return JSONResponse(
        [{"title": h.title, "url": h.url, "kind": web_search.KIND_LABELS.get(h.kind, h.kind), "matched": h.matched}
         for h in hits]
    )


# ----- the symptom checker ------------------------------------------------------------------------


@router.get("/check/complaints")
def complaint_suggest(request: Request, q: str = Query("", max_length=MAX_QUERY)) -> JSONResponse:
    """The complaints of every served pack matching the typed words, the site's pack first; another pack's
    carry its id (the form then starts the check there), and one that hands over to a served pack is left out."""
    packs = site_packs(request)
    served = {p.id for p in packs}
    out: list[dict[str, str]] = []
    for i, pack in enumerate(packs):
        found = checker.match_complaint(pack, q) if q.strip() else list(pack.meta.complaints)
        for c in found:
            if c.handover is not None and c.handover.pack in served:
                continue
            out.append({"id": c.id, "label": c.label, **({"pack": pack.id} if i else {})})
    return JSONResponse(out)


@router.api_route("/check", methods=["GET", "HEAD"], response_class=HTMLResponse)
def check_start(request: Request, complaint: str = "") -> HTMLResponse:
    """The start form, empty or (when changing the details) filled from the state in the address."""
    pack = checker_pack(request)
    params = {k: v for k, v in request.query_params.items()}
    if not any(c.id == complaint for c in pack.meta.complaints):
        params.pop("complaint", None)  # a stale link to a complaint this pack lacks: just ask
    try:
        state = checker.read_state(pack, params, list(request.query_params.getlist("a")))
    except InputError as exc:
        return _error_page(request, pack, exc)
    return _start_page(request, pack, state, errors={})


def _start_page(
    request: Request,
    pack: Pack,
    state: checker.CheckState,
    errors: dict[str, str],
    complaint_text: str = "",
    candidates: list[Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    complaint_label = ""
    if state.complaint:
        complaint_label = pack.complaint(state.complaint).label
    preg_evidence = pack.evidence.get("pregnancy") or pack.evidence.get("pregnant")
    return render(
        request,
        "check_start.html",
        status_code=status_code,
        pack=pack,
        nav="check",
        page_title="Check your symptoms" if not errors else "Check your symptoms (please correct the form)",
        state=state,
        errors=errors,
        complaint_text=complaint_text or complaint_label,
        candidates=candidates or [],
        preg_min=(preg_evidence.min_age if preg_evidence and preg_evidence.min_age is not None else 10),
        preg_max=(preg_evidence.max_age if preg_evidence and preg_evidence.max_age is not None else 60),
        sex_choices=checker.SEX_CHOICES,
        for_whom_choices=checker.FOR_WHOM,
        # the checker's pack travels with the start form when it is not the site's (a link from the home page)
        hidden_answers=[*([("pack", state.pack)] if state.pack else []),
                        *(("a", f"{k}={checker.encode_value(v)}") for k, v in state.answers)],
    )


async def _form(request: Request) -> tuple[dict[str, Any], list[str], list[str]]:
    form = await request.form()
    plain = {k: v for k, v in form.items() if isinstance(v, str)}
    answers = [v for v in form.getlist("a") if isinstance(v, str)]
    values = [v for v in form.getlist("v") if isinstance(v, str)]
    return plain, answers, values


# Every step of the checker is a GET (forms use method="get") or a POST answered with a redirect (303) to
# a GET address that holds the whole state, so the browser's Back button and the phone's back gesture
# simply show the previous step again, with no "Confirm Form Resubmission". The server keeps nothing.


def step_url(state: checker.CheckState, path: str = "/check/step", **extra: str) -> str:
    return f"{path}?{urlencode([*state.hidden_fields(), *extra.items()])}"


def _see(url: str) -> Response:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


@router.post("/check", response_model=None)
async def check_step(request: Request) -> Response:
    form, raw_answers, values = await _form(request)
    pack = checker_pack(request, form)
    # in the thread pool: the interview work must not hold up the event loop (issue 15)
    return await run_in_threadpool(_act, request, pack, form, raw_answers, values)


@router.api_route("/check/go", methods=["GET", "HEAD"], response_model=None)
def check_go(request: Request) -> Response:
    """What a checker form sends: an action on the state it carries; answered with a redirect to the
    resulting step (or the form again with the problem named)."""
    pack = checker_pack(request)
    params = request.query_params
    form = {k: v for k, v in params.items()}
    return _act(request, pack, form, list(params.getlist("a")), list(params.getlist("v")))


def _complete_state(request: Request, pack: Pack) -> checker.CheckState | HTMLResponse:
    """The checker state in the address, or the page to show instead: an error page for a bad address, the
    start form while age, sex or the main problem is missing."""
    params = request.query_params
    try:
        state = checker.read_state(pack, params, list(params.getlist("a")))
    except InputError as exc:
        return _error_page(request, pack, exc)
    if state.age is None or not state.sex or not state.complaint:
        return _start_page(request, pack, state, errors={})
    return state


@router.api_route("/check/step", methods=["GET", "HEAD"], response_class=HTMLResponse, response_model=None)
def check_view(request: Request) -> Response:
    """One step of the checker, entirely described by its address: the next question (or the emergency
    screen, or the result) for the answers so far; ``show=result`` for the full result; ``change=ID`` to
    change an earlier answer; ``redo=ID&cur=VALUE`` for the question that "Back" took an answer from."""
    pack = checker_pack(request)
    params = request.query_params
    found = _complete_state(request, pack)
    if not isinstance(found, checker.CheckState):
        return found
    state = found
    if params.get("show") == "result":
        return _result_page(request, pack, state)
    change = params.get("change", "")
    if change:
        if change not in state.answer_dict():
            return _error_page(request, pack, InputError("change", f"{change!r} is not one of your answers"))
        return _question_for_change(request, pack, state, change, state.answer_dict()[change])
    redo = params.get("redo", "")
    if redo:
        item = checker.asked_item(pack, redo)
        if item is None or redo in state.answer_dict():
            return _error_page(request, pack, InputError("redo", f"{redo!r} is not a question to answer again"))
        try:
            current = checker.decode_value(item, params.get("cur", "unknown"), "cur")
        except InputError as exc:
            return _error_page(request, pack, exc)
        return _question_for_change(request, pack, state, redo, current)
    return _next(request, pack, state)


def _act(
    request: Request, pack: Pack, form: dict[str, Any], raw_answers: list[str], values: list[str]
) -> Response:
    action = form.get("action", "")
    change = form.get("change", "")
    try:
        # the start form's own fields are checked by _start_submitted, with messages for a person
        carried = {k: v for k, v in form.items() if k != "age"} if action == "start" else form
        state = checker.read_state(pack, carried, raw_answers)
    except InputError as exc:
        return _error_page(request, pack, exc)

    if action == "restart":
        return _see("/check" + (f"?for_whom={state.for_whom}" if state.for_whom != "self" else ""))
    if action == "edit_start" or change == "__start__":
        return _see(step_url(state, "/check"))
    if action == "start":
        return _start_submitted(request, pack, form, state)
    if state.age is None or not state.sex or not state.complaint:
        return _see(step_url(state, "/check"))

    if action == "back":
        if not state.answers:
            return _see(step_url(state, "/check"))
        ev_id, value = state.answers.pop()
        return _see(step_url(state, redo=ev_id, cur=checker.encode_value(value)))
    if change:
        if change not in state.answer_dict():
            return _error_page(request, pack, InputError("change", f"{change!r} is not one of your answers"))
        return _see(step_url(state, change=change))
    if action == "answer":
        q = form.get("q", "")
        item = checker.asked_item(pack, q)
        if item is None:
            return _error_page(request, pack, InputError("q", f"{q!r} is not a known question"))
        try:
            value = checker.read_answer(item, values)
        except InputError as exc:
            current = state.answer_dict().get(q)
            return _question_page(request, pack, state, _view_for(pack, state, q, current), error=exc.message,
                                  status_code=422)
        if q in state.answer_dict():
            state.answers = [(k, value if k == q else v) for k, v in state.answers]  # keep its place
        else:
            state.answers.append((q, value))
        checker.prune_answers(pack, state)
    if action == "result":
        return _see(step_url(state, show="result"))
    return _see(step_url(state))


def _start_submitted(request: Request, pack: Pack, form: dict[str, Any], state: checker.CheckState) -> Response:
    errors: dict[str, str] = {}
    try:
        state.age = checker.parse_age(form.get("age"))
    except InputError as exc:
        errors["age"] = exc.message
    if not state.sex:
        errors["sex"] = "Choose one of the options."
    preg = form.get("pregnant")
    applies = checker.pregnancy_applies(pack, state.age, state.sex)
    state.pregnant = (preg == "yes") if applies and preg in ("yes", "no") else None
    complaint_text = str(form.get("complaint_text") or "").strip()[:MAX_QUERY]
    candidates = []
    if not state.complaint:
        candidates = checker.match_complaint(pack, complaint_text)
        if len(candidates) == 1:
            state.complaint = candidates[0].id
        elif not complaint_text:
            errors["complaint"] = "Type the main problem and pick it from the list."
            candidates = list(pack.meta.complaints)
        elif candidates:
            errors["complaint"] = "Several problems match what you typed. Choose the one that fits best."
        else:
            errors["complaint"] = "We could not match what you typed. Choose the closest problem from the list."
            candidates = list(pack.meta.complaints)
    if errors:
        return _start_page(request, pack, state, errors, complaint_text, candidates, status_code=422)
    checker.prune_answers(pack, state)
    return _see(step_url(state))


def _view_for(pack: Pack, state: checker.CheckState, ev_id: str, current: Any) -> checker.QuestionView:
    item = checker.asked_item(pack, ev_id)
    assert item is not None  # read_state accepts only known ids
    return checker.question_view(item, "You answered this earlier. You can keep or change your answer.",
                                 current=current)


def _question_for_change(
    request: Request, pack: Pack, state: checker.CheckState, ev_id: str, current: Any
) -> HTMLResponse:
    """Show an earlier question again, with its answer marked. When the engine would ask exactly this
    question next (going back one step), show its own reason for asking."""
    view = _view_for(pack, state, ev_id, current)
    if ev_id not in state.answer_dict():
        try:
            nq = state.interview(pack).next_question()
        except InputError as exc:
            return _error_page(request, pack, exc)
        if nq is not None and nq.evidence_id == ev_id:
            view = checker.question_from_next(nq, current=current)
    return _question_page(request, pack, state, view)


def _next(request: Request, pack: Pack, state: checker.CheckState) -> Response:
    try:
        interview = state.interview(pack)
        step = interview.step(top=TOP_CAUSES)
    except InputError as exc:
        return _error_page(request, pack, exc)
    if step.stop_reason == "handover":
        moved = interview.follow_handover(served_loader(request))
        if moved is not interview:  # the complaint belongs to another served pack: go on there
            state.pack, state.complaint = moved.pack.id, moved.complaint
            state.answers = [(k, v) for k, v in state.answers if k in moved.answers]
            return _see(step_url(state))
        step = interview.step(top=TOP_CAUSES)
    if step.stop_reason == "red_flag":
        return _emergency_page(request, pack, state, step.assessment)
    if step.next_question is None:
        return _result_page(request, pack, state, step.assessment)
    return _question_page(request, pack, state, checker.question_from_next(step.next_question))


def _answer_rows(pack: Pack, state: checker.CheckState) -> list[dict[str, str]]:
    rows = []
    for ev_id, value in state.answers:
        item = checker.asked_item(pack, ev_id)
        assert item is not None
        rows.append({"id": ev_id, "question": item.text, "answer": checker.answer_label(item, value)})
    return rows


def _about_person(pack: Pack, state: checker.CheckState) -> str:
    parts = []
    if state.age is not None:
        parts.append(f"{state.age:g} years")
    if state.sex:
        parts.append(checker.SEX_CHOICES[state.sex].lower() if state.sex != "unspecified" else "sex not given")
    if state.pregnant is not None:
        parts.append("pregnant" if state.pregnant else "not pregnant")
    who = "for myself" if state.for_whom == "self" else "for someone else"
    complaint = pack.complaint(state.complaint).label if state.complaint else ""
    return f"{', '.join(parts)} ({who}). Main problem: {complaint}"


def _checker_context(pack: Pack, state: checker.CheckState) -> dict[str, Any]:
    return {
        "state": state,
        "hidden": state.hidden_fields(),
        "answer_rows": _answer_rows(pack, state),
        "about_person": _about_person(pack, state),
        "max_questions": pack.meta.stop.max_questions,
    }


def _question_page(
    request: Request,
    pack: Pack,
    state: checker.CheckState,
    view: checker.QuestionView,
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    answered = list(state.answer_dict())
    number = answered.index(view.evidence_id) + 1 if view.evidence_id in answered else len(answered) + 1
    hidden = [(k, v) for k, v in state.hidden_fields()]
    return render(
        request,
        "check_question.html",
        status_code=status_code,
        pack=pack,
        nav="check",
        page_title=f"Question {number}: {view.text}",
        q=view,
        number=number,
        changing=view.evidence_id in answered,
        error=error,
        none_of_these=checker.NONE_OF_THESE,
        **{**_checker_context(pack, state), "hidden": hidden},
    )


def _emergency_page(request: Request, pack: Pack, state: checker.CheckState, assessment: Assessment) -> HTMLResponse:
    flags = [r for r in assessment.triage.red_flags if r.level in ("emergency", "emergency_ambulance")]
    level = assessment.triage.level
    # the person's own answers behind each rule, in their words, so a mistaken tap can be corrected at once
    rows = {row["id"]: row for row in _answer_rows(pack, state)}
    for list_id in list(rows):  # an item ticked in a list question: that item alone, in its own words
        item = checker.asked_item(pack, list_id)
        if item is not None and item.checklist:
            labels = dict(item.choices)
            rows.update({m: {"id": list_id, "question": "", "answer": labels.get(m, m)}
                         for m in checker.list_members(pack, list_id) or [] if m not in rows})
    flag_answers: dict[str, list[dict[str, str]]] = {}
    for hit in flags:
        rule = next((r for r in pack.rules if r.id == hit.id), None)
        if rule is not None:
            found = [rows[n] for n in rule_evidence(pack, rule.when) if n in rows]
            flag_answers[hit.id] = list({(row["id"], row["answer"]): row for row in found}.values())
    trigger_ids = {row["id"] for answered in flag_answers.values() for row in answered}
    return render(
        request,
        "check_emergency.html",
        pack=pack,
        nav="check",
        page_title=page_mod.LEVEL_TITLES[level],
        level=level,
        flags=flags,
        assessment=assessment,
        flag_answers=flag_answers,
        # only the advice for this level here; the full result lists all the safety-netting
        level_advice=[wording.pick(s.text, s.text_other, "other" if state.for_whom == "other" else "self")
                      for s in pack.meta.safety_netting if s.level == level],
        trigger_rows=[r for r in _answer_rows(pack, state) if r["id"] in trigger_ids],
        **_checker_context(pack, state),
    )


def rule_evidence(pack: Pack, expression: str) -> list[str]:
    """The evidence ids a rule expression names, in order."""
    names = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expression)
    return list(dict.fromkeys(n for n in names if n in pack.evidence))


def _result_page(
    request: Request, pack: Pack, state: checker.CheckState, assessment: Assessment | None = None
) -> HTMLResponse:
    if state.age is None or not state.complaint:
        return _start_page(request, pack, state, errors={})
    if assessment is None:
        try:
            assessment = state.interview(pack).result(top=TOP_CAUSES)
        except InputError as exc:
            return _error_page(request, pack, exc)
    causes: list[dict[str, Any]] = []
    unlikely: list[dict[str, Any]] = []
    level = LEVEL_NAMES.index(assessment.triage.level)
    for item in assessment.differential:
        cond = pack.conditions[item.condition_id]
        # "If this is the cause: ..." only where it asks for more than the result does; under "call an
        # ambulance", "go to an emergency department" for one of the causes would read as a second answer
        more_urgent = LEVEL_NAMES.index(cond.urgency) > level
        # under half a percent rounds to 0%: list those as considered, without a bar, unless the advice
        # names the cause (it is kept in view until ruled out; the list must not call it very unlikely)
        named = item.condition_id in assessment.triage.from_conditions
        (causes if item.probability >= 0.005 or named else unlikely).append(
            {"item": item, "c": cond, "more_urgent": more_urgent})
    return render(
        request,
        "check_result.html",
        pack=pack,
        nav="check",
        page_title=f"Your result: {page_mod.LEVEL_TITLES[assessment.triage.level]}",
        a=assessment,
        causes=causes,
        unlikely=unlikely,
        answer_text=lambda ev_id, value: checker.answer_label(checker.asked_item(pack, ev_id), value),
        assessed_at=_now_text(),
        implied=list(pack.complaint(state.complaint).answers) if state.complaint else [],
        clinician_url=step_url(state, "/check/clinician") if not assessment.out_of_scope else "",
        **_checker_context(pack, state),
    )


def _now_text() -> str:
    """When the result was made, for the printout: the server's local date and time with its zone."""
    now = dt.datetime.now().astimezone()
    return f"{now.day} {now:%B %Y}, {now:%H:%M} {now.tzname() or now.strftime('%z')}"


@router.api_route("/check/clinician", methods=["GET", "HEAD"], response_class=HTMLResponse)
def check_clinician(request: Request) -> HTMLResponse:
    """Clinician mode: the rare diseases that share the answers' HPO features. Kept off the patient's
    result on purpose; matches list only features the person has, excluded ones separately."""
    pack = checker_pack(request)
    found = _complete_state(request, pack)
    if not isinstance(found, checker.CheckState):
        return found
    state = found
    from symcheck.rare.from_answers import MIN_OBSERVED, hpo_terms, rare_differential  # loads the HPO index

    interview = state.interview(pack)
    observed, excluded = hpo_terms(interview)
    rare = rare_differential(interview, top=10)
    names: dict[str, str] = {}
    for e in pack.evidence.values():
        if e.codes.get("hpo"):
            names.setdefault(e.codes["hpo"], e.question.clinical or e.label or e.question.lay)
    return render(
        request,
        "check_clinician.html",
        pack=pack,
        nav="check",
        page_title="Rare diseases with these features (for health professionals)",
        rare=rare,
        observed=[(t, names.get(t, t)) for t in observed],
        excluded=[(t, names.get(t, t)) for t in excluded],
        min_observed=MIN_OBSERVED,
        result_url=step_url(state, show="result"),
        **_checker_context(pack, state),
    )


def _error_page(request: Request, pack: Pack, exc: InputError) -> HTMLResponse:
    return render(request, "check_error.html", status_code=400, pack=pack, nav="check",
                  page_title="Something in the form was not right", field=exc.field, message=exc.message)


@router.post("/check/fhir")
async def check_fhir(request: Request) -> Response:
    """The assessment of the carried answers as a FHIR R4 Bundle, as a file to download."""
    form, raw_answers, _ = await _form(request)
    pack = checker_pack(request, form)
    try:
        state = checker.read_state(pack, form, raw_answers)
        assessment = await run_in_threadpool(state.interview(pack).result, top=TOP_CAUSES)  # off the event loop
    except InputError as exc:
        return JSONResponse({"detail": [{"loc": ["form", exc.field], "msg": exc.message}]}, status_code=400)
    bundle = await run_in_threadpool(fhir_bundle, assessment, pack)
    return Response(
        json.dumps(bundle, indent=2, ensure_ascii=False),
        media_type="application/fhir+json",
        headers={"Content-Disposition": 'attachment; filename="symcheck-assessment.fhir.json"',
                 "Cache-Control": "no-store"},
    )


def fhir_bundle(assessment: Assessment, pack: Pack) -> dict[str, Any]:
    """The web checker keeps nothing, so each download is a new assessment with a fresh id."""
    bundle = assessment_bundle(assessment_id=str(uuid.uuid4()), created_at=dt.datetime.now(dt.UTC),
                               assessment=assessment, pack=pack)
    return bundle_json(bundle)
