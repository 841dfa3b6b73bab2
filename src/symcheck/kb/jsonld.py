"""schema.org structured data (JSON-LD) for the pack's pages: the symptom page, condition pages and sign
pages, each a ``MedicalWebPage`` about a ``MedicalSignOrSymptom`` or ``MedicalCondition``.

Only facts the pack states go in: names, codes, the review record as written, the answers the pack links to
a condition (signs and symptoms vs risk factors by the evidence's ``kind``), self-care and treatment,
complications, tests and the cited sources. ``base_url`` makes every URL absolute (search engines and
publishers read the data away from the page). The types and properties used are checked against a pinned
extract of the schema.org vocabulary in the tests (tests/web/data/schemaorg-30.0-extract.json).
"""

from __future__ import annotations

import json
import re
from typing import Any

from markupsafe import Markup

from symcheck.kb import page as page_mod
from symcheck.kb.pack import Pack
from symcheck.kb.schema import Condition, Evidence, Source

CONTEXT = "https://schema.org"
# Words that mark a reviewer named in a pack as a group rather than one person: schema.org's reviewedBy
# takes an Organization or a Person, and packs write the reviewer as free text.
_GROUP_WORDS = re.compile(
    r"\b(team|group|board|committee|panel|department|service|trust|society|college|association|"
    r"institute|foundation|ltd|inc|gmbh|llc|network|unit|editors|editorial)\b",
    re.IGNORECASE,
)
# Evidence kinds that describe the person rather than the illness (pregnancy, ancestry, a medicine taken):
# schema.org's MedicalRiskFactor; symptoms and findings are MedicalSignOrSymptom.
RISK_KINDS = ("risk_factor", "demographic")
# Code systems as packs name them (keys of `codes`) and as schema.org's codingSystem spells them.
CODING_SYSTEMS = {"icd10": "ICD-10", "icd11": "ICD-11", "snomed": "SNOMED-CT", "hpo": "HPO", "omim": "OMIM",
                  "orpha": "ORPHA", "umls": "UMLS", "mesh": "MeSH"}


def _abs(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def reviewer_node(reviewer: str) -> dict[str, str]:
    """The reviewer exactly as the pack writes it, typed Organization for a named group, else Person."""
    kind = "Organization" if _GROUP_WORDS.search(reviewer) else "Person"
    return {"@type": kind, "name": reviewer}


def _codes(icd10: str | None, codes: dict[str, str]) -> list[dict[str, str]]:
    out = []
    if icd10:
        out.append({"@type": "MedicalCode", "codeValue": icd10, "codingSystem": "ICD-10"})
    for system, value in codes.items():
        if system == "icd10" and value == icd10:
            continue
        out.append({"@type": "MedicalCode", "codeValue": value, "codingSystem": CODING_SYSTEMS.get(system, system)})
    return out


def _citations(sources: list[Source]) -> list[dict[str, str]]:
    out = []
    for s in sources:
        node = {"@type": "CreativeWork", "name": s.citation}
        if s.url:
            node["url"] = s.url
        out.append(node)
    return out


def _web_page(pack: Pack, base_url: str, path: str, title: str, description: str,
              review: page_mod.ReviewInfo, sources: list[Source], about: dict[str, Any]) -> dict[str, Any]:
    url = _abs(base_url, path)
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": title,
        "inLanguage": pack.meta.languages[0] if pack.meta.languages else "en",
        "isPartOf": {"@type": "WebSite", "name": "symcheck", "url": _abs(base_url, "/")},
    }
    if description:
        data["description"] = description
    if review.last_reviewed is not None:
        data["lastReviewed"] = review.last_reviewed.isoformat()
    if review.reviewer and review.reviewer != "not recorded":
        data["reviewedBy"] = reviewer_node(review.reviewer)
    data["about"] = about
    if sources:
        data["citation"] = _citations(sources)
    return data


def _sign_name(e: Evidence, answer: str) -> str:
    name = e.question.clinical or e.label or e.question.lay
    return name if e.type == "yes_no" else f"{name}: {answer}"


def condition_node(pack: Pack, c: Condition, base_url: str) -> dict[str, Any]:
    """The condition as a MedicalCondition: codes, signs and risk factors, treatments, complications, tests."""
    node: dict[str, Any] = {"@type": "MedicalCondition", "@id": _abs(base_url, f"/conditions/{c.id}#condition"),
                            "name": c.name, "url": _abs(base_url, f"/conditions/{c.id}")}
    alt = list(dict.fromkeys(([c.lay_name] if c.lay_name and c.lay_name != c.name else []) + c.synonyms))
    if alt:
        node["alternateName"] = alt
    if c.summary:
        node["description"] = page_mod.markdown_to_plain(c.summary)
    codes = _codes(c.icd10, c.codes)
    if codes:
        node["code"] = codes
    signs: list[dict[str, Any]] = []
    risks: list[dict[str, Any]] = []
    for feat in page_mod.typical_features(pack, c, limit=1000):
        e = pack.evidence[feat.evidence_id]
        url = _abs(base_url, f"/signs/{e.id}")
        if e.kind in RISK_KINDS:
            risks.append({"@type": "MedicalRiskFactor", "name": _sign_name(e, feat.answer), "url": url})
        else:
            sign: dict[str, Any] = {"@type": "MedicalSignOrSymptom", "name": _sign_name(e, feat.answer), "url": url}
            sign_codes = _codes(e.codes.get("icd10"), e.codes) if e.type == "yes_no" else []
            if sign_codes:
                sign["code"] = sign_codes
            signs.append(sign)
    if signs:
        node["signOrSymptom"] = signs
    if risks:
        node["riskFactor"] = risks
    treatments = [{"@type": "MedicalTherapy", "name": text} for text in c.self_care]
    if c.treatment:
        treatments.append({"@type": "MedicalTherapy", "name": f"Treatment of {c.name}",
                           "description": page_mod.markdown_to_plain(c.treatment)})
    if treatments:
        node["possibleTreatment"] = treatments
    if c.complications:
        node["possibleComplication"] = list(c.complications)
    tests = [{"@type": "MedicalTest", "name": pack.tests[t].name} for t in c.tests if t in pack.tests]
    if tests:
        node["typicalTest"] = tests
    return node


def condition_page(pack: Pack, c: Condition, base_url: str) -> dict[str, Any]:
    return _web_page(
        pack, base_url, f"/conditions/{c.id}", c.name,
        page_mod.markdown_to_plain(c.summary) if c.summary else "",
        page_mod.condition_review(pack, c), page_mod.condition_sources(pack, c), condition_node(pack, c, base_url),
    )


def symptom_page(pack: Pack, base_url: str) -> dict[str, Any]:
    """The symptom page: about the presenting symptom, with the conditions it discusses as the differential."""
    page = pack.page
    page_id = page.id if page else pack.id
    title = page.title if page else pack.meta.name
    summary = (page.summary if page and page.summary else "") or pack.meta.description
    about: dict[str, Any] = {"@type": "MedicalSignOrSymptom", "@id": _abs(base_url, f"/symptoms/{page_id}#symptom"),
                             "name": title}
    alt = [comp.label for comp in pack.meta.complaints if comp.label != title]
    if alt:
        about["alternateName"] = alt
    linked = page_mod.linked_from_page(pack) or list(pack.conditions)
    about["differentialDiagnosis"] = [
        {"@type": "DDxElement", "diagnosis": {"@type": "MedicalCondition", "name": pack.conditions[cid].name,
                                              "url": _abs(base_url, f"/conditions/{cid}")}}
        for cid in linked
    ]
    return _web_page(pack, base_url, f"/symptoms/{page_id}", title, page_mod.markdown_to_plain(summary),
                     page_mod.pack_review(pack), page_mod.page_sources(pack), about)


def sign_page(pack: Pack, e: Evidence, base_url: str) -> dict[str, Any]:
    """A sign page: a symptom or finding, or a risk factor, with the conditions the pack links it to."""
    name = e.question.clinical or e.question.lay
    kind = "MedicalRiskFactor" if e.kind in RISK_KINDS else "MedicalSignOrSymptom"
    about: dict[str, Any] = {"@type": kind, "@id": _abs(base_url, f"/signs/{e.id}#sign"), "name": name}
    if e.synonyms:
        about["alternateName"] = list(e.synonyms)
    codes = _codes(e.codes.get("icd10"), e.codes)
    if codes:
        about["code"] = codes
    return _web_page(pack, base_url, f"/signs/{e.id}", name, "", page_mod.pack_review(pack), [], about)


def script_tag(data: dict[str, Any]) -> Markup:
    """A <script type="application/ld+json"> element. '<', '>' and '&' are escaped as JSON unicode escapes,
    so no pack text can close the element (the JSON still parses to the same strings)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/ld+json">{text}</script>')
