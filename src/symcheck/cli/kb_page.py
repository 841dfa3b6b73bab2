"""`symcheck kb page PACK`: print a pack's symptom page (or one condition page) as Markdown or HTML."""

from __future__ import annotations

import html

import typer

from symcheck.cli.apps import kb_app
from symcheck.errors import InputError
from symcheck.kb import page as page_mod
from symcheck.kb.pack import load_pack


@kb_app.command("page")
def page(
    pack: str = typer.Argument("spasm", help="Pack name or folder."),
    condition: str = typer.Option("", "--condition", "-c", help="Print this condition's page instead."),
    fmt: str = typer.Option("md", "--format", "-f", help="md (Markdown) or html (a fragment, escaped and safe)."),
) -> None:
    """Print the symptom page (page.yaml with the warning signs from rules.yaml, sources and review)."""
    if fmt not in ("md", "html"):
        raise InputError("--format", f"{fmt!r} is not one of md, html")
    loaded = load_pack(pack)
    text = page_mod.condition_page_markdown(loaded, condition) if condition else page_mod.symptom_page_markdown(loaded)
    if fmt == "md":
        print(text, end="")
        return

    def resolve(cid: str) -> tuple[str, str] | None:
        c = loaded.conditions.get(cid)
        return (f"conditions/{html.escape(cid)}.html", c.name) if c else None

    print(page_mod.render_markdown(text, resolve, heading_level=1))
