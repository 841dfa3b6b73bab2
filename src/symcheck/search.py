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


def tokenize(text: str) -> list[str]:
    return [stem(w) for w in normalise(text).split() if w not in STOPWORDS]


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
    def __init__(self, docs: Sequence[SearchDoc]):
        self.docs: list[SearchDoc] = list(docs)
        self._phrases = [[normalise(p) for p in (d.title, *d.synonyms) if p] for d in self.docs]
        corpus: list[list[str]] = []
        vocab: set[str] = set()
        for doc in self.docs:
            names = [t for p in (doc.title, *doc.synonyms) for t in tokenize(p)]
            body = tokenize(doc.text)
            vocab.update(names, body)
            corpus.append(names * NAME_WEIGHT + body)
        self._vocab = sorted(vocab)
        self._vocab_set = frozenset(vocab)
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
    ) -> SearchIndex:
        return cls([*pack_docs(pack, url_for), *extra_docs])

    @property
    def kinds(self) -> list[str]:
        return sorted(set(self._kinds.tolist()))

    # ----- query side -------------------------------------------------------------------------------
    def _correct_uncached(self, word: str) -> tuple[str, ...]:
        if word in self._vocab_set:
            return (word,)
        if len(word) < 4:
            return ()  # one typo in a short word matches too many unrelated words
        return tuple(difflib.get_close_matches(word, self._vocab, n=3, cutoff=CORRECTION_CUTOFF))

    def _complete(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self._vocab, prefix)
        out: list[str] = []
        for word in self._vocab[start : start + MAX_PREFIX_EXPANSIONS]:
            if not word.startswith(prefix):
                break
            out.append(word)
        return out

    def query_tokens(self, q: str, prefix: bool = False) -> list[str]:
        words = [w for w in normalise(q).split() if w not in STOPWORDS]
        tokens: list[str] = []
        for i, word in enumerate(words):
            if prefix and i == len(words) - 1 and not q.endswith(" "):
                completions = self._complete(word) or list(self._correct(stem(word)))
                tokens += completions
            else:
                tokens += self._correct(stem(word))
        return tokens

    def _matched(self, index: int, q_norm: str, tokens: set[str]) -> str:
        phrases = self._phrases[index]
        doc = self.docs[index]
        originals = [p for p in (doc.title, *doc.synonyms) if p]
        best, best_score = originals[0], -1.0
        for original, phrase in zip(originals, phrases, strict=True):
            words = {stem(w) for w in phrase.split()}
            score = len(words & tokens) / (1 + len(words)) + (2.0 if q_norm and q_norm in phrase else 0.0)
            if score > best_score:
                best, best_score = original, score
        return best

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
        ranked: list[tuple[float, int]] = []
        for index, score in zip(found[0].tolist(), scores[0].tolist(), strict=True):
            if score <= 0:
                continue
            # A query that is a whole name or synonym (or part of one) should come first.
            bonus = 1.0 if q_norm and any(q_norm in p for p in self._phrases[index]) else 0.0
            ranked.append((float(score) + bonus, int(index)))
        ranked.sort(key=lambda x: (-x[0], self.docs[x[1]].kind, self.docs[x[1]].id))
        hits = []
        for score, index in ranked[:limit]:
            doc = self.docs[index]
            hits.append(SearchHit(id=doc.id, kind=doc.kind, title=doc.title, url=doc.url, score=round(score, 4),
                                  matched=self._matched(index, q_norm, token_set)))
        return hits
