"""NegEx-style context: negation, hedges and past history, each with a trigger and a scope.

A pre-trigger ("no", "not sure if", "used to") reaches forward over a few tokens until a terminator
("but", a full stop, a new clause such as ", I ..."); a post-trigger ("... has gone", "... years ago")
reaches back the same way. The nearest trigger wins, so "not sure if ... no ..." reads as absent for
the words after "no".
"""

from __future__ import annotations

from dataclasses import dataclass

from symcheck.text.tokens import SENTENCE_END, Token, phrase_keys, stem


def _keys(phrases: str) -> list[tuple[str, ...]]:
    return [phrase_keys(p) for p in phrases.split("|")]


NEG_PRE = _keys(
    "no|not|without|never|none|nor|neither|denies|deny|denied|hasnt|havent|hadnt|didnt|dont|doesnt|isnt"
    "|wasnt|arent|werent|no sign of|no signs of|free of|not had|not got|havent had|hasnt had|didnt have"
    "|dont have|doesnt have|not been|never had|no more|no real|no obvious|not any|nothing like|ruled out"
)
# Negation words that do not negate what follows (the symptom is still there).
PSEUDO = _keys(
    "no change|not only|not just|no better|not better|not getting better|not improving|doesnt help|didnt help"
    "|not help|not helping|dont help|no matter|not stop|wont stop|doesnt stop|didnt stop|cant stop|no idea why"
    "|not sure why|dont know why|no reason|for no reason|nothing helps|nothing seems to help|wont go away"
    "|doesnt go away|not go away|didnt go away|not going away|no relief|without warning|no warning|not able"
    "|cant"
    # knowing verbs: "I didn't know I was pregnant" says that she is
    "|didnt know|did not know|never knew|didnt realise|didnt realize|did not realise|did not realize"
)
NEG_POST = _keys(
    "has gone|have gone|is gone|are gone|went away|gone away|is normal|are normal|was normal|i feel normal"
    "|i feel fine|feel normal|feel fine|im fine|im completely fine|is fine|are fine"
)
# "I'm fine walking around or at night": what follows does not bring it on
NEG_PRE_FINE = _keys("im fine|im completely fine|completely fine|perfectly fine|totally fine")
HEDGE_PRE = _keys(
    "maybe|might|might have|possibly|perhaps|not sure|not sure if|not sure whether|unsure|unsure if"
    "|dont know if|dont know whether|not certain|wonder if|i wonder|could be|may have|might be|may be"
    "|hard to say|hard to tell|cant tell|cant tell if|cant say|possible|not really sure|questionable"
    "|i think maybe|kind of|sort of|no idea if|no idea whether|dunno if|dont think|do not think|dont think im"
    "|didnt think|did not think"
)
HEDGE_POST = _keys("maybe|not sure|i think|possibly|perhaps|or not|i guess")
PAST_PRE = _keys(
    "used to|history of|previously|in the past|years ago|as a child|when i was|last year|once had|had one"
    "|a history of"
)
PAST_POST = _keys("years ago|year ago|as a child|in the past|when i was young|when i was little|last year|back then")

# Words that end a trigger's scope.
TERMINATORS = {
    "but", "however", "though", "although", "except", "yet", "apart", "aside", "which", "who", "because",
    "becaus", "so", "then", "now", "until", "since", "whereas", "and", "while", "whil", "instead", "still",
    "just", "only", "besid",
}
SUBJECTS = {"i", "im", "ive", "id", "ill", "she", "he", "shes", "hes", "it", "its", "my", "his", "her", "they", "we",
            "there", "theyre", "were", "this", "that", "these", "those", "he'", "you", "your"}
WINDOW = 8
LIST_WINDOW = 24  # "no A, B or C": a list may be long
STRONG_STOPS = SENTENCE_END | {"but", "however", "though", "although", "except", "yet", "wherea", "instead", "(", ")"}
TERMINATORS = {stem(w) for w in TERMINATORS}
SUBJECTS = {stem(w) for w in SUBJECTS}


@dataclass
class Trigger:
    start: int  # token indices
    end: int
    kind: str  # neg, hedge, past, pseudo
    where: str  # pre or post


_TABLE: list[tuple[list[tuple[str, ...]], str, str]] = [
    (PSEUDO, "pseudo", "pre"),
    (HEDGE_PRE, "hedge", "pre"),
    (NEG_PRE, "neg", "pre"),
    (NEG_PRE_FINE, "neg", "pre"),
    (PAST_PRE, "past", "pre"),
    (HEDGE_POST, "hedge", "post"),
    (NEG_POST, "neg", "post"),
    (PAST_POST, "past", "post"),
]
# first key -> (phrase, kind, where), longest first; on equal length the earlier table row wins
_TRIGGER_INDEX: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
for _rank, (_phrases, _kind, _where) in enumerate(_TABLE):
    for _p in _phrases:
        if _p:
            _TRIGGER_INDEX.setdefault(_p[0], []).append((_p, _kind, _where))
for _lst in _TRIGGER_INDEX.values():
    _lst.sort(key=lambda e: -len(e[0]))  # stable: table order kept among equal lengths


def find_triggers(tokens: list[Token]) -> list[Trigger]:
    """Longest trigger at each position; pseudo-negations consume their words so they negate nothing."""
    keys = [t.key for t in tokens]
    out: list[Trigger] = []
    i = 0
    n = len(keys)
    while i < n:
        best: Trigger | None = None
        for p, kind, where in _TRIGGER_INDEX.get(keys[i], ()):
            m = len(p)
            if tuple(keys[i : i + m]) == p:
                best = Trigger(i, i + m, kind, where)
                break  # the index lists the longest first
        if best is not None:
            out.append(best)
            i = best.end
        else:
            i += 1
    return out


def _or_list_ahead(tokens: list[Token], i: int) -> bool:
    """After a comma at i: is this a list 'X, Y or Z' (so a negation before X reaches Z)?"""
    for k in range(i + 1, len(tokens)):
        key = tokens[k].key
        if key in ("or", "nor"):
            return True
        if key in STRONG_STOPS or (key in (",", "and") and k + 1 < len(tokens) and tokens[k + 1].key in SUBJECTS):
            return False
    return False


class Context:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.triggers = find_triggers(tokens)
        # "... before." closing a sentence speaks of the past ("she's never had a fit before")
        for i, t in enumerate(tokens):
            if t.key == "befor" and (i + 1 == len(tokens) or tokens[i + 1].key in SENTENCE_END):
                self.triggers.append(Trigger(i, i + 1, "past", "post"))
        self.triggers.sort(key=lambda t: t.start)
        self.pre_end = {t.end: t for t in self.triggers if t.where == "pre"}
        self.post_start = {t.start: t for t in self.triggers if t.where == "post"}
        self.past_end = {t.end: t for t in self.triggers if t.kind == "past"}
        self.past_start = {t.start: t for t in self.triggers if t.kind == "past"}
        self.inside: set[int] = set()
        self.covering: dict[int, Trigger] = {}
        for trig in self.triggers:
            self.inside.update(range(trig.start, trig.end))
            for k in range(trig.start, trig.end):
                self.covering[k] = trig

    def mask(self, spans: list[tuple[int, int]]) -> None:
        """Forget triggers that lie inside matched phrases ("can't move" inside a phrase is not a pseudo-
        negation, "not sure about tetanus" is a phrase, not a hedge)."""
        inside: set[int] = set()
        starts = {a for a, _ in spans}
        for a, b in spans:
            inside.update(range(a, b))
        # a trigger that opens a phrase ("no operations") still reaches the words after it ("... or rash")
        kept = [t for t in self.triggers
                if (t.start in starts and t.kind != "pseudo") or not all(k in inside for k in range(t.start, t.end))]
        # a pseudo-negation cut by a phrase ("no | better after a rest") is its plain negation again
        for i, t in enumerate(kept):
            if t.kind == "pseudo" and any(t.start < a < t.end for a in starts) and (
                (self.tokens[t.start].key,) in NEG_PRE
            ):
                kept[i] = Trigger(t.start, t.start + 1, "neg", "pre")
        if kept != self.triggers:
            self.triggers = kept
            self.pre_end = {t.end: t for t in kept if t.where == "pre"}
            self.post_start = {t.start: t for t in kept if t.where == "post"}
            self.past_end = {t.end: t for t in kept if t.kind == "past"}
            self.past_start = {t.start: t for t in kept if t.kind == "past"}
            self.covering = {k: t for t in kept for k in range(t.start, t.end)}

    def _stops(self, idx: int) -> bool:
        tok = self.tokens[idx]
        if tok.key in SENTENCE_END or tok.key in TERMINATORS:
            return True
        if tok.key == ",":
            nxt = self.tokens[idx + 1].key if idx + 1 < len(self.tokens) else ""
            if nxt in SUBJECTS:
                return True
            return not _or_list_ahead(self.tokens, idx)
        return tok.key in ("(", ")", ":")

    def pre(self, start: int, kinds: tuple[str, ...] = ("neg", "hedge", "pseudo")) -> Trigger | None:
        """The nearest pre-trigger whose scope reaches token `start`."""
        over = self.covering.get(start)
        if over is not None and over.start < start and over.where == "pre":
            # a trigger that ran into the phrase ("no more than I'm used to"): it still reads as before it; a
            # pseudo-negation cut by the phrase ("no | better after a rest") is its plain negation again
            if over.kind == "pseudo" and (self.tokens[over.start].key,) in NEG_PRE:
                over = Trigger(over.start, over.start + 1, "neg", "pre")
            return over if over.kind in kinds else None
        j = start - 1
        steps = 0
        in_or_list = False
        while j >= 0 and steps <= (LIST_WINDOW if in_or_list else WINDOW):
            trig = self.pre_end.get(j + 1)
            if trig is not None and trig.kind in kinds:
                return trig
            if trig is not None and trig.kind != "past":
                return None  # a nearer trigger of another kind owns this scope
            key = self.tokens[j].key
            if key in ("or", "nor") or (key == "," and not self._subject_after(j) and _or_list_ahead(self.tokens, j)):
                in_or_list = True
            elif in_or_list and key not in STRONG_STOPS and not self._subject_after(j):
                pass  # "no stiff neck and headache or rash": inside an or-list only a strong stop ends it
            elif self._stops(j):
                return None
            j -= 1
            steps += 1
        return None

    def _subject_after(self, idx: int) -> bool:
        return idx + 1 < len(self.tokens) and self.tokens[idx + 1].key in SUBJECTS

    def post(self, end: int, kinds: tuple[str, ...] = ("neg", "hedge")) -> Trigger | None:
        j = end
        steps = 0
        n = len(self.tokens)
        while j < n and steps <= 4:
            trig = self.post_start.get(j)
            if trig is not None and trig.kind in kinds:
                # "no" after a finding negates it only at the end of its clause ("cramps? no.")
                if self.tokens[trig.start].key == "no" and trig.end < n and not self._stops(trig.end):
                    return None
                # "... has gone" is over; "... have gone numb" has only just begun
                if self.tokens[trig.end - 1].key == stem("gone") and trig.end < n and not (
                    self._stops(trig.end) or self.tokens[trig.end].key in ("now", "completely", "again")
                ):
                    return None
                if self.tokens[trig.end - 1].key in (stem("gone"), stem("away")) and comes_back(self.tokens, trig.end):
                    return None  # "the chest pain went away but it came back": it is there again
                return trig
            if self._stops(j):
                return None
            j += 1
            steps += 1
        return None

    def is_past(self, start: int, end: int) -> Trigger | None:
        """A past-history trigger in the same clause, before or after ("used to ...", "... years ago")."""
        j = start - 1
        while j >= 0 and not self._clause_break(j):
            trig = self.past_end.get(j + 1)
            if trig is not None:
                return trig
            j -= 1
        j = end
        while j < len(self.tokens) and not self._clause_break(j):
            trig = self.past_start.get(j)
            if trig is not None:
                return trig
            j += 1
        return None

    def _clause_break(self, idx: int) -> bool:
        key = self.tokens[idx].key
        return key in SENTENCE_END or key in ("but", "now", "however", "though", "although", "and", ",")


# -- over and done with, likenesses and a short denial --------------------------------------------------------
# "..., which has gone now", "... but that cleared up": the words before it in the clause describe something that
# is over. Only a clause that says it was in the past (had, was, ago, last ...) is read so, and only when the
# verb ends its clause ("has gone numb", "went away after ten minutes" say something else).
RESOLVED = _keys(
    "has gone|have gone|is gone|are gone|went away|gone away|has gone away|went|has settled|settled|have settled"
    "|has cleared|cleared|cleared up|has cleared up|got better|is better|has passed|passed off|has resolved|resolved"
    "|is over|has stopped|have stopped|disappeared|has disappeared|went off|has gone off|wore off"
)
RESOLVED_BY = {stem(w) for w in ("which", "that", "it", "its", "this", "thi", "they", "those", "these")}
# the person got over it: "had a bug with diarrhoea for a few days and got over it"
RECOVERED = _keys("got over it|got over that|recovered|has recovered|fully recovered|was fine after|got better")
RECOVERED_BY = {stem(w) for w in ("and", "but")}
RESOLVED_AFTER = {stem(w) for w in ("now", "completely", "totally", "again", "since", "thankfully", "fully", "luckily")}
PAST_MARKERS = {stem(w) for w in (
    "had", "was", "were", "ago", "yesterday", "last", "weekend", "earlier", "back", "previously", "fortnight",
)}
# "no temperature today": a denial said of now
NOW_MARKERS = {stem(w) for w in ("now", "today", "anymore", "currently", "tonight", "presently")}
# a likeness states nothing about a state of the body ("I look pregnant", "as if I'd been drinking")
LIKENESS = _keys(
    "look|looks|looked|looking|look like|looks like|looked like|as if|as though|feel like|feels like|felt like"
)
# "(I'm definitely not)", ", she isn't though": a short denial of what was just said
SHORT_DENIAL = _keys(
    "im not|i am not|im definitely not|i am definitely not|im certainly not|definitely not|shes not|she isnt"
    "|she is not|hes not|he isnt|which im not|which she isnt|but im not|but im definitely not|not really"
)
SHORT_DENIAL_TAIL = {stem(w) for w in ("though", "tho", "honestly", "definitely", "at", "all", "anyway", "btw", "pregnant")}


def _match_at(keys: list[str], i: int, table: list[tuple[str, ...]]) -> int | None:
    """The end of the longest phrase in `table` that starts at i."""
    best = None
    for p in table:
        if p and tuple(keys[i : i + len(p)]) == p and (best is None or i + len(p) > best):
            best = i + len(p)
    return best


COME_BACK = {stem(w) for w in ("came", "come", "comes", "coming", "is", "was", "its")}


def comes_back(tokens: list[Token], i: int) -> bool:
    """The rest of the sentence from token i says it returned ("... but it came back", "... then returned")."""
    for k in range(i, len(tokens)):
        key = tokens[k].key
        if key in SENTENCE_END:
            return False
        if key in (stem("returned"), stem("recurred")) or (
            key == "back" and k > i and tokens[k - 1].key in COME_BACK
        ):
            return True
    return False


def resolved_stretches(tokens: list[Token]) -> list[tuple[int, int]]:
    """Token ranges said to be over: the clause before "which/that/it" + a verb of ending (or "and got over
    it"), when that verb closes its clause and the clause speaks of the past ("had a chest infection with a
    fever, but that cleared up")."""
    keys = [t.key for t in tokens]
    n = len(keys)
    out = []
    for s in range(1, n):
        if keys[s] in RESOLVED_BY:
            end = _match_at(keys, s + 1, RESOLVED)
        elif keys[s] in RECOVERED_BY:
            end = _match_at(keys, s + 1, RECOVERED)
        else:
            continue
        if end is None:
            continue
        k = end
        while k < n and keys[k] in RESOLVED_AFTER:
            k += 1
        if k < n and keys[k] not in SENTENCE_END and keys[k] not in (",", "and", "but", ";", ")", "(", "-"):
            continue  # "which went away after ten minutes", "it has gone numb"
        if comes_back(tokens, k):
            continue  # "..., which settled but came back this morning"
        j = s - 1
        if j >= 0 and keys[j] in (",", "but", "and", "(", "-"):
            j -= 1
        if j >= 0 and keys[j] in (",",):
            j -= 1
        hi = j + 1
        while j >= 0 and keys[j] not in SENTENCE_END and keys[j] not in ("but", ",", "and", ";", "(", ")", "-"):
            j -= 1
        lo = j + 1
        while j >= 0 and keys[j] not in SENTENCE_END:
            j -= 1  # the past may be told earlier in the sentence ("had a bug at the weekend, 39.2, which ...")
        if hi > lo and any(keys[x] in PAST_MARKERS for x in range(j + 1, hi)):
            out.append((lo, hi))
    return out


def likeness_before(tokens: list[Token], a: int) -> int | None:
    """The start of "look(s) like / as if / feel like" within three words before token a, in its clause."""
    keys = [t.key for t in tokens[max(0, a - 8) : a]]
    base = max(0, a - 8)
    for i in range(len(keys) - 1, -1, -1):
        if keys[i] in SENTENCE_END or keys[i] in (",", "but", "(", ")"):
            return None
        end = _match_at(keys, i, LIKENESS)
        if end is not None and a - (base + end) <= 3:
            return base + i
    return None


def short_denial_after(tokens: list[Token], b: int) -> tuple[int, int] | None:
    """ "..., I'm not though." / "(I'm definitely not)" right after token b: the words that deny it."""
    keys = [t.key for t in tokens]
    n = len(keys)
    j = b
    while j < n and j - b < 4 and keys[j] not in (",", "(", "-", "but") and keys[j] not in SENTENCE_END:
        j += 1  # "pregnant by the evening (I'm not)"
    if j >= n or keys[j] not in (",", "(", "-", "but"):
        return None  # "... but I'm not" too: "my husband is a heavy drinker but I'm not"
    j += 1
    end = _match_at(keys, j, SHORT_DENIAL)
    if end is None:
        return None
    k = end
    while k < n and keys[k] in SHORT_DENIAL_TAIL:
        k += 1
    if k < n and keys[k] not in SENTENCE_END and keys[k] not in (")", ",", "!"):
        return None  # "I'm not sure", "I'm not able to ..."
    return j, end
