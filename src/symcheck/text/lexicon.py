"""A pack's phrases compiled for fast matching: token keys indexed by their first key."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from typing import Any

from symcheck.engine.rules import RuleSyntaxError
from symcheck.engine.rules import parse as parse_rule
from symcheck.kb.pack import Pack
from symcheck.text.tokens import Speller, english_words, index_key, phrase_keys, stem, tokenize

# Small words that may sit inside a phrase without breaking it ("pain in MY calf", "THE LEFT leg").
FILLERS = {
    "my", "the", "a", "an", "his", "her", "their", "your", "our", "both", "left", "right", "lower", "upper",
    "whole", "very", "really", "so", "quite", "bit", "little", "all", "of", "real", "bad", "badly", "some",
    "too", "kind", "sort", "like", "just", "also", "again", "sudden", "suddenly", "got", "get",
    "pale", "light", "is", "are", "was", "completely", "totally",
}
FILLERS = FILLERS | {stem(w) for w in FILLERS}


@dataclass(frozen=True)
class Target:
    evidence_id: str
    value: str  # "present", "absent" or a choice id
    near: tuple[tuple[str, ...], ...] = ()
    part: str = ""  # one part of a question that asks about several things (phrases.yaml `parts:`)


@dataclass
class Lexicon:
    pack_id: str
    index: dict[str, list[tuple[tuple[str, ...], list[Target]]]] = field(default_factory=dict)
    complaints: dict[str, list[tuple[tuple[str, ...], str, tuple[tuple[str, ...], ...]]]] = field(default_factory=dict)
    speller: Speller | None = None
    red_flags: set[str] = field(default_factory=set)
    scope_complaints: set[str] = field(default_factory=set)  # complaints whose answers fire a scope rule
    max_len: int = 1
    # where/when items (a choice read only beside a word for the problem, or the pack's location and timing
    # groups): they describe the complaint alongside any finding that shares their words
    descriptors: set[str] = field(default_factory=set)
    # which-side items: evidence id -> (the choice that says one side, the choice that says both), known from the
    # pack's own words: the one choice lists "left leg"-like phrases, the other "left and right"
    sides: dict[str, tuple[str, str]] = field(default_factory=dict)
    place_words: set[str] = field(default_factory=set)  # words of the location items' phrases ("calf", "leg")
    parts: dict[str, set[str]] = field(default_factory=dict)  # evidence id -> the parts its question asks about

    def add(self, keys: tuple[str, ...], target: Target) -> None:
        if not keys:
            return
        bucket = self.index.setdefault(index_key(keys[0]), [])
        for k, targets in bucket:
            if k == keys:
                if target not in targets:
                    targets.append(target)
                return
        bucket.append((keys, [target]))
        self.max_len = max(self.max_len, len(keys))


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def red_flag_evidence(pack: Pack) -> set[str]:
    """Yes/no evidence named in any rule's `when` expression."""
    names: set[str] = set()
    for rule in pack.rules:
        names.update(n for n in _IDENT.findall(rule.when) if n in pack.evidence)
    return {n for n in names if pack.evidence[n].type == "yes_no"}


# id(pack) -> (weak reference to the pack, its lexicon); packs are unhashable dataclasses
def scope_complaints(pack: Pack) -> set[str]:
    """Complaints that take the case out of the pack: a `scope: true` rule is true on their answers alone."""
    out = set()
    for comp in pack.meta.complaints:
        facts: dict[str, Any] = {}
        for k, v in comp.answers.items():
            facts[k] = (v == "present") if v in ("present", "absent") else v
        for rule in pack.rules:
            if rule.scope:
                try:
                    if parse_rule(rule.when).evaluate(facts) is True:
                        out.add(comp.id)
                except (RuleSyntaxError, TypeError):
                    continue
    return out


_LEFT, _RIGHT = stem("left"), stem("right")


def _side_choices(pack: Pack) -> dict[str, tuple[str, str]]:
    """Items whose choices say one side or both, from the pack's phrases: the choice with "left and right" among
    its phrases is both sides; the choice with phrases that start "left ..." or "right ..." is one side."""
    ph = pack.phrases
    if ph is None:
        return {}
    both: dict[str, str] = {}
    one: dict[str, str] = {}
    for key, entry in ph.evidence.items():
        ev_id, _, value = key.partition(".")
        if not value or ev_id not in pack.evidence or pack.evidence[ev_id].type == "yes_no":
            continue
        phrases = [phrase_keys(p) for p in (entry if isinstance(entry, list) else entry.phrases)]
        if (_LEFT, "and", _RIGHT) in phrases:
            both[ev_id] = value
        elif any(len(k) > 1 and k[0] in (_LEFT, _RIGHT) for k in phrases):
            one.setdefault(ev_id, value)
    return {e: (one[e], both[e]) for e in both if e in one and one[e] != both[e]}


_CACHE: dict[int, tuple[weakref.ref[Pack], Lexicon]] = {}


def lexicon_for(pack: Pack) -> Lexicon:
    """Compiled once per loaded pack (the pack cache keeps one object per unchanged folder)."""
    hit = _CACHE.get(id(pack))
    if hit is not None and hit[0]() is pack:
        return hit[1]
    lex = Lexicon(pack.id)
    vocab: dict[str, str] = {}
    ph = pack.phrases
    if ph is not None:
        for key, entry in ph.evidence.items():
            ev_id, _, value = key.partition(".")
            phrases = entry if isinstance(entry, list) else entry.phrases
            near = () if isinstance(entry, list) else tuple(phrase_keys(n) for n in entry.near)
            target = Target(ev_id, value or "present", near)
            if pack.evidence[ev_id].type != "yes_no" and (near or pack.evidence[ev_id].group in ("location", "timing")):
                lex.descriptors.add(ev_id)
            if pack.evidence[ev_id].type != "yes_no" and pack.evidence[ev_id].group == "location":
                # the last word of each phrase names the place ("calf", "back of my leg", "arch of my foot")
                lex.place_words.update(ks[-1] for ks in (phrase_keys(p) for p in phrases) if ks and ks[-1][0] not in "!.")
            for p in phrases:
                lex.add(phrase_keys(p), target)
                for t in tokenize(p):
                    if t.kind == "w":
                        vocab[t.text.replace("'", "")] = t.key
        for ev_id, parts in ph.parts.items():
            for key, entry in parts.items():
                part, _, value = key.partition(".")
                phrases = entry if isinstance(entry, list) else entry.phrases
                near = () if isinstance(entry, list) else tuple(phrase_keys(n) for n in entry.near)
                lex.parts.setdefault(ev_id, set()).add(part)
                for p in phrases:
                    lex.add(phrase_keys(p), Target(ev_id, value or "present", near, part))
                    for t in tokenize(p):
                        if t.kind == "w":
                            vocab[t.text.replace("'", "")] = t.key
        for ckey, centry in ph.complaints.items():
            cid = ckey.partition(".")[0]  # "complaint.name": more phrases for the same complaint
            phrases = centry if isinstance(centry, list) else centry.phrases
            cnear = () if isinstance(centry, list) else tuple(phrase_keys(n) for n in centry.near)
            for p in phrases:
                keys = phrase_keys(p)
                if keys:
                    lex.complaints.setdefault(index_key(keys[0]), []).append((keys, cid, cnear))
                for t in tokenize(p):
                    if t.kind == "w":
                        vocab[t.text.replace("'", "")] = t.key
    if not lex.complaints:
        # a pack without complaint phrases: its complaint synonyms (lay words by design) still route a story
        for comp in pack.meta.complaints:
            for p in comp.synonyms:
                keys = phrase_keys(p)
                if keys:
                    lex.complaints.setdefault(index_key(keys[0]), []).append((keys, comp.id, ()))
                for t in tokenize(p):
                    if t.kind == "w":
                        vocab[t.text.replace("'", "")] = t.key
    lex.sides = _side_choices(pack)
    lex.speller = Speller(vocab)
    english_words()  # read the word list at start-up, not during the first parse
    lex.red_flags = red_flag_evidence(pack)
    lex.scope_complaints = scope_complaints(pack)
    for k in [k for k, (ref, _) in _CACHE.items() if ref() is None]:
        del _CACHE[k]
    _CACHE[id(pack)] = (weakref.ref(pack), lex)
    return lex


def stems(words: str) -> set[str]:
    return {stem(w) for w in words.split()}
