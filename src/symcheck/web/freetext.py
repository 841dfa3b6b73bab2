"""The checker's free-text start: "describe it in your own words", then "We understood: ..." where each
finding can be changed or removed, then the usual interview asks only what is still open.

Plain GET forms and a 303 redirect, like the rest of the checker: it works without JavaScript and the
browser's Back button shows the previous screen again. The server keeps nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from symcheck.errors import InputError
from symcheck.kb.pack import Pack
from symcheck.text import ParseResult, parse
from symcheck.text.parser import MAX_CHARS
from symcheck.text.summary import Understood, fit_answers, understood
from symcheck.web import checker
from symcheck.web.site import pack_for, render

router = APIRouter(include_in_schema=False)  # site pages, not API operations
REMOVE = "remove"


def _rows(pack: Pack, result: ParseResult, form: dict[str, Any] | None, multi: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The rows of the "We understood" form, with the person's own changes when the form comes back."""
    out = []
    for row in understood(pack, result):
        e = pack.evidence[row.evidence_id]
        value: Any = row.answer
        if form is not None and row.status == "answered":
            value = multi.get(row.evidence_id, []) if e.type == "many_of" else form.get(f"f.{row.evidence_id}", value)
        out.append({"row": row, "evidence": e, "value": value, "words": ", ".join(f"“{s.text}”" for s in row.spans)})
    return out


def _page(request: Request, pack: Pack, text: str, result: ParseResult, errors: dict[str, str],
          form: dict[str, Any] | None = None, multi: dict[str, list[str]] | None = None,
          status_code: int = 200) -> HTMLResponse:
    who = result.person
    f = form or {}
    return render(
        request, "check_understood.html", status_code=status_code, pack=pack, nav="check",
        page_title="We understood" if not errors else "We understood (please correct the form)",
        text=text, result=result, rows=_rows(pack, result, form, multi or {}), errors=errors,
        age=f.get("age", f"{who.age:g}" if who.age is not None else ""),
        sex=f.get("sex", who.sex or ""), for_whom=f.get("for_whom", who.speaker),
        complaint=f.get("complaint", result.complaint or ""),
        pregnant=f.get("pregnant", "" if who.pregnant is None else ("yes" if who.pregnant else "no")),
        sex_choices=checker.SEX_CHOICES, for_whom_choices=checker.FOR_WHOM, remove=REMOVE,
    )


def _text(request: Request) -> str:
    text = (request.query_params.get("text") or "").strip()
    if not text:
        raise InputError("text", "Describe what is happening in a sentence or two.")
    if len(text) > MAX_CHARS:
        raise InputError("text", f"Please keep it under {MAX_CHARS} characters.")
    return text


def _error(request: Request, pack: Pack, exc: InputError) -> HTMLResponse:
    return render(request, "check_error.html", status_code=422, pack=pack, nav="check",
                  page_title="Check your symptoms", message=exc.message, field=exc.field)


@router.api_route("/check/text", methods=["GET", "HEAD"], response_class=HTMLResponse)
def check_text(request: Request) -> HTMLResponse:
    """What the words were understood as, each finding changeable or removable."""
    pack = pack_for(request)
    try:
        text = _text(request)
    except InputError as exc:
        return _error(request, pack, exc)
    return _page(request, pack, text, parse(text, pack), errors={})


@router.api_route("/check/text/go", methods=["GET", "HEAD"], response_model=None)
def check_text_go(request: Request) -> Response:
    """The confirmed findings become answers; the interview then asks only what is still open."""
    pack = pack_for(request)
    params = request.query_params
    try:
        text = _text(request)
    except InputError as exc:
        return _error(request, pack, exc)
    result = parse(text, pack)
    form = {k: v for k, v in params.items()}
    multi = {k[2:]: [v for v in params.getlist(k) if v] for k in params if k.startswith("f.")}
    errors: dict[str, str] = {}
    try:
        age = checker.parse_age(form.get("age"))
    except InputError as exc:
        errors["age"] = exc.message
        age = None
    sex = form.get("sex", "")
    if sex not in checker.SEX_CHOICES:
        errors["sex"] = "Choose one of the options."
    complaint = form.get("complaint", "")
    if not any(c.id == complaint for c in pack.meta.complaints):
        errors["complaint"] = "Choose the main problem."
    if errors:
        return _page(request, pack, text, result, errors, form, multi, status_code=422)
    answers: dict[str, Any] = {}
    for r in _rows(pack, result, form, multi):
        row: Understood = r["row"]
        value = r["value"]
        if row.status != "answered" or value in ("", REMOVE, []):
            continue  # removed, or left open: the interview asks it
        e = r["evidence"]
        if e.type == "number":
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
        answers[row.evidence_id] = value
    engine_sex = sex if sex in ("female", "male") else None
    answers = fit_answers(pack, answers, age, engine_sex)
    preg = form.get("pregnant", "")
    fields: list[tuple[str, str]] = [("for_whom", form.get("for_whom", "self")), ("sex", sex),
                                     ("age", f"{age:g}" if age is not None else ""), ("complaint", complaint)]
    if preg in ("yes", "no"):
        fields.append(("pregnant", preg))
    fields += [("a", f"{k}={checker.encode_value(v)}") for k, v in answers.items()]
    try:
        state = checker.read_state(pack, dict(fields[:4] + [f for f in fields if f[0] == "pregnant"]),
                                   [v for k, v in fields if k == "a"])
    except InputError as exc:
        return _error(request, pack, exc)
    checker.prune_answers(pack, state)
    url = "/check/step?" + urlencode(state.hidden_fields())
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})
