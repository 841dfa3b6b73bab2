"""The Typer applications. Command modules register themselves on these; `main.py` imports them all."""

from __future__ import annotations

import typer
from typer import core as _typer_core

app = typer.Typer(
    name="symcheck",
    help="symcheck: an open, explainable symptom assessment. Not a diagnosis.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
kb_app = typer.Typer(help="Knowledge packs: validate, stats, pages, import, fit.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks that print measured figures.", no_args_is_help=True)
rare_app = typer.Typer(help="Rare-disease differential from HPO phenotypes (clinician mode).", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
app.add_typer(bench_app, name="bench")
app.add_typer(rare_app, name="rare")


# Help shows what to type, not Python types: Typer prints "<bool>" after a flag and "<list[str]>" after a
# repeatable option. A flag takes no value; an option shows its name ("--pack PACK"); an argument its own.
def _help_metavar(self: _typer_core.TyperOption, ctx: object) -> str | None:
    if self.metavar is not None:
        return str(self.metavar)
    if self.is_flag or self.count:
        return None
    name = (self.name or "value").upper()
    return f"{name}..." if self.multiple else name


_typer_core.TyperOption.display_type_rich = _help_metavar  # type: ignore[method-assign]
# an argument's name is already in the first column
_typer_core.TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]
