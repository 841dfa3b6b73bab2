"""Free text -> complaint, answers with polarity, values and who it is about (lexicon and rules, no model).

The pack's phrases.yaml carries the words; this module carries only language: tokens, spelling, negation,
hedges, past history, numbers. A pack author extends the parser by editing YAML.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from typing import Any, cast

from symcheck.errors import InputError
from symcheck.kb.pack import Pack, load_pack
from symcheck.kb.schema import Evidence
from symcheck.text.context import (
    NEG_PRE,
    NOW_MARKERS,
    PAST_MARKERS,
    Context,
    likeness_before,
    resolved_stretches,
    short_denial_after,
)
from symcheck.text.lexicon import FILLERS, Lexicon, Target, lexicon_for
from symcheck.text.models import Finding, ParseResult, Person, Polarity, Span
from symcheck.text.tokens import (
    COMMON,
    NOT_AFTER,
    POSSESSIVES,
    SENTENCE_END,
    SUBJECT_PRONOUNS,
    Token,
    stem,
    token_matches,
    tokenize,
)
from symcheck.text.values import Value, extract_values, guess_person

MAX_CHARS = 5000
NEAR_WINDOW = 12  # tokens: "my calf cramps", "cramps in both of my calves"  # a story, not a document: keeps a parse well under the time goal
_MAX_SKIPS = 2
GAP = 4
_CLAUSE_BREAKS = SENTENCE_END | {",", "but", "and", "so", "becaus", "then", "though", "although", "(", ")"}
_STOP_WORDS = COMMON | {
    "the", "and", "but", "for", "with", "have", "has", "had", "been", "this", "that", "what", "when", "then",
    "they", "them", "she", "her", "his", "him", "its", "it's", "was", "are", "anything", "should", "could",
    "would", "also", "just", "any", "all", "get", "got", "some", "into", "onto", "does", "did", "doe", "can",
    "really", "pretty", "bit", "lot", "lots", "thing", "thi", "hi", "wa", "ha", "doctor", "worried", "normal",
    "ok", "okay", "fine", "help", "advic", "advice", "wonder", "wondering", "ani", "abov",
}
_STOP = _STOP_WORDS | {stem(w) for w in _STOP_WORDS}
# relatives other than the patient: what they "had" is family history, not the patient's story
_RELATIVES = {stem(w) for w in (
    "mum", "mother", "dad", "father", "sister", "brother", "uncle", "aunt", "auntie", "cousin", "grandma", "grandad",
    "grandmother", "grandfather", "nan", "granny", "grandpa", "son", "daughter", "wife", "husband", "parents",
    "siblings", "friend", "colleague",
)}
_FAMILY = stem("family")
_LIKE = stem("like")
_LEFT, _RIGHT = stem("left"), stem("right")
_CONJUNCTIONS = {"and", "or", "nor"}
_DETERMINERS = {stem(w) for w in ("my", "the", "a", "an", "his", "her", "their", "your", "our")}
_SINCE = stem("since")
# words that stress how bad a just-named problem is ("cramped so bad", "twitching like crazy")
_EMPHASIS = {stem(w) for w in ("bad", "badly", "terrible", "terribly", "awful", "agony", "excruciating", "unbearable",
                               "unbareable", "horrendous", "crazy", "severe", "severely")}
_THEN = {stem(w) for w in ("then", "that", "which")}
# one-word negations: a phrase's "..." gap never stretches over one ("periods aren't heavy" is not "periods ...
# heavy"), else the negation, hidden inside the phrase, would leave the finding present
_GAP_NEGATIONS = {k[0] for k in NEG_PRE if len(k) == 1}
_MY = stem("my")
_I = stem("i")
_NEG_WORDS = {stem(w) for w in ("no", "not", "never", "without", "nothing")}
_FIRST_PERSON = {stem(w) for w in ("i", "im", "ive", "me", "id")}
_HAD = {stem(w) for w in ("had", "has", "have", "got", "gets", "suffers", "suffered", "died", "get")}
_ASKING = {stem(w) for w in ("is", "could", "can", "might", "may", "would", "are", "was")}
# a figure followed by one of these is a point in time, not how long something has gone on
_RELATIVE_AFTER = {stem(w) for w in ("before", "after", "later", "earlier", "late", "overdue", "early", "old")}
# a clause with one of these is about a medicine ("on co-codamol for three weeks", "10 mg every night")
_MEDICINE_WORDS = {stem(w) for w in (
    "tablet", "tablets", "pill", "pills", "medicine", "medicines", "medication", "medications", "mg", "dose",
    "prescribed", "prescription", "inhaler", "injection", "injections", "capsules", "supplements", "painkillers",
    "paracetamol", "ibuprofen", "codeine", "codamol", "naproxen", "aspirin", "antibiotics", "statin", "statins",
)}


def _match(tokens: list[Token], i: int, keys: tuple[str, ...], k: int = 0) -> int | None:
    """Index after a match of `keys` at token i, allowing a few filler words inside the phrase; a "..." in
    a phrase stands for up to GAP words of the same sentence ("stretching ... helps")."""
    j, skips, n = i, 0, len(tokens)
    while k < len(keys):
        if keys[k] == "...":
            for g in range(GAP + 1):
                if j + g >= n or (g and tokens[j + g - 1].key in SENTENCE_END | _GAP_NEGATIONS):
                    break
                end = _match(tokens, j + g, keys, k + 1)
                if end is not None:
                    return end
            return None
        if keys[k][0] == "!":
            # a word that must not follow ("doesn't drink !milk"); it takes no words of its own
            for g in range(j, min(n, j + NOT_AFTER)):
                if tokens[g].key in SENTENCE_END:
                    break
                if tokens[g].key == keys[k][1:]:
                    return None
            k += 1
            continue
        if j >= n:
            return None
        if token_matches(tokens[j], keys[k]):
            if skips and keys[k] in _CONJUNCTIONS and tokens[j - 1].key in FILLERS:
                # small words modify the word after them, and a conjunction is none: "eating a little and drinking
                # fine" is not "eating and drinking fine"
                return None
            j += 1
            k += 1
        elif 0 < k < len(keys) - 1 and keys[k] in _DETERMINERS and tokens[j].key in FILLERS:
            # the phrase's own "my" or "the" said with another small word: "back of my leg" in "the backs of both
            # legs" (left out altogether it may mean something else: "in my class", "in class")
            j += 1
            k += 1
        elif k > 0 and tokens[j].key in FILLERS and skips < _MAX_SKIPS and keys[k - 1] not in _NEG_WORDS:
            # "no wee" is not "no bit of wee": a phrase's own negation binds to the next word
            j += 1
            skips += 1
        else:
            return None
    return j


def _sentence_ids(tokens: list[Token]) -> list[int]:
    ids, s = [], 0
    for t in tokens:
        ids.append(s)
        if t.key in SENTENCE_END:
            s += 1
    return ids


def _span(text: str, tokens: list[Token], a: int, b: int) -> Span:
    start, end = tokens[a].start, tokens[b - 1].end
    return Span(start=start, end=end, text=text[start:end])


def _choice_for(ranges: dict[str, tuple[float, float | None]], v: float) -> str | None:
    for cid, (lo, hi) in ranges.items():
        if v >= lo and (hi is None or v < hi):
            return cid
    return None


def _applies(e: Evidence, age: float | None, sex: str | None) -> bool:
    if e.sexes and sex is not None and sex not in e.sexes:
        return False
    if age is not None and e.min_age is not None and age < e.min_age:
        return False
    return not (age is not None and e.max_age is not None and age > e.max_age)


class _Parse:
    def __init__(self, text: str, pack: Pack, lex: Lexicon):
        self.text = text
        self.pack = pack
        self.lex = lex
        self.tokens = tokenize(text)
        self.corrections: dict[str, str] = {}
        self._spell()
        self.sent = _sentence_ids(self.tokens)
        self._starts = [t.start for t in self.tokens]
        self.ctx = Context(self.tokens)
        self.covered: set[int] = set()
        self.complaint_id: str | None = None
        self.person_tokens: set[int] = set()  # "my son, 8": who it is about, never what the complaint is
        # someone speaks in the first person, so "my dad has ..." can be about another person than the patient
        self.patient_relation: str | None = None
        self._first_person = any(t.key in _FIRST_PERSON or t.key == _MY for t in self.tokens)
        self.mentions: list[tuple[int, int]] = []  # token ranges that name a complaint, as said (not denied)
        self.mention_ids: list[str] = []  # the complaint each of those names
        self.said_complaint: str | None = None  # the complaint the words name most, before who or what refines it
        self._near_memo: dict[tuple[int, int, tuple[tuple[str, ...], ...]], bool] = {}
        self.over: list[tuple[int, int]] = []  # stretches said to be over ("..., which has gone now")
        self.measured: list[tuple[str, int]] = []  # (slot, first token) of each temperature read as a number

    def _spell(self) -> None:
        sp = self.lex.speller
        if sp is None:
            return
        for t in self.tokens:
            if t.kind == "w" and t.key not in sp.keys and t.key not in FILLERS:
                word = t.text.replace("'", "")
                if len(word) < 5 and "'" in t.text:
                    continue  # a short contraction ("we've") is a word, not a typo of "wave"
                fix = sp.correct(word)
                if fix is not None:
                    t.fixed = fix
                    t.key = sp.vocab[fix]
                    self.corrections[t.text] = fix

    # -- phrases ---------------------------------------------------------------------------------------
    def _near_ok(self, near: tuple[tuple[str, ...], ...], a: int, b: int) -> bool:
        """One of the `near` words within a few tokens of [a, b) in the same sentence, or in the phrase itself."""
        if not near:
            return True
        memo = (a, b, near)
        hit = self._near_memo.get(memo)
        if hit is None:
            sid = self.sent[a]
            lo = max(0, a - NEAR_WINDOW)
            hi = min(len(self.tokens), b + NEAR_WINDOW)
            keys = [t.key for t in self.tokens[lo:hi]]
            sids = self.sent[lo:hi]
            hit = False
            for anchor in near:
                m = len(anchor)
                for i in range(len(keys) - m + 1):
                    # the phrase's own words count only when it says the anchor outright ("pee is normal"),
                    # never by overlapping it halfway
                    inside = a <= lo + i < b
                    if sids[i] == sid and tuple(keys[i : i + m]) == anchor and (not inside or lo + i + m <= b):
                        hit = True
                        break
                if hit:
                    break
            self._near_memo[memo] = hit
        return hit

    def _near_outside(self, near: tuple[tuple[str, ...], ...], a: int, b: int, skip: set[int]) -> bool:
        """As _near_ok, with the tokens in `skip` left out."""
        sid = self.sent[a]
        lo, hi = max(0, a - NEAR_WINDOW), min(len(self.tokens), b + NEAR_WINDOW)
        for anchor in near:
            m = len(anchor)
            for i in range(lo, hi - m + 1):
                if self.sent[i] == sid and not (a <= i < b) and not any(k in skip for k in range(i, i + m)) and (
                    tuple(t.key for t in self.tokens[i : i + m]) == anchor
                ):
                    return True
        return False

    def _another_place_nearer(
        self, near: tuple[tuple[str, ...], ...], a: int, b: int, places: list[tuple[int, int]]
    ) -> bool:
        """Its clause names a place (a location choice's words) but none of its `near` body parts, which are said
        only in another clause: "her thigh is swollen, her legs are weak" is no swollen leg."""
        near = tuple(anc for anc in near if all(k in self.lex.place_words for k in anc))
        if not near:
            return False  # its near words are not places ("jolt" beside "whole body")
        clause = self._clause(a)
        lo, hi = clause.start, max(clause.stop, b)
        if not any(lo <= x < hi and not (x < b and a < y) for x, y in places):
            return False
        for anchor in near:
            m = len(anchor)
            for i in range(lo, hi - m + 1):
                if tuple(t.key for t in self.tokens[i : i + m]) == anchor:
                    return False
        return True

    def _near_before(self, near: tuple[tuple[str, ...], ...], a: int) -> bool:
        """One of the `near` words in the sentence just before token a's."""
        sid = self.sent[a]
        if not near or sid == 0:
            return False
        lo = bisect.bisect_left(self.sent, sid - 1)
        hi = bisect.bisect_left(self.sent, sid)
        keys = [t.key for t in self.tokens[lo:hi]]
        return any(tuple(keys[i : i + len(anc)]) == anc for anc in near for i in range(len(keys) - len(anc) + 1))

    def phrase_matches(self) -> list[tuple[int, int, list[Target]]]:
        found: list[tuple[int, int, list[Target], int]] = []
        for i, t in enumerate(self.tokens):
            bucket = self.lex.index.get(t.key, ())
            if t.key in POSSESSIVES and t.key != _MY:
                bucket = [*bucket, *self.lex.index.get(_MY, ())]  # "her back" as "my back"
            elif t.key in SUBJECT_PRONOUNS and t.key != _I:
                bucket = [*bucket, *self.lex.index.get(_I, ())]  # "he can't walk" as "I can't walk"
            for keys, targets in bucket:
                end = _match(self.tokens, i, keys)
                if end is None:
                    continue
                ok = [tg for tg in targets if self._near_ok(tg.near, i, end) or (
                    # a medicine or history fact may lean on the sentence before ("I take diazepam. I ran out.");
                    # a symptom's anchor is its own sentence ("My calf cramps. Her face is swollen." is no swollen calf)
                    self.pack.evidence[tg.evidence_id].kind == "risk_factor" and self._near_before(tg.near, i)
                )]
                if ok:
                    found.append((i, end, ok, sum(k != "..." and k[0] != "!" for k in keys)))
        # Layers: words that describe where/which side (choice entries with `near`) do not compete with
        # findings for the same words ("thighs ache" is both a location and an ache).
        chosen = []

        def layer_of(t: Target) -> str:
            # where/which-side words each form their own layer, so a longer finding that shares their words
            # ("both legs feel heavy and stiff") does not hide them; yes/no findings share one
            return t.evidence_id if t.evidence_id in self.lex.descriptors else ""

        layers = {layer_of(t) for _, _, ts, _ in found for t in ts}
        for layer in layers:
            part = [(a, b, [t for t in ts if layer_of(t) == layer], nk) for a, b, ts, nk in found]
            part = [m for m in part if m[2]]
            # the phrase with more words of its own first (one stretched by fillers or a "..." gap is not longer
            # for it: "both legs feel heavy" over "legs ... stiff" in "both legs feel heavy and stiff"), then the
            # longer, then a warning sign's over another's ("was sick blood"), then the leftmost; a phrase inside a
            # longer one does not count on its own
            part.sort(key=lambda m: (-m[3], -(m[1] - m[0]), not any(t.evidence_id in self.lex.red_flags for t in m[2]), m[0]))
            taken: set[int] = set()
            for a, b, targets, _ in part:
                if any(k in taken for k in range(a, b)):
                    continue
                taken.update(range(a, b))
                chosen.append((a, b, targets))
        chosen.sort(key=lambda m: (m[0], m[1]))
        return chosen

    def polarity(self, a: int, b: int) -> tuple[str, Span | None, str]:
        trig = self.ctx.pre(a)
        own = self.ctx.covering.get(a)
        if trig is not None and own is not None and own.start == a and own.kind == "neg" and own.where == "pre" and any(
            self.tokens[k].key in (",", "or", "and", "nor") for k in range(trig.end, a)
        ):
            # the phrase opens with its own negation ("no headache", "no wee"): a list's "No fever, no headache or
            # rash" says it once, it does not deny it twice
            trig = None
        pol = "present"
        if trig is not None and trig.kind != "pseudo":
            pol = "absent" if trig.kind == "neg" else "unknown"
        else:
            trig = self.ctx.post(b)
            if trig is not None:
                pol = "absent" if trig.kind == "neg" else "unknown"
        past = self.ctx.is_past(a, b)
        cue = _span(self.text, self.tokens, trig.start, trig.end) if trig is not None and pol != "present" else None
        return pol, cue, "past" if past is not None else "now"

    # -- the whole parse -------------------------------------------------------------------------------
    def run(self) -> ParseResult:
        pack, text, tokens = self.pack, self.text, self.tokens
        findings: list[Finding] = []
        matches = self.phrase_matches()
        self.ctx.mask([(a, b) for a, b, _ in matches])
        person = self.person()
        over = self.over = resolved_stretches(tokens)
        # where the pack's places are named ("thigh", "hand"): a sign tied by `near` to one body part is not read
        # when another place is named nearer to it
        places = [(a, b) for a, b, ts in matches
                  if any(t.evidence_id in self.lex.descriptors and pack.evidence[t.evidence_id].group == "location"
                         and t.value != "present" for t in ts)]
        for a, b, targets in matches:
            pol, cue, when = self.polarity(a, b)
            # "had a fever, which has gone now": over and done with
            ended = any(lo <= a and b <= hi for lo, hi in over)
            if pol != "absent":
                denial = short_denial_after(tokens, b)
                if denial is not None:  # "I look pregnant (I'm definitely not)"
                    pol, cue = "absent", _span(text, tokens, *denial)
            self.covered.update(range(a, b))
            other = self._someone_else(a)
            asked = self._asked(a) if pol == "present" else None
            for tg in targets:
                e = pack.evidence[tg.evidence_id]
                if e.type == "yes_no" and tg.near and self._another_place_nearer(tg.near, a, b, places):
                    continue  # "her thigh is swollen ..., her legs are weak": the swelling is the thigh's
                if other is not None and not e.id.startswith("family_history") and not (
                    e.id in self.lex.red_flags and pol == "present" and tg.value != "absent" and e.kind != "risk_factor"
                ):
                    # "my sister had low calcium", "no one in my family has bowel cancer": not the patient's; a
                    # warning sign of the body is kept all the same (a wrong reading must not hide one), but a
                    # relative's history, medicine or exposure is theirs
                    continue
                if asked is not None and e.id not in self.lex.red_flags:
                    # "Is this stress?" asks, it does not tell (a warning sign named in a question is kept)
                    findings.append(
                        Finding(
                            evidence_id=e.id, value=None if e.type == "yes_no" or tg.value == "absent" else tg.value,
                            polarity="unknown", span=_span(text, tokens, a, b), cue=asked, time="now",
                            red_flag=False, label=e.label or e.question.lay,
                        )
                    )
                    continue
                fpol_here, cue_here, when_here = pol, cue, when
                if pol == "present" and e.kind == "risk_factor" and tg.value != "absent":
                    like = likeness_before(tokens, a)
                    if like is not None:
                        # a likeness says nothing about a state ("I look six months pregnant")
                        fpol_here, cue_here = "unknown", _span(text, tokens, like, a)
                if ended and e.type == "yes_no" and tg.value != "absent":
                    when_here = "past"
                if tg.value == "absent":
                    # a phrase that states the absence ("wee looks normal"); negating it settles nothing
                    fpol = "absent" if fpol_here == "present" else "unknown"
                    value = None
                elif e.type == "yes_no":
                    fpol, value = fpol_here, None
                else:
                    fpol, value = fpol_here, tg.value
                findings.append(
                    Finding(
                        evidence_id=e.id, value=value, polarity=cast(Polarity, fpol), span=_span(text, tokens, a, b),
                        cue=cue_here, time="past" if when_here == "past" else "now", red_flag=e.id in self.lex.red_flags,
                        label=e.label or e.question.lay, part=tg.part or None,
                    )
                )
        complaint, cspan, scores = self.complaint()
        self.complaint_id = complaint
        self._drop_borrowed_descriptions(findings)
        self._left_and_right(findings)
        findings.extend(self.value_findings(findings))
        self._measured(findings)
        self._denied_now(findings)
        if complaint is not None and not pack.complaint(complaint).answers:
            # a general complaint ("tummy pain") told with what defines a more particular one of the pack ("30
            # weeks pregnant", "during my period"): that one
            said = {(f.evidence_id, f.polarity) for f in findings if f.time == "now" and f.value is None}
            for comp_ in pack.meta.complaints:
                if comp_.answers and all((k, v) in said for k, v in comp_.answers.items()) and not any(
                    (k, "absent") in said for k in comp_.answers
                ):
                    scores[comp_.id] = max(scores.get(comp_.id, 0.0), scores.get(complaint, 0.0))
                    complaint = self.complaint_id = comp_.id
                    break
        if complaint is not None:
            comp = pack.complaint(complaint)
            for ev_id, value in comp.answers.items():
                if ev_id in pack.evidence and cspan is not None:
                    e = pack.evidence[ev_id]
                    findings.append(
                        Finding(
                            evidence_id=ev_id, value=None if e.type == "yes_no" else value,
                            polarity=cast(Polarity, "present" if e.type != "yes_no" else str(value)), span=cspan, source="complaint",
                            red_flag=ev_id in self.lex.red_flags, label=e.label or e.question.lay,
                        )
                    )
        # pregnancy as stated settles `pregnant`
        for f in findings:
            if f.evidence_id == "pregnancy" and f.time == "now" and f.polarity != "unknown":
                person.pregnant = f.polarity == "present"
        answers = self.answers(findings, person)
        findings.sort(key=lambda f: (f.span.start, f.evidence_id))
        return ParseResult(
            text=text, pack=pack.id, complaint=complaint, complaint_span=cspan, complaint_scores=scores,
            person=person, findings=findings, answers=answers, unplaced=self.unplaced(), corrections=self.corrections,
        )

    def _measured(self, findings: list[Finding]) -> None:
        """"temperature is 37.9", "a temp of 36.8": the bare word for the measurement says nothing more than its
        number, so the number decides (at or over the threshold it is there; in between the question stays open).
        A word that says more ("high temperature", "fever") is kept whatever the number."""
        if not self.measured:
            return
        neutral = {stem("temperature"), stem("temp"), "temperatur"}
        drop = []
        for f in findings:
            if f.source != "phrase" or f.polarity != "present":
                continue
            a, b = self._tok_at(f.span.start), self._tok_at(f.span.end)
            if not all(self.tokens[k].key in neutral for k in range(a, b)):
                continue
            for sid, start in self.measured:
                if sid == f.evidence_id and 0 <= start - b <= 4 and self.sent[start] == self.sent[a]:
                    drop.append(f)
                    break
        for f in drop:
            findings.remove(f)

    def _denied_now(self, findings: list[Finding]) -> None:
        """"I had a temperature at the weekend ... no temperature today": a symptom said in a clause about the
        past and denied of now is over. Only then; a symptom said present now is never set aside."""
        toks = self.tokens
        denied_now = set()
        for f in findings:
            if f.polarity != "absent" or f.value is not None:
                continue
            a, b = self._tok_at(f.span.start), self._tok_at(f.span.end)
            near = [toks[k].key for k in range(max(0, a - 3), min(len(toks), b + 3)) if self.sent[k] == self.sent[a]]
            if set(near) & NOW_MARKERS:
                denied_now.add(f.evidence_id)
        for f in findings:
            if f.evidence_id not in denied_now or f.polarity != "present" or f.time != "now":
                continue
            if self.pack.evidence[f.evidence_id].type != "yes_no":
                continue
            a = self._tok_at(f.span.start)
            j = a - 1
            said_past = False
            while j >= 0 and toks[j].key not in SENTENCE_END and toks[j].key not in ("but", ";"):
                if toks[j].key in PAST_MARKERS:
                    said_past = True
                    break
                j -= 1
            if said_past:
                f.time = "past"

    def value_findings(self, found: list[Finding]) -> list[Finding]:
        ph = self.pack.phrases
        if ph is None or not ph.slots:
            return []
        values = extract_values(self.tokens)
        out: list[Finding] = []
        by_kind: dict[str, list[Value]] = {}
        for v in values:
            by_kind.setdefault(v.kind, []).append(v)
        for sid, slot in ph.slots.items():
            e = self.pack.evidence[sid]
            if e.parent_value is not None:
                # a number read as the answer to a follow-up question only when the complaint opens it (with no
                # complaint, "over the past year" says nothing about how long any twitching has gone on)
                if self.complaint_id is None:
                    continue
                given = self.pack.complaint(self.complaint_id).answers.get(e.parent or "")
                if given is not None and e.parent_value not in (given if isinstance(given, list) else [given]):
                    continue
            cands: list[Value] = []
            if slot.kind in ("since", "since_yes_no"):
                # the complaint's own duration: first one said beside the complaint, then one said with another
                # symptom or on its own ("It started on Monday."); the shortest within a rank, figures and
                # "since ..." before words such as "today", which often only narrate. Background (a medicine taken "for a year", an
                # operation "three weeks ago") is not the complaint's.
                # "since Thursday" states when it began; a bare "this morning" may only narrate a moment of it
                ranked = [(self._value_rank(v, found), v.kind != "since" and self.tokens[v.start].key != _SINCE,
                           v.value, v)
                          for v in by_kind.get("since", []) + by_kind.get("since_word", [])]
                cands = [v for r, _, _, v in sorted(ranked, key=lambda x: x[:3]) if r < 3]
            elif slot.kind == "frequency" and self.mentions:
                # how often *it* happens: only a count said beside the complaint ("training five times a week",
                # "physio once a month" and "sick 8 times a day" count something else)
                cands = [v for v in by_kind.get(slot.kind, []) if self._value_rank(v, found) == 0]
            elif slot.kind == "episode":
                cands = [v for v in by_kind.get(slot.kind, []) if self._value_rank(v, found) < 3]
            else:  # a temperature or weeks of pregnancy say what they are wherever they stand
                cands = by_kind.get(slot.kind, [])
            for v in cands:
                trig = self.ctx.pre(v.start, kinds=("neg", "hedge"))
                if trig is not None and not (
                    # "maybe 5 minutes", "perhaps 38": a rough figure, not a doubt that it happened
                    trig.kind == "hedge" and trig.end == v.start and trig.end - trig.start == 1
                ):
                    continue
                if slot.kind == "temperature":
                    self.measured.append((sid, v.start))
                if slot.kind == "gestation" and (
                    likeness_before(self.tokens, v.start) is not None or short_denial_after(self.tokens, v.end) is not None
                ):
                    continue  # "I look six months pregnant, I'm not though"
                ended = any(lo <= v.start and v.end <= hi for lo, hi in self.over)
                span = _span(self.text, self.tokens, v.start, v.end)
                value: Any = None
                pol = "present"
                if slot.kind in ("since", "episode"):
                    value = _choice_for(slot.choices, v.value)
                    if value is None:
                        continue
                elif slot.kind == "frequency":
                    value = round(v.value, 2)
                else:  # temperature, gestation: a yes/no read from a number
                    if slot.present_from is not None and v.value >= slot.present_from:
                        pol = "present"
                    elif (slot.absent_below is not None and v.value < slot.absent_below) or (
                        slot.kind in ("gestation", "since_yes_no") and slot.absent_below is None
                    ):
                        pol = "absent"
                    else:
                        continue
                source = {"since": "duration", "since_yes_no": "duration", "episode": "duration", "frequency": "frequency",
                          "temperature": "temperature", "gestation": "number"}[slot.kind]
                self.covered.update(range(v.start, v.end))
                out.append(
                    Finding(
                        evidence_id=sid, value=value, polarity=cast(Polarity, pol), span=span, source=source,  # type: ignore[arg-type]
                        red_flag=sid in self.lex.red_flags, label=e.label or e.question.lay,
                        time="past" if ended and slot.kind == "temperature" else "now",
                    )
                )
                if slot.kind in ("since", "since_yes_no", "episode", "frequency"):
                    break  # the first mention is the one that describes the complaint
        return out

    def _clause(self, i: int) -> range:
        """The clause around token i: between sentence ends, commas, "and", "but" and the like."""
        a = i
        while a > 0 and not self.ctx._clause_break(a - 1):
            a -= 1
        b = i
        while b < len(self.tokens) and not self.ctx._clause_break(b):
            b += 1
        return range(a, b)

    def _value_rank(self, v: Value, found: list[Finding]) -> int:
        """How surely a number describes the complaint: 0 said in a sentence that names the complaint, 1 an event
        said in the complaint's sentence (a possible onset: "lifted a box yesterday and my back went into
        spasm"), 2 said with another symptom or on its own ("It started on Monday."), 3 not about the complaint
        (a medicine, a risk such as a heatwave or an operation, a condition "if I skip dairy", or a point in time
        "a few days before", "2 weeks late", "was last week")."""
        nxt = self.tokens[v.end].key if v.end < len(self.tokens) else ""
        if nxt in _RELATIVE_AFTER and v.kind != "since_word":  # "last night after a takeaway" is still last night
            return 3
        clause = self._clause(v.start)
        keys = [self.tokens[k].key for k in clause]
        if keys and keys[0] in ("if", "when", "unles", "unless", "whenever"):
            return 3
        inside = [f for f in found if f.used and f.source == "phrase" and f.polarity == "present"
                  and clause.start <= self._tok_at(f.span.start) < clause.stop]
        symptom = any(self.pack.evidence[f.evidence_id].kind in ("symptom", "finding") for f in inside)
        named = any(clause.start <= a < clause.stop for a, _ in self.mentions)
        background = bool(set(keys) & _MEDICINE_WORDS) or any(
            self.pack.evidence[f.evidence_id].kind == "risk_factor" for f in inside
        )
        same_sentence = any(self.sent[a] == self.sent[v.start] for a, _ in self.mentions) or (
            v.kind in ("since", "since_word") and self._since_then(v.start)  # when it began; not how often
        )
        own = {self.complaint_id, self.said_complaint}
        here = [c for (a, _), c in zip(self.mentions, self.mention_ids, strict=True) if self.sent[a] == self.sent[v.start]]
        if here and own & set(self.mention_ids) and not own & set(here):
            # a sentence that names only another problem ("aching legs for months" beside "my hands cramped
            # twice this week") tells how long that has gone on, not the complaint: the question is left open
            return 3
        if background and not (symptom or named):
            # an event in the complaint's own sentence may be its onset
            return 1 if same_sentence else 3
        if v.kind == "since_word" and v.start > 0 and self.tokens[v.start - 1].key in ("was", "wa", "were"):
            return 3  # "my period was last week": a date, not how long something has gone on
        return 0 if same_sentence else 2

    def _since_then(self, i: int) -> bool:
        """The next sentence names the complaint and dates it from token i's sentence: "I ran out five days ago.
        Since then my muscles won't stop twitching.", "... Now my legs cramp." """
        s = self.sent[i] + 1
        lo, hi = bisect.bisect_left(self.sent, s), bisect.bisect_right(self.sent, s)
        keys = [t.key for t in self.tokens[lo:hi]]
        said = any(
            keys[k] == _SINCE and k + 1 < len(keys) and keys[k + 1] in _THEN for k in range(len(keys))
        ) or any(keys[k] == "ever" and k + 1 < len(keys) and keys[k + 1] == _SINCE for k in range(len(keys))) or (
            bool(keys) and keys[0] == "now"  # "Two days ago I stopped them. Now my legs are restless ..."
        )
        return said and any(lo <= a < hi for a, _ in self.mentions)

    def _drop_borrowed_descriptions(self, findings: list[Finding]) -> None:
        """Words that describe *the* complaint (when, where, how long: a symptom item with choices) said in a
        clause about something else describe that: "diazepam 10 mg every night", "sick twice in the night",
        "pins and needles on the side of the foot", or a place in a clause that only denies something ("my face
        doesn't droop"). Kept where the clause names the complaint or speaks of nothing else; a warning sign is
        never dropped."""
        keep: list[Finding] = []
        for f in findings:
            e = self.pack.evidence[f.evidence_id]
            if (f.source != "phrase" or e.type not in ("one_of", "many_of") or e.kind != "symptom"
                    or f.evidence_id in self.lex.red_flags or f.polarity != "present"):
                keep.append(f)
                continue
            if f.evidence_id in self.lex.descriptors and any(
                g.polarity == "absent" and g.source == "phrase" and g.span.start <= f.span.start
                and f.span.end <= g.span.end for g in findings
            ):
                continue  # "both legs feel strong", "I can lift both arms": the side of what is fine, not of the problem
            a = self._tok_at(f.span.start)
            clause = self._clause(a)
            if any(clause.start <= m < clause.stop for m, _ in self.mentions):
                keep.append(f)
                continue
            keys = {self.tokens[k].key for k in clause}
            # another symptom in the clause, in other words ("my jaw clenches" is the jaw's own spasm)
            others = [g for g in findings if g is not f and g.source == "phrase" and g.polarity == "present"
                      and not (g.span.start < f.span.end and f.span.start < g.span.end)
                      and self.pack.evidence[g.evidence_id].type == "yes_no"
                      and self.pack.evidence[g.evidence_id].kind == "symptom"
                      and clause.start <= self._tok_at(g.span.start) < clause.stop]
            if keys & _MEDICINE_WORDS or others:
                continue
            denied = [g for g in findings if g.source == "phrase" and g.polarity == "absent"
                      and not (g.span.start < f.span.end and f.span.start < g.span.end)
                      and clause.start <= self._tok_at(g.span.start) < clause.stop]
            if f.evidence_id in self.lex.descriptors and denied and not any(
                g.polarity == "present" and g is not f and g.source == "phrase"
                and clause.start <= self._tok_at(g.span.start) < clause.stop for g in findings
            ):
                continue  # "my face doesn't droop": the place of what is denied, not of the problem
            keep.append(f)
        findings[:] = keep

    def _left_and_right(self, findings: list[Finding]) -> None:
        """"my right hamstring locked, then my left thigh went as well": one side said of a place of the problem
        and the other side said of another is both sides. Only side words that name where the problem is count
        (a place read with them: "left calf"), so "a sharp pain on the right side of my chest" beside a left calf
        cramp stays one side. Both sides said outright anywhere wins over one side said of one place."""
        for ev_id, (one, both) in self.lex.sides.items():
            said: dict[str, list[Finding]] = {}
            for f in findings:
                if not (f.evidence_id == ev_id and f.value == one and f.polarity == "present" and f.time == "now"
                        and f.source == "phrase"):
                    continue
                a, b = self._tok_at(f.span.start), self._tok_at(f.span.end)
                sides = {self.tokens[k].key for k in range(a, b)} & {_LEFT, _RIGHT}
                placed = any(
                    g.evidence_id in self.lex.descriptors and g.evidence_id != ev_id and g.polarity == "present"
                    and g.span.start < f.span.end and f.span.start < g.span.end for g in findings
                )
                if len(sides) == 1 and placed:
                    said.setdefault(sides.pop(), []).append(f)
            if any(f.evidence_id == ev_id and f.value == both and f.polarity == "present" and f.time == "now"
                   for f in findings):
                # "his left thigh and both calves": said of both sides somewhere, it is not one side only
                findings[:] = [f for f in findings if not (
                    f.evidence_id == ev_id and f.value == one and f.polarity == "present" and f.source == "phrase")]
                continue
            if len(said) == 2:
                first = min((f for fs in said.values() for f in fs), key=lambda f: f.span.start)
                last = max((f for fs in said.values() for f in fs), key=lambda f: f.span.start)
                for fs in said.values():
                    for f in fs:
                        findings.remove(f)
                findings.append(first.model_copy(update={
                    "value": both,
                    "span": Span(start=first.span.start, end=last.span.end,
                                 text=self.text[first.span.start : last.span.end]),
                }))

    def _tok_at(self, char: int) -> int:
        """The first token that starts at or after character `char`."""
        return bisect.bisect_left(self._starts, char)

    def _someone_else(self, a: int) -> int | None:
        """The start of "<relative> had/has ..." or "in my family" earlier in token a's clause, when that
        relative is not the person the story is about; None otherwise."""
        j = a - 1
        while j >= 0:
            key = self.tokens[j].key
            if self.ctx._stops(j) and key not in (",", "and") or (
                key in (",", "and") and self.ctx._subject_after(j)
            ) or key in _FIRST_PERSON:
                return None  # "my wife had to call for help because I had a fit": the fit is the patient's
            if key == _FAMILY or (
                j not in self.person_tokens and key != self.patient_relation and key in _RELATIVES and self._first_person
            ):
                after = [t.key for t in self.tokens[j + 1 : min(a, j + 4)]]
                if set(after) & _HAD:
                    return j
            j -= 1
        return None

    def _asked(self, a: int) -> Span | None:
        """The opening words when token a sits in a yes/no question about a cause ("Is this stress?",
        "Could it be arthritis?")."""
        s = self.sent[a]
        first = bisect.bisect_left(self.sent, s)
        last = bisect.bisect_right(self.sent, s) - 1  # sentence ids rise with the tokens
        if self.tokens[last].key != "?" or self.tokens[first].key not in _ASKING:
            return None
        if first + 1 < len(self.tokens) and self.tokens[first + 1].key in ("thi", "this", "it", "that", "i", "he", "she", "they"):
            return _span(self.text, self.tokens, first, first + 2)
        return None

    def person(self) -> Person:
        g = guess_person(self.tokens)
        self.patient_relation = stem(g.relation) if g.relation else None
        spans = [_span(self.text, self.tokens, a, b) for a, b in g.spans if b > a]
        for a, b in g.spans:
            self.covered.update(range(a, b))
            self.person_tokens.update(range(a, b))
        return Person(age=g.age, sex=g.sex, speaker=g.speaker, relation=g.relation, spans=spans)  # type: ignore[arg-type]

    def complaint(self) -> tuple[str | None, Span | None, dict[str, float]]:
        found = []
        for i, t in enumerate(self.tokens):
            for keys, cid, near in self.lex.complaints.get(t.key, ()):
                end = _match(self.tokens, i, keys)
                if end is not None and self._near_ok(near, i, end):
                    found.append((i, end, cid, near))
        # a near word inside words that name no complaint ("stomach muscles") does not place a pain word
        # and a phrase inside them is none either, whatever longer phrase overlaps them
        sinks = [(a, b) for a, b, cid, _ in found if cid == "not_a_complaint"]
        sink = {k for a, b in sinks for k in range(a, b)}
        if sink:
            found = [m for m in found if m[2] == "not_a_complaint" or (
                not any(a <= m[0] and m[1] <= b for a, b in sinks)
                and (not m[3] or self._near_outside(m[3], m[0], m[1], sink))
            )]
        # longest first: "tummy cramps" is one mention of the belly, not also a muscle cramp; on equal words
        # the phrase tied to its neighbours ("cramping" near "tummy") is the more specific reading
        found.sort(key=lambda m: (-(m[1] - m[0]), -bool(m[3]), m[0]))
        taken: set[int] = set()
        scores: dict[str, float] = {}
        first: dict[str, tuple[int, int]] = {}
        whose: dict[str, tuple[int, int]] = {}  # complaints named only by who it is about ("our little boy")
        for a, b, cid, _ in found:
            if any(k in taken for k in range(a, b)):
                continue
            taken.update(range(a, b))
            if cid == "not_a_complaint":
                continue
            if all(k in self.person_tokens for k in range(a, b)):
                whose.setdefault(cid, (a, b))
                continue
            pol, _, _ = self.polarity(a, b)
            if pol != "present":
                continue
            self.mentions.append((a, b))
            self.mention_ids.append(cid)
            # the first sentences say what the problem is; later ones add detail
            w = 1.0 / (1.0 + 0.5 * self.sent[a])  # one mention, whatever its length
            if any(t.key == _LIKE for t in self.tokens[max(0, a - 2) : a]):
                w *= 1.5  # "ached like a cramp": the person names what it is like, the stronger word
            after = list(itertools.takewhile(lambda t: t.key not in SENTENCE_END, self.tokens[b : b + 3]))
            if any(t.key in _EMPHASIS for t in after):
                w *= 1.25  # "cramped so bad I couldn't move": what the person stresses is the problem
            scores[cid] = scores.get(cid, 0.0) + w
            if cid not in first or a < first[cid][0]:
                first[cid] = (a, b)
        if not scores:
            return None, None, {}
        best = max(scores, key=lambda c: (scores[c], -first[c][0]))
        self.said_complaint = best
        a, b = first[best]
        # who it is about never makes a complaint on its own (so "my son ... calf cramps" stays a cramp), but it
        # picks the pack's complaint for that person over a general one that says nothing more ("tummy ache")
        refine = [c for c in whose if c != best]
        if refine and not self.pack.complaint(best).answers:
            scores[refine[0]] = max(scores.get(refine[0], 0.0), scores[best])  # as strong as the words, no more
            best = refine[0]
        self.covered.update(range(a, b))
        return best, _span(self.text, self.tokens, a, b), {k: round(v, 3) for k, v in scores.items()}

    def answers(self, findings: list[Finding], person: Person) -> dict[str, Any]:
        pack = self.pack
        out: dict[str, Any] = {}
        denied_parts: dict[str, list[Finding]] = {}
        order = sorted(findings, key=lambda f: f.span.start)
        for f in order:
            e = pack.evidence[f.evidence_id]
            if f.time == "past" and e.kind in ("symptom", "finding"):
                f.used = False  # history, not what is happening now: the interview asks
                continue
            if not _applies(e, person.age, person.sex):
                f.used = False
                continue
            if f.polarity == "unknown":
                f.used = False  # hedged: left open so the interview asks it
                continue
            cur = out.get(e.id)
            if e.type == "yes_no" and f.part is not None and f.polarity == "absent":
                # one part of a question about several things denied ("no vomiting" of "vomiting or diarrhoea"):
                # the item is absent only once every part is denied (below)
                denied_parts.setdefault(e.id, []).append(f)
                continue
            if e.type == "yes_no":
                # present wins over absent: a red flag is never dropped because it was also denied somewhere
                if cur is None or (cur == "absent" and f.polarity == "present"):
                    out[e.id] = f.polarity
            elif e.type == "one_of":
                if f.polarity == "present" and cur is None:
                    out[e.id] = f.value
                elif f.polarity != "present":
                    f.used = False
            elif e.type == "many_of":
                if f.polarity == "present":
                    lst = out.setdefault(e.id, [])
                    if f.value not in lst:
                        lst.append(f.value)
                else:
                    f.used = False
            elif e.type == "number" and cur is None and f.polarity == "present":
                out[e.id] = f.value
        for ev_id, denials in denied_parts.items():
            covered = {f.part for f in denials} >= self.lex.parts.get(ev_id, set())
            for f in denials:
                f.used = covered and out.get(ev_id) in (None, "absent")
            if covered and ev_id not in out:
                out[ev_id] = "absent"
        # a complaint outside the pack (a scope rule fires on its answers): the pack's descriptors of the
        # presentation (where, which side) describe something else, so they are not answers
        if self.complaint_id in self.lex.scope_complaints:
            described = set(pack.complaint(self.complaint_id).answers)
            for f in findings:
                e = pack.evidence[f.evidence_id]
                if e.parent in described and f.used and e.id not in self.lex.red_flags:
                    f.used = False
                    out.pop(e.id, None)
        # a child answered "present" implies its yes/no parent; children of a parent that is absent or
        # answered with another choice are dropped (the interview would never ask them)
        for ev_id in list(out):
            e = pack.evidence[ev_id]
            if e.parent is None or e.parent not in pack.evidence:
                continue
            parent = pack.evidence[e.parent]
            pv = out.get(e.parent)
            if parent.type == "yes_no" and pv is None and out[ev_id] == "present":
                out[e.parent] = "present"
            elif ev_id in self.lex.red_flags:
                continue  # a stated warning sign is kept even when its parent reads otherwise: never dropped
            elif parent.type == "yes_no":
                if pv == "absent":
                    del out[ev_id]
            elif e.parent_value is not None and pv is not None:
                chosen = pv if isinstance(pv, list) else [pv]
                if e.parent_value not in chosen:
                    del out[ev_id]
        for ev_id, v in out.items():
            if isinstance(v, list):
                choices = [c.id for c in pack.evidence[ev_id].choices]
                v.sort(key=choices.index)
        return out

    def unplaced(self) -> list[Span]:
        out: list[Span] = []
        a = 0
        n = len(self.tokens)
        for i in range(n + 1):
            if i == n or self.tokens[i].key in _CLAUSE_BREAKS:
                clause = range(a, i)
                if clause and not any(k in self.covered for k in clause):
                    content = [
                        k for k in clause
                        if self.tokens[k].kind == "w" and len(self.tokens[k].key) >= 3 and self.tokens[k].key not in _STOP
                        and self.tokens[k].text not in _STOP and k not in self.ctx.inside
                    ]
                    if content:
                        out.append(_span(self.text, self.tokens, a, i))
                a = i + 1
        return out


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise InputError("text", "must be a string")
    if len(text) > MAX_CHARS:
        raise InputError("text", f"is longer than {MAX_CHARS} characters; describe the problem in a few sentences")
    return text


def parse(text: str, pack: Pack | str | Sequence[Pack | str]) -> ParseResult:
    """Read a person's own words: complaint, answers with polarity and spans, values, who it is about.

    With several packs, each is tried and the one whose complaint the words point to most clearly wins;
    a complaint that takes the case out of its pack (a scope rule) counts only when no other pack claims it.
    """
    _check_text(text)
    if isinstance(pack, Pack | str):
        p = load_pack(pack) if isinstance(pack, str) else pack
        return _Parse(text, p, lexicon_for(p)).run()
    loaded = [load_pack(p) if isinstance(p, str) else p for p in pack]
    if not loaded:
        raise InputError("pack", "give at least one pack")
    results = [_Parse(text, p, lexicon_for(p)).run() for p in loaded]

    def claim(i: int) -> tuple[int, float, int]:
        r = results[i]
        if r.complaint is None:
            return (0, 0.0, -i)
        in_scope = r.complaint not in lexicon_for(loaded[i]).scope_complaints
        return (2 if in_scope else 1, r.complaint_scores.get(r.complaint, 0.0), -i)

    best = max(range(len(results)), key=claim)
    # a complaint that hands the case over to another loaded pack (pack.yaml `handover`) goes there
    top = results[best]
    if top.complaint is not None:
        handover = getattr(loaded[best].complaint(top.complaint), "handover", None)
        target = next((i for i, p in enumerate(loaded) if handover is not None and p.id == handover.pack), None)
        if target is not None and target != best:
            best = target
            if results[best].complaint is None and handover is not None and handover.complaint:
                results[best].complaint = handover.complaint
    chosen = results[best]
    chosen.pack_scores = {
        r.pack: (r.complaint_scores.get(r.complaint, 0.0) if r.complaint else 0.0) for r in results
    }
    return chosen
