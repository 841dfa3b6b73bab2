"""`symcheck complaints`: the main problems a pack covers, with the ids that --complaint takes."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from symcheck.cli.apps import app
from symcheck.kb.pack import DEFAULT_PACK, load_pack


@app.command("complaints")
def complaints(
    pack: str = typer.Option(DEFAULT_PACK, "--pack", help="Pack name or folder."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """List the main problems (complaints) a pack covers and their ids for --complaint."""
    loaded = load_pack(pack)
    if as_json:
        print(json.dumps([{"id": c.id, "label": c.label, "synonyms": c.synonyms} for c in loaded.meta.complaints],
                         indent=2))
        return
    table = Table(title=f"Complaints in {loaded.meta.name}", show_lines=False)
    table.add_column("id", no_wrap=True)
    table.add_column("what it is")
    for c in loaded.meta.complaints:
        table.add_row(c.id, c.label)
    Console().print(table)
