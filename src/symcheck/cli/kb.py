"""`symcheck kb validate` and `symcheck kb stats`."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from symcheck.cli.apps import kb_app
from symcheck.errors import PackError, PackIssue
from symcheck.kb.loader import load_pack_data
from symcheck.kb.pack import load_pack, resolve_pack
from symcheck.kb.stats import pack_stats


def _root_causes(issues: list[PackIssue]) -> tuple[list[PackIssue], int]:
    """A file that is not valid YAML makes every reference to its entries "unknown" (a broken evidence.yaml
    gave 1,310 such lines that hid the real problem): report the YAML error and count the rest."""
    broken = {i.file for i in issues if "not valid YAML" in i.message}
    if not broken:
        return issues, 0
    kept = [i for i in issues if i.file in broken or not i.message.startswith("unknown ")]
    return kept, len(issues) - len(kept)


@kb_app.command("validate")
def validate(pack: str = typer.Argument("spasm", help="Pack name or folder.")) -> None:
    """Validate a pack and report every problem at once (file: entry: field: message)."""
    root = resolve_pack(pack)
    try:
        data = load_pack_data(root)
    except PackError as exc:
        # The report goes to stdout, so `| less` and `> report.txt` get it; plain prints, one problem per
        # line, never wrapped, so editors and grep can use them.
        shown, hidden = _root_causes(exc.issues)
        for issue in shown:
            print(str(issue))
        print(f"{len(shown)} problem(s) in {root}")
        if hidden:
            print(f"(and {hidden} reference(s) to entries of the unreadable file(s) above, not listed: fix the "
                  "YAML first)")
        raise typer.Exit(1) from None
    assert data.meta is not None
    Console(highlight=False).print(
        f"ok: {data.meta.id} {data.meta.version}: {len(data.conditions)} conditions, "
        f"{len(data.evidence)} evidence, {len(data.rules)} rules", markup=False
    )


@kb_app.command("stats")
def stats(
    pack: str = typer.Argument("spasm", help="Pack name or folder."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print counts: conditions, evidence, links, rules, sourced share."""
    figures = pack_stats(load_pack(pack))
    if as_json:
        print(json.dumps(figures, indent=2))
        return
    table = Table(title=f"Pack {figures['pack']} {figures['version']}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        if key in ("pack", "version"):
            continue
        shown = ", ".join(f"{k} {v}" for k, v in value.items()) if isinstance(value, dict) else str(value)
        table.add_row(key.replace("_", " "), shown)
    Console().print(table)

