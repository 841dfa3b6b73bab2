"""The safety property of the parser, tested on generated stories:

    a parse never invents a red flag the text does not state, and never drops one it does.

Stories are composed from the pack's own red-flag phrases, each stated plainly, negated or hedged, mixed
with neutral sentences. A red flag is "stated" when one of its phrases appears outside a negation or a
hedge; then the parse must answer it "present". A red flag whose phrases appear only negated, hedged or
not at all must not be "present". (The pack's structure adds one thing: a follow-up question that
is stated implies its parent question; a stated follow-up is kept even when its parent reads otherwise; a
question asked only at some ages or of one sex does not apply to a person outside them.)
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symcheck
from symcheck.text import parse
from symcheck.text.context import SUBJECTS, TERMINATORS
from symcheck.text.lexicon import lexicon_for
from symcheck.text.tokens import index_key, phrase_keys

PACK = symcheck.load_pack("spasm")
LEX = lexicon_for(PACK)


def _targets(phrase: str) -> set[tuple[str, str]]:
    """What the lexicon says this phrase states (several items may share a phrase)."""
    keys = phrase_keys(phrase)
    found: set[tuple[str, str]] = set()
    for k, targets in LEX.index.get(index_key(keys[0]), []):
        if tuple(index_key(x) for x in k if x != "...") == keys:  # "=weeks" is the word as written
            found |= {(t.evidence_id, t.value) for t in targets}
    return found


# red-flag evidence -> its plain phrases (entries without `near`, stated as present)
PHRASES: dict[str, list[str]] = {}
assert PACK.phrases is not None
for key, entry in PACK.phrases.evidence.items():
    ev_id, _, value = key.partition(".")
    if ev_id in LEX.red_flags and value in ("", "present") and isinstance(entry, list):
        # a "..." gap may be empty; an "=word" is that word as written
        PHRASES.setdefault(ev_id, []).extend(p.replace(" ... ", " ").replace("=", "") for p in entry)
RED_FLAGS = sorted(PHRASES)
UNCERTAIN = {"tetanus_vaccine_uncertain"}
CLAUSE_WORDS = TERMINATORS | SUBJECTS

PLAIN = ["I have {}.", "There is {}.", "{}.", "Today {}."]
NEGATED = ["No {}.", "I don't have {}.", "There is no {}.", "Never {}.", "Without {}."]
HEDGED = ["Not sure if {}.", "Maybe {}.", "I don't know if {}."]
NEUTRAL = ["My calf cramps at night.", "It started three days ago.", "I am 45.", "I walk the dog every day.",
           "Stretching helps a bit."]

item = st.tuples(
    st.sampled_from(RED_FLAGS),
    st.integers(min_value=0, max_value=10_000),
    st.sampled_from(["plain", "negated", "hedged"]),
    st.integers(min_value=0, max_value=10),
)


def _sentence(phrase: str, mode: str, pick: int) -> str:
    templates = {"plain": PLAIN, "negated": NEGATED, "hedged": HEDGED}[mode]
    s = templates[pick % len(templates)].format(phrase)
    return s[0].upper() + s[1:]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(item, min_size=1, max_size=5, unique_by=lambda x: x[0]),
       neutral=st.lists(st.sampled_from(NEUTRAL), max_size=2), listed=st.booleans())
def test_red_flags_are_never_invented_or_dropped(items, neutral, listed) -> None:
    sentences = list(neutral)
    stated: set[str] = set()
    denied: set[str] = set()
    # an item whose meaning is itself uncertainty ("not sure ... tetanus") is not hedged: the hedge is its words
    chosen = [(ev, PHRASES[ev][i % len(PHRASES[ev])], "plain" if mode == "hedged" and ev in UNCERTAIN else mode, pick)
              for ev, i, mode, pick in items]
    # lists are of plain items: an item with a clause word in it ("since my ...", "but ...") is its own sentence
    negated = [c for c in chosen if c[2] == "negated" and not set(phrase_keys(c[1])) & CLAUSE_WORDS]
    if listed and len(negated) >= 2:
        # a list: "No A, B or C." negates every item
        names = [c[1] for c in negated]
        sentences.append("No " + ", ".join(names[:-1]) + " or " + names[-1] + ".")
        chosen = [c for c in chosen if c not in negated]
        for _, phrase, _, _ in negated:
            denied |= {ev for ev, v in _targets(phrase) if v in ("present", "")}
    for _ev, phrase, mode, pick in chosen:
        sentences.append(_sentence(phrase, mode, pick))
        targets = {ev for ev, v in _targets(phrase) if v == "present" and ev in LEX.red_flags}
        if mode == "plain":
            stated |= targets
        elif mode == "negated":
            denied |= targets
    text = " ".join(sentences)
    result = parse(text, PACK)
    # the pack's structure: a stated follow-up implies its yes/no parent
    for ev in list(stated):
        parent = PACK.evidence[ev].parent
        if parent is not None and PACK.evidence[parent].type == "yes_no" and parent in LEX.red_flags and parent not in denied:
            stated.add(parent)
    # a question the pack asks only at some ages or of one sex does not apply to a person outside them
    age, sex = result.person.age, result.person.sex
    for ev in list(stated):
        e = PACK.evidence[ev]
        if (e.sexes and sex is not None and sex not in e.sexes) or (age is not None and (
                (e.min_age is not None and age < e.min_age) or (e.max_age is not None and age > e.max_age))):
            stated.discard(ev)
    present = {ev for ev, v in result.answers.items() if ev in LEX.red_flags and v == "present"}
    assert present == stated, (text, present ^ stated)
    for ev in denied - stated:
        assert result.answers.get(ev) != "present", (text, ev)
