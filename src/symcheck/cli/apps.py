"""The Typer applications. Command modules register themselves on these; `main.py` imports them all."""

from __future__ import annotations

import typer

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
