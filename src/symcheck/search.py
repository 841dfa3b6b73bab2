"""Search over a pack's complaints, conditions and evidence (and any extra documents, e.g. page sections).

BM25 (bm25s) over words of names, synonyms and descriptions, with names and synonyms weighted above
descriptions. Typos are tolerated by correcting each query word that is not in the vocabulary to its
closest vocabulary words by edit similarity (difflib); the prefix mode completes the last word against
the vocabulary, for suggestions as the person types. Results are deterministic.

The web app builds on this API (``SearchDoc``, ``SearchIndex.build(pack, extra_docs)``, ``search``);
keep it stable.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import bm25s
import numpy as np
from pydantic import BaseModel

from symcheck.kb.pack import Pack

KINDS = ("complaint", "condition", "evidence")
# Words so common in questions that they only add noise to the ranking.
STOPWORDS = frozenset(
    ["a", "an", "and", "are", "at", "be", "by", "can", "do", "does", "for", "from", "have", "how", "i", "in", "is", "it", "my", "of", "on", "or", "the", "to", "what", "when", "where", "which", "with", "you", "your"]
)
# How much more a word in a name or synonym counts than one in a description.
NAME_WEIGHT = 3
CORRECTION_CUTOFF = 0.75
MAX_PREFIX_EXPANSIONS = 40
MIN_PREFIX = 2
# Score added for a query that matches a whole name or synonym (BM25 scores here run from about 1 to 10).
COVERAGE_WEIGHT = 2.0
# What a person most likely looks for comes first: a small lift for complaints and conditions over single
# questions, and the same order on equal scores. Other kinds (extra documents) get no lift.
KIND_BOOST = {"complaint": 0.5, "condition": 0.3, "evidence": 0.0}
KIND_ORDER = {"complaint": 0, "condition": 1, "evidence": 2}

_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class SearchDoc:
    id: str
    kind: str
    title: str
    text: str = ""
    url: str = ""
    synonyms: tuple[str, ...] = field(default=())


class SearchHit(BaseModel):
    id: str
    kind: str
    title: str
    url: str
    score: float
    matched: str
    """The name or synonym that best matches the query (e.g. "charley horse" for a cramp complaint)."""


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", ascii_only).strip()


def stem(word: str) -> str:
    """A light English stemmer: plurals only, so "cramps" meets "cramp" and "injuries" meets "injury"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# An ICD-10 code is one word ("R25.2" -> "r252"), so that a bare digit in a query ("alert(1)") does not
# match the code of every condition ending in ".1".
_ICD = re.compile(r"\b([A-Za-z][0-9]{2})\.([0-9A-Za-z]{1,4})\b")


def _join_codes(text: str) -> str:
    return _ICD.sub(lambda m: m.group(1) + m.group(2), text)


def tokenize(text: str) -> list[str]:
    return [stem(w) for w in normalise(_join_codes(text)).split() if w not in STOPWORDS]


def _default_url(pack_id: str) -> Callable[[str, str], str]:
    paths = {"complaint": "complaints", "condition": "conditions", "evidence": "evidence"}

    def url_for(kind: str, ident: str) -> str:
        return f"/v1/packs/{pack_id}/{paths[kind]}/{ident}" if kind in paths else ""

    return url_for


def pack_docs(pack: Pack, url_for: Callable[[str, str], str] | None = None) -> list[SearchDoc]:
    """The searchable documents of a pack: its complaints, conditions and evidence."""
    url = url_for or _default_url(pack.id)
    docs: list[SearchDoc] = []
    for comp in pack.meta.complaints:
        docs.append(SearchDoc(comp.id, "complaint", comp.label, "", url("complaint", comp.id), tuple(comp.synonyms)))
    for cond in pack.conditions.values():
        synonyms = tuple(s for s in (cond.lay_name, *cond.synonyms, cond.icd10 or "") if s)
        docs.append(SearchDoc(cond.id, "condition", cond.name, f"{cond.summary} {cond.category}",
                              url("condition", cond.id), synonyms))
    for ev in pack.evidence.values():
        title = ev.question.clinical or ev.question.lay
        synonyms = tuple(s for s in (ev.question.lay, *ev.synonyms) if s and s != title)
        choices = " ".join(c.label for c in ev.choices)
        docs.append(SearchDoc(ev.id, "evidence", title, f"{ev.group} {choices}", url("evidence", ev.id), synonyms))
    return docs


class SearchIndex:
    def __init__(self, docs: Sequence[SearchDoc], kind_boost: dict[str, float] | None = None):
        self.docs: list[SearchDoc] = list(docs)
        self.kind_boost = KIND_BOOST if kind_boost is None else kind_boost
        self._phrases = [[normalise(p) for p in (d.title, *d.synonyms) if p] for d in self.docs]
        self._phrase_words = [[frozenset(tokenize(p)) for p in (d.title, *d.synonyms) if p] for d in self.docs]
        corpus: list[list[str]] = []
        vocab: set[str] = set()
        for doc in self.docs:
            names = [t for p in (doc.title, *doc.synonyms) for t in tokenize(p)]
            body = tokenize(doc.text)
            vocab.update(names, body)
            corpus.append(names * NAME_WEIGHT + body)
        self._vocab = sorted(vocab)
        self._vocab_set = frozenset(vocab)
        self._by_length: dict[int, list[str]] = {}
        for word in self._vocab:
            self._by_length.setdefault(len(word), []).append(word)
        self._kinds = np.array([d.kind for d in self.docs])
        self._retriever = bm25s.BM25()
        if self.docs:
            self._retriever.index(corpus, show_progress=False)
        self._correct = lru_cache(maxsize=4096)(self._correct_uncached)

    @classmethod
    def build(
        cls,
        pack: Pack,
        extra_docs: Iterable[SearchDoc] = (),
        url_for: Callable[[str, str], str] | None = None,
        kind_boost: dict[str, float] | None = None,
    ) -> SearchIndex:
        return cls([*pack_docs(pack, url_for), *extra_docs], kind_boost=kind_boost)

    @property
    def kinds(self) -> list[str]:
        return sorted(set(self._kinds.tolist()))

    # ----- query side -------------------------------------------------------------------------------
    def _correct_uncached(self, word: str) -> tuple[str, ...]:
        if word in self._vocab_set:
            return (word,)
        if len(word) < 4:
            return ()  # one typo in a short word matches too many unrelated words
        # Words more than two letters longer or shorter cannot reach the cutoff; skip them for speed. A short
        # word may differ by one letter only ("alert" is not a misspelt "let").
        reach = 1 if len(word) <= 5 else 2
        nearby = [w for n in range(len(word) - reach, len(word) + reach + 1) for w in self._by_length.get(n, ())]
        close = difflib.get_close_matches(word, nearby, n=3, cutoff=CORRECTION_CUTOFF)
        if not close:
            return ()
        # Keep only the nearest spellings: "charly" means "charley", not also "hardly".
        ratios = [difflib.SequenceMatcher(None, word, c).ratio() for c in close]
        best = max(ratios)
        return tuple(c for c, r in zip(close, ratios, strict=True) if r >= best - 0.05)

    def _complete(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self._vocab, prefix)
        out: list[str] = []
        for word in self._vocab[start : start + MAX_PREFIX_EXPANSIONS]:
            if not word.startswith(prefix):
                break
            out.append(word)
        return out

    def query_tokens(self, q: str, prefix: bool = False) -> list[str]:
        # a lone one- or two-digit number says nothing about a symptom ("alert(1)", "1 day")
        words = [w for w in normalise(_join_codes(q)).split()
                 if w not in STOPWORDS and not (w.isdigit() and len(w) <= 2)]
        tokens: list[str] = []
        for i, word in enumerate(words):
            if prefix and i == len(words) - 1 and not q.endswith(" "):
                if len(word) < MIN_PREFIX:
                    continue  # one letter completes to half the vocabulary; the name match still counts
                tokens += self._complete(word) or list(self._correct(stem(word)))
            else:
                tokens += self._correct(stem(word))
        return tokens

    def _coverage(self, index: int, q_norm: str, tokens: set[str]) -> tuple[float, int]:
        """How completely the query names this document: the best share of one name's (or synonym's)
        words that the query matched, 1.0 also when the query is part of the name; and which name."""
        best, best_at = 0.0, 0
        for at, (phrase, words) in enumerate(zip(self._phrases[index], self._phrase_words[index], strict=True)):
            share = len(words & tokens) / len(words) if words else 0.0
            if q_norm and phrase.startswith(q_norm):  # what is typed so far begins this name
                share = max(share, 1.0)
            if share > best:
                best, best_at = share, at
        return best, best_at

    def search(
        self, q: str, limit: int = 10, kinds: Iterable[str] | None = None, prefix: bool = False
    ) -> list[SearchHit]:
        """The best matches for ``q``, best first; ``prefix`` treats the last word as unfinished."""
        if not self.docs or limit <= 0:
            return []
        tokens = self.query_tokens(q, prefix=prefix)
        if not tokens:
            return []
        mask = None
        if kinds is not None:
            wanted = set(kinds)
            mask = np.isin(self._kinds, list(wanted)).astype(np.float32)
            if not mask.any():
                return []
        k = min(len(self.docs), max(limit * 3, 20))
        found, scores = self._retriever.retrieve(
            [tokens], k=k, show_progress=False, n_threads=0, weight_mask=mask
        )
        q_norm = normalise(q)
        token_set = set(tokens)
        ranked: list[tuple[float, int, int]] = []
        for index, score in zip(found[0].tolist(), scores[0].tolist(), strict=True):
            if score <= 0:
                continue
            # A query that is a whole name or synonym ("tetanus", "charley horse") should come before
            # documents that only mention its words ("tetanus jab").
            coverage, phrase_at = self._coverage(int(index), q_norm, token_set)
            boost = self.kind_boost.get(self.docs[index].kind, 0.0)
            ranked.append((float(score) + COVERAGE_WEIGHT * coverage + boost, int(index), phrase_at))
        ranked.sort(key=lambda x: (-x[0], KIND_ORDER.get(self.docs[x[1]].kind, len(KIND_ORDER)), self.docs[x[1]].id))
        hits = []
        for score, index, phrase_at in ranked[:limit]:
            doc = self.docs[index]
            names = [p for p in (doc.title, *doc.synonyms) if p]
            hits.append(SearchHit(id=doc.id, kind=doc.kind, title=doc.title, url=doc.url, score=round(score, 4),
                                  matched=names[phrase_at]))
        return hits
