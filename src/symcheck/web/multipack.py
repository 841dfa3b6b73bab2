"""Every pack the site serves (issue 12): the home page lists each pack's symptom page, symptom and condition
pages resolve in whichever pack has them, and site search covers them all.

The first pack is the one `site.pack_for` names (the checker, categories and A-Z list use it); the others are the
rest of the API's packs. An app given one pack explicitly (`mount_web(app, pack)`) serves that pack alone.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from symcheck.errors import NotFound
from symcheck.kb import page as page_mod
from symcheck.kb.pack import Pack
from symcheck.kb.schema import Condition
from symcheck.web.site import pack_for


def site_packs(request: Request) -> list[Pack]:
    main = pack_for(request)
    packs = [main]
    if getattr(request.app.state, "web_pack", None) is None:
        registry = getattr(getattr(request.app.state, "api", None), "registry", None)
        packs += [p for p in (registry.packs.values() if registry is not None else ()) if p.id != main.id]
    return packs


def symptom_page_id(pack: Pack) -> str:
    return pack.page.id if pack.page else pack.id


def pack_with_page(request: Request, page_id: str) -> Pack | None:
    return next((p for p in site_packs(request) if symptom_page_id(p) == page_id), None)


def pack_with_condition(request: Request, condition_id: str) -> Pack | None:
    return next((p for p in site_packs(request) if condition_id in p.conditions), None)


def site_categories(request: Request) -> dict[str, list[Condition]]:
    """Conditions of every served pack by category slug (a category both packs use is one list)."""
    merged: dict[str, dict[str, Condition]] = {}
    for pack in reversed(site_packs(request)):  # the site's own pack last, so its condition wins a shared id
        for slug, conds in page_mod.categories(pack).items():
            merged.setdefault(slug, {}).update({c.id: c for c in conds})
    return {slug: sorted(by_id.values(), key=lambda c: c.name.lower()) for slug, by_id in sorted(merged.items())}


def checker_pack(request: Request, form: dict[str, str] | None = None) -> Pack:
    """The pack of a checker step: the served pack its state names (after a hand-over), else the site's."""
    wanted = (form or {}).get("pack") or request.query_params.get("pack")
    if wanted:
        for pack in site_packs(request):
            if pack.id == wanted:
                return pack
    return pack_for(request)


def served_loader(request: Request) -> Callable[[str], Pack]:
    """Loads a pack for a hand-over only when this site serves it."""

    def load(pack_id: str) -> Pack:
        for pack in site_packs(request):
            if pack.id == pack_id:
                return pack
        raise NotFound("pack", pack_id)

    return load
