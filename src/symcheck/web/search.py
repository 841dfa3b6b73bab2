"""Site search: the pack's search index (symcheck.search) with the web's own URLs and the symptom page's
sections added as documents. One index per loaded pack, built on first use."""

from __future__ import annotations

import re
import threading
from urllib.parse import quote

from symcheck.kb import page as page_mod
from symcheck.kb.pack import Pack
from symcheck.search import SearchDoc, SearchHit, SearchIndex

KIND_LABELS = {
    "page": "Symptom page",
    "section": "Symptom page section",
    "condition": "Condition",
    "complaint": "Start a symptom check",
    "evidence": "Symptom or sign",
    "category": "Category",
}

_indexes: dict[int, tuple[Pack, SearchIndex]] = {}
_lock = threading.Lock()


def web_url(kind: str, ident: str) -> str:
    if kind == "condition":
        return f"/conditions/{quote(ident)}"
    if kind == "complaint":
        return f"/check?complaint={quote(ident)}"
    if kind == "evidence":
        return f"/signs/{quote(ident)}"
    return ""


def _plain(markdown: str) -> str:
    text = page_mod.markdown_to_text(markdown)
    return re.sub(r"[*_`#\[\]()]", " ", text)


def page_docs(pack: Pack) -> list[SearchDoc]:
    docs: list[SearchDoc] = []
    page = pack.page
    title = page.title if page else pack.meta.name
    page_id = page.id if page else pack.id
    docs.append(
        SearchDoc(
            id=page_id,
            kind="page",
            title=title,
            text=_plain((page.summary if page else "") or pack.meta.description),
            url=f"/symptoms/{quote(page_id)}",
            synonyms=tuple(s for c in pack.meta.complaints for s in c.synonyms),
        )
    )
    if page:
        for sec in page.sections:
            docs.append(
                SearchDoc(
                    id=f"{page_id}#{sec.id}",
                    kind="section",
                    title=f"{sec.title}",
                    text=_plain(sec.body),
                    url=f"/symptoms/{quote(page_id)}#{quote(sec.id)}",
                )
            )
    for slug, conds in page_mod.categories(pack).items():
        docs.append(
            SearchDoc(
                id=slug,
                kind="category",
                title=page_mod.category_title(conds[0].category),
                text=" ".join(c.name for c in conds),
                url=f"/categories/{quote(slug)}",
            )
        )
    return docs


def index_for(pack: Pack) -> SearchIndex:
    """The index of this pack object (a reloaded pack is a new object and gets a new index)."""
    key = id(pack)
    with _lock:
        cached = _indexes.get(key)
        if cached is not None and cached[0] is pack:
            return cached[1]
    index = SearchIndex.build(pack, extra_docs=page_docs(pack), url_for=web_url)
    with _lock:
        if len(_indexes) > 8:
            _indexes.clear()
        _indexes[key] = (pack, index)
    return index


# A person searching the site usually wants a page to read: pages and conditions edge ahead of single
# questions when their scores are close.
KIND_WEIGHTS = {"page": 1.2, "condition": 1.15, "complaint": 1.1, "category": 1.0, "section": 1.0, "evidence": 0.85}


# A complaint the pack sends elsewhere (a scope rule names it) is rarely what the person is after: it goes
# below the pages the pack does cover ("cramp" listed belly and period cramps first).
OUT_OF_SCOPE_WEIGHT = 0.6


def out_of_scope_complaints(pack: Pack) -> frozenset[str]:
    return frozenset(c for r in pack.rules if r.scope for c in r.complaints)


def _weighted(pack: Pack, q: str, limit: int, prefix: bool) -> list[tuple[float, SearchHit]]:
    hits = index_for(pack).search(q, limit=limit * 2, prefix=prefix)
    elsewhere = out_of_scope_complaints(pack)

    def weight(h: SearchHit) -> float:
        w = KIND_WEIGHTS.get(h.kind, 1.0)
        return w * OUT_OF_SCOPE_WEIGHT if h.kind == "complaint" and h.id in elsewhere else w

    return [(h.score * weight(h), h) for h in hits]


def search(pack: Pack, q: str, limit: int = 20, prefix: bool = False) -> list[SearchHit]:
    ranked = _weighted(pack, q, limit, prefix)
    ranked.sort(key=lambda pair: -pair[0])  # stable: the index's own order on equal scores
    return [h for _, h in ranked[:limit]]


# What the site can show from a pack other than the one its checker and category pages use: the symptom page,
# its sections and the condition pages (their addresses resolve in any served pack, see web.multipack).
OTHER_PACK_KINDS = frozenset({"page", "section", "condition"})


def search_packs(packs: list[Pack], q: str, limit: int = 20, prefix: bool = False) -> list[SearchHit]:
    """One search over several packs: the first pack's hits of every kind, the others' pages and conditions,
    merged by weighted score. With one pack it is `search`."""
    if len(packs) <= 1:
        return search(packs[0], q, limit, prefix) if packs else []
    ranked = _weighted(packs[0], q, limit, prefix)
    seen = {h.url or f"{h.kind}:{h.id}" for _, h in ranked}
    for pack in packs[1:]:
        for score, h in _weighted(pack, q, limit, prefix):
            key = h.url or f"{h.kind}:{h.id}"
            if h.kind in OTHER_PACK_KINDS and key not in seen:
                seen.add(key)
                ranked.append((score, h))
    ranked.sort(key=lambda pair: -pair[0])
    return [h for _, h in ranked[:limit]]
