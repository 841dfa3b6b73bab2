"""Tokens with character offsets, a light stemmer, and typo tolerance against a lexicon.

Everything works on a token's `key`: lower case, apostrophes dropped ("didn't" -> "didnt"), a few suffixes
stripped ("cramping", "cramps", "cramped" -> "cramp"), so one lexicon phrase covers its inflections.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# numbers (3, 38.9, 38,9), words with inner apostrophes or hyphens, single other characters
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)?|[a-z]+(?:['\u2019][a-z]+)*|[^\sa-z0-9]")

SENTENCE_END = {".", "!", "?", ";", "\n"}

_IRREGULAR = {
    "calves": "calf", "feet": "foot", "teeth": "tooth", "woke": "wak", "woken": "wak", "swollen": "swell",
    "children": "child", "men": "man", "women": "woman", "ate": "eat", "began": "begin", "begun": "begin",
    "fell": "fall", "felt": "feel", "got": "get", "gotten": "get", "went": "go", "gone": "go", "threw": "throw",
    "thrown": "throw", "bitten": "bite", "stung": "sting", "hurts": "hurt", "cant": "cant", "cannot": "cant", "couldnt": "cant", "unable": "cant", "wont": "wont",
    "wee": "wee", "pee": "pee", "knees": "knee", "toes": "toe", "shoes": "shoe", "eyes": "eye", "legs": "leg",
    "tummy": "tummy", "belly": "belly", "worse": "worse", "was": "was", "has": "has", "is": "is", "does": "does",
    "this": "this", "his": "his", "as": "as", "us": "us", "its": "its", "yes": "yes", "less": "less",
    "fainted": "faint", "fainting": "faint", "vomiting": "vomit", "vomited": "vomit", "diarrhea": "diarrhoea",
    "sick": "sick", "unwell": "unwell", "mom": "mum", "mommy": "mum", "mummy": "mum", "daddy": "dad",
    # text-message spellings read as the word
    "nite": "night", "nites": "night", "tonite": "tonight", "thru": "through", "coz": "becaus", "cos": "becaus",
    "hrs": "hour", "hr": "hour", "wks": "week", "mnths": "month", "ppl": "peopl",
    "rly": "really", "n": "and", "w": "with", "yday": "yesterday", "mins": "minut",
}
_KEEP_DOUBLE = set("lsfz")


def stem(word: str) -> str:
    """A deliberately small stemmer: the same rules apply to the lexicon and the text, so they agree."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    w = word
    if len(w) <= 3 or not w.isalpha():
        return w
    undouble = False
    if w.endswith("ies") and len(w) > 4 or w.endswith("ied") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ing") and len(w) > 5:
        w, undouble = w[:-3], True
    elif w.endswith("ed") and len(w) > 4:
        w, undouble = w[:-2], True
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3:
        w = w[:-1]
    if undouble and len(w) > 2 and w[-1] == w[-2] and w[-1] not in _KEEP_DOUBLE:
        w = w[:-1]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


@dataclass(slots=True)
class Token:
    text: str  # lower-cased surface form
    key: str  # normalised and stemmed: what the lexicon matches
    start: int  # character offsets into the original text
    end: int
    kind: str  # "w" word, "n" number, "p" punctuation
    fixed: str | None = None  # the lexicon word a misspelling was read as


def _lower_same_length(text: str) -> str:
    # str.lower() can change the length of a few characters (e.g. "İ"); keep offsets exact
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def normalise_word(w: str) -> str:
    return w.replace("'", "").replace("\u2019", "")


def tokenize(text: str) -> list[Token]:
    low = _lower_same_length(text)
    out: list[Token] = []
    for m in _TOKEN_RE.finditer(low):
        s = m.group(0)
        if s[0].isdigit():
            out.append(Token(s, s.replace(",", "."), m.start(), m.end(), "n"))
        elif s[0].isalpha():
            w = normalise_word(s)
            out.append(Token(s, stem(w), m.start(), m.end(), "w"))
        else:
            key = "'" if s == "\u2019" else s
            out.append(Token(s, key, m.start(), m.end(), "p"))
    # "\n\n" and line breaks end a sentence like a full stop: people type lists on separate lines
    for m in re.finditer(r"\n", low):
        out.append(Token("\n", "\n", m.start(), m.end(), "p"))
    out.sort(key=lambda t: t.start)
    return out


def phrase_keys(phrase: str) -> tuple[str, ...]:
    """Keys of a lexicon phrase. A word written "=legs" matches that exact word only (no stemming), for the
    few places where the ending carries meaning (plural "legs" means both sides). A word written "!milk" after
    the phrase's words is one that must not follow them ("doesn't drink !milk": "she doesn't drink milk" says
    nothing about alcohol); it matches no words of its own."""
    out: list[str] = []
    for word in phrase.split():
        if word == "...":
            out.append("...")
        elif word.startswith("!") and len(word) > 1:
            if out:  # it follows a phrase's words; on its own it says nothing
                out.extend("!" + t.key for t in tokenize(word[1:]) if t.kind == "w")
        elif word.startswith("=") and len(word) > 1:
            out.append("=" + normalise_word(word[1:].lower()))
        else:
            out.extend(t.key for t in tokenize(word) if t.key != "\n")
    return tuple(out)


# a phrase written with "my" is said of anyone: "blood from her bottom", "his tummy hurts", "our legs"
POSSESSIVES = {stem(w) for w in ("my", "his", "her", "their", "your", "our")}
_MY = stem("my")


# and one written with "I" is said by anyone: "pain when he wees", "hurts when she coughs"
SUBJECT_PRONOUNS = {stem(w) for w in ("i", "he", "she", "they", "we", "you")}
_I = stem("i")


def token_matches(tok: Token, key: str) -> bool:
    if key[0] == "=":
        return normalise_word(tok.text) == key[1:]
    return tok.key == key or (key == _MY and tok.key in POSSESSIVES) or (key == _I and tok.key in SUBJECT_PRONOUNS)


NOT_AFTER = 3  # a "!word" must not be among this many words after the phrase (same sentence): "drink much milk"


def index_key(key: str) -> str:
    """The key a phrase is indexed under: exact words are found through their stem."""
    return stem(key[1:]) if key[0] == "=" else key


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (adjacent swaps count 1), or limit + 1 once it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


# Ordinary words never "corrected" into a lexicon word (they are real words, not typos).
COMMON = set(
    ["about", "above", "after", "again", "against", "almost", "alone", "along", "already", "also", "although", "always", "among", "another", "anyone", "anything", "around", "asked", "away", "back", "bad", "because", "become", "been", "before", "being", "below", "best", "better", "between", "both", "bring", "brought", "came", "cannot", "cause", "change", "child", "clear", "close", "come", "coming", "could", "couldnt", "daily", "days", "didnt", "does", "doesnt", "doing", "done", "dont", "down", "during", "each", "early", "either", "else", "enough", "even", "evening", "ever", "every", "everything", "family", "feel", "feeling", "first", "found", "friend", "from", "front", "getting", "give", "going", "good", "great", "happen", "happened", "hard", "have", "having", "head", "hear", "heard", "help", "here", "home", "hours", "house", "however", "husband", "just", "keep", "kind", "know", "last", "later", "least", "leave", "left", "less", "life", "light", "like", "little", "long", "look", "looked", "looking", "lost", "made", "make", "many", "maybe", "mean", "might", "mind", "minute", "minutes", "month", "months", "morning", "most", "mother", "much", "must", "never", "next", "nice", "night", "nothing", "now", "often", "once", "only", "other", "over", "part", "people", "place", "please", "point", "pretty", "probably", "quite", "rather", "really", "right", "said", "same", "saying", "school", "second", "seem", "seems", "seen", "should", "since", "small", "some", "something", "sometimes", "soon", "sorry", "start", "started", "still", "stop", "stopped", "such", "sure", "take", "taken", "tell", "than", "thank", "that", "their", "them", "then", "there", "these", "they", "thing", "things", "think", "this", "those", "though", "thought", "three", "through", "time", "times", "today", "together", "told", "tonight", "took", "towards", "tried", "trying", "twice", "under", "until", "very", "wait", "walk", "walked", "walking", "want", "wanted", "water", "week", "weeks", "well", "went", "were", "what", "when", "where", "which", "while", "whole", "wife", "will", "with", "within", "without", "woman", "work", "worked", "working", "worried", "worry", "would", "year", "years", "yesterday", "young", "your", "yourself", "weekend", "worse", "worst", "since", "again", "other", "others", "week's", "every", "where", "things", "there's", "theyre", "thats", "whats"]
)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Common English words (pyspellchecker's bundled frequency list, read once, offline)."""
    try:
        raw = (resources.files("spellchecker") / "resources" / "en.json.gz").read_bytes()
        freq = json.loads(gzip.decompress(raw))
    except (ModuleNotFoundError, FileNotFoundError, OSError, ValueError):
        return frozenset(COMMON)
    # rare entries of the list include common misspellings ("calfs"): only frequent words are protected
    return frozenset(w for w, n in freq.items() if n >= 300) | COMMON


class Speller:
    """Reads a misspelt word as the lexicon word it is closest to (symmetric-delete index, bounded distance)."""

    def __init__(self, vocabulary: dict[str, str]):
        # vocabulary: surface word -> its key; only words of 5+ letters are candidates
        self.vocab = {w: k for w, k in vocabulary.items() if len(w) >= 4 and w.isalpha()}
        self.keys = set(vocabulary.values())
        self.index: dict[str, set[str]] = {}
        for w in self.vocab:
            for d in self._deletes(w):
                self.index.setdefault(d, set()).add(w)

    @staticmethod
    def _deletes(w: str) -> set[str]:
        return {w} | {w[:i] + w[i + 1 :] for i in range(len(w))}

    def correct(self, word: str) -> str | None:
        """The lexicon word for a likely misspelling of `word`, or None."""
        if len(word) < 4 or not word.isalpha() or word in COMMON or word in self.vocab:
            return None
        if word in english_words():
            return None
        limit = 1 if len(word) < 8 else 2
        cands: set[str] = set()
        for d in self._deletes(word):
            cands |= self.index.get(d, set())
        best: list[tuple[int, str]] = []
        for c in cands:
            if c[0] != word[0]:
                continue  # typos rarely change the first letter; this keeps real words from being "fixed"
            dist = osa_distance(word, c, limit)
            if dist <= limit:
                best.append((dist, c))
        if not best:
            return None
        best.sort()
        top = [c for d, c in best if d == best[0][0]]
        keys = {self.vocab[c] for c in top}
        return top[0] if len(keys) == 1 else None  # ambiguous: leave it alone
