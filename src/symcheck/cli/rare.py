"""`symcheck rare rank`: rare-disease differential from HPO terms, for clinicians."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.table import Table

from symcheck.cli.apps import rare_app
from symcheck.rare import service
from symcheck.rare.service import RareDiseaseResult

_HOW_MARK = {
    "exact": "=",
    "patient_more_specific": "<",  # the patient's term is more specific than the disease's
    "patient_more_general": ">",
    "related": "~",
    "no_match": "?",
    "contradicted": "!",
    "excluded_present": "-",
    "excluded_absent": "-",
}


def _split_ids(values: list[str]) -> list[str]:
    """Accept `HP:1 HP:2`, `HP:1,HP:2` or a mix, as clinicians paste either."""
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def _top_terms(d: RareDiseaseResult, n: int = 4) -> str:
    """The terms that argue most for the disease, strongest first, with how they matched."""
    # An excluded feature the disease lacks helps every such disease alike: not worth showing.
    shown = [m for m in d.matches if m.log_lr > 0 and m.how != "excluded_absent"]
    positive = sorted(shown, key=lambda m: -m.log_lr)[:n]
    parts = []
    for m in positive:
        mark = _HOW_MARK.get(m.how, "")
        text = f"{m.term_name} {mark}{m.log_lr:+.1f}"
        if m.status == "excluded":
            text = f"no {m.term_name} {m.log_lr:+.1f}"
        parts.append(text)
    return "; ".join(parts) or "-"


@rare_app.command("rank")
def rank(
    terms: list[str] = typer.Argument(..., help="Observed HPO terms, e.g. HP:0001250 HP:0001263."),
    exclude: list[str] = typer.Option([], "--exclude", "-x", help="An HPO term the patient does NOT have."),
    age: float = typer.Option(None, "--age", help="Age in years."),
    sex: str = typer.Option(None, "--sex", help="female or male."),
    top: int = typer.Option(10, "--top", help=f"How many diseases to list (1 to {service.MAX_TOP})."),
    sources: str = typer.Option(
        "OMIM", "--sources", help="Comma-separated: OMIM, ORPHA, DECIPHER, or 'all'."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Rank the rare diseases annotated in HPO by the likelihood of the patient's phenotype.

    For clinicians: a differential to consider, not a diagnosis.
    """
    # Every rule (ids, limits, age, sex, top, sources) lives in the service, so that the CLI, Python and HTTP
    # answer the same input with the same message.
    chosen = (
        service.ALL_SOURCES
        if sources.strip().lower() == "all"
        else tuple(s.strip() for s in sources.split(",") if s.strip())
    )
    result = service.rank(
        _split_ids(terms),
        _split_ids(exclude),
        age,
        sex,
        top=top,
        sources=chosen,
    )
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    console = Console()
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    table = Table(
        title=f"Rare-disease differential ({result.n_candidates:,} {'/'.join(result.sources)} diseases, "
        f"HPO {result.hpoa_version})",
        caption="= exact  < patient term more specific  > more general  ~ related  - excluded feature. "
        "log-LR per term. Not a diagnosis.",
    )
    table.add_column("#", justify="right")
    table.add_column("disease")
    table.add_column("share", justify="right")
    table.add_column("top matching terms (log-LR)")
    for d in result.diseases:
        table.add_row(str(d.rank), f"{d.name} ({d.disease_id})", f"{d.score_share:.1%}", _top_terms(d))
    console.print(table)
    console.print(
        f"None of these (a disease not annotated or not among the candidates): {result.unknown_share:.1%}. "
        "Shares are the model's posterior, not calibrated probabilities.",
        highlight=False,
    )
    if result.top1_probability is not None and result.diseases:
        console.print(
            f"Probability that #1 ({result.diseases[0].name}) is the diagnosis: {result.top1_probability:.0%} "
            "(calibrated out-of-fold on phenopacket-store cases; see README).",
            highlight=False,
        )
