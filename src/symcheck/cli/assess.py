"""`symcheck assess CASE.json`: an assessment without questions, from a file of answers."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from symcheck.cli.apps import app
from symcheck.cli.render import render_assessment
from symcheck.errors import InputError
from symcheck.interview import assess as assess_case
from symcheck.kb.pack import DEFAULT_PACK, load_pack
from symcheck.validation import loads_json, validate_case


def read_case(path: Path) -> dict[str, object]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot read the case file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
                                    "save the file as UTF-8") from None
    try:
        case = loads_json(text)  # refuses duplicate keys: json.loads would keep the last one silently
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(case, dict):
        raise InputError(str(path), "a case must be a JSON object")
    return case


@app.command("assess")
def assess(
    case_file: Path = typer.Argument(..., help='JSON: {"age": 40, "sex": "female", "complaint": "...", "answers": {...}}'),
    pack: str = typer.Option(None, "--pack", help="Pack name or folder (default: the case's 'pack', else spasm)."),
    as_json: bool = typer.Option(False, "--json", help="Print the assessment as JSON for scripts."),
    top: int = typer.Option(5, "--top", min=1, max=50, help="How many possible causes to list."),
) -> None:
    """Assess a case from a file of answers, without asking questions."""
    case = read_case(case_file)
    loaded = load_pack(pack or str(case.pop("pack", DEFAULT_PACK)))
    case.pop("pack", None)
    # The shared rules on the raw values: assess() would read "answers": [] as no answers.
    validate_case(loaded, case.get("age"), case.get("sex"), case.get("pregnant"), case.get("answers"))
    result = assess_case(loaded, case)
    if top != 5:
        result.differential = result.differential[:top]
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        render_assessment(Console(), result, loaded)
