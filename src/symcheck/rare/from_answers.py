"""The rare-disease view of an interview: the answers that carry HPO ids, ranked by the HPO model."""

from __future__ import annotations

from symcheck.errors import InputError
from symcheck.interview import Interview
from symcheck.rare.service import RareResult, rank

MIN_OBSERVED = 2  # one feature says too little to rank thousands of rare diseases


def hpo_terms(interview: Interview) -> tuple[list[str], list[str]]:
    """Observed and excluded HPO ids from the yes/no answers whose evidence carries an HPO code."""
    observed: list[str] = []
    excluded: list[str] = []
    for ev_id, value in interview.answers.items():
        e = interview.pack.evidence[ev_id]
        hpo = e.codes.get("hpo")
        if not hpo or e.type != "yes_no":
            continue
        if value == "present":
            observed.append(hpo)
        elif value == "absent":
            excluded.append(hpo)
    return list(dict.fromkeys(observed)), list(dict.fromkeys(t for t in excluded if t not in observed))


def rare_differential(interview: Interview, top: int = 5) -> RareResult | None:
    """Rare diseases sharing the person's features, or None when too few answers map to HPO terms."""
    observed, excluded = hpo_terms(interview)
    if len(observed) < MIN_OBSERVED:
        return None
    try:
        return rank(observed, excluded, age=interview.age, sex=interview.sex, top=top)
    except InputError:  # e.g. a pack code that is not a phenotypic abnormality term
        return None
