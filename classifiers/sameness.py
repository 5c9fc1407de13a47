"""Near-duplicate detection: is this text (mostly) something already published?

Winnowed word shingles in an inverted index (Schleimer et al., "Winnowing", SIGMOD 2003).
Each text becomes the hashes of its `k`-word shingles; winnowing keeps the smallest hash in
every window of `w` consecutive shingles, so any shared run of `k + w - 1` words is guaranteed to share a
fingerprint. The index is two sorted numpy arrays (fingerprint, document), so a query is a few
`searchsorted` calls and one `bincount`, whatever the corpus size.

We chose this over MinHash/LSH (e.g. datasketch) because the auditor must point at the copied
*span* of the draft, and must also catch a copied paragraph inside a longer text (containment),
which Jaccard-banded LSH misses; the fingerprints give both, and save to plain arrays.

Pure logic: `save`/`load` take open binary files; `auditor.corpus` owns paths and folders.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

FORMAT = "trust-auditor-sameness"
FORMAT_VERSION = 1
HASH_NAME = "blake2b64-poly-splitmix-v1"
DEFAULT_K = 5
DEFAULT_W = 4
# Estimated similarity from which two texts count as near-duplicates: with 5-word shingles,
# replacing 10% of a text's words leaves about 0.4.
NEAR_DUPLICATE = 0.4

_TOKEN = re.compile(r"\w+")
_U64 = np.uint64
_MASK64 = (1 << 64) - 1
# Per-position multipliers for the shingle hash (odd 64-bit constants).
_MULTS = np.array(
    [
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
        0xC4CEB9FE1A85EC53,
        0x27D4EB2F165667C5,
        0x94D049BB133111EB,
    ],
    dtype=np.uint64,
)
_word_cache: dict[str, int] = {}


def _hash_words(words: list[str]) -> np.ndarray:
    """Stable 64-bit hashes (blake2b, cached per word): Python's own hash() changes per process."""
    cache = _word_cache
    if len(cache) > 1_000_000:
        cache.clear()
    out = [cache.get(w) for w in words]
    for i, h in enumerate(out):
        if h is None:
            w = words[i]
            h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
            cache[w] = out[i] = h
    return np.array(out, dtype=np.uint64)


@dataclass(frozen=True, slots=True)
class Tokens:
    """The words of a text with their character spans, and their stable 64-bit hashes."""

    starts: np.ndarray
    ends: np.ndarray
    hashes: np.ndarray

    def __len__(self) -> int:
        return len(self.hashes)


def tokenize(text: str) -> Tokens:
    matches = list(_TOKEN.finditer(text))
    return Tokens(
        np.array([m.start() for m in matches], dtype=np.int64),
        np.array([m.end() for m in matches], dtype=np.int64),
        _hash_words([m.group().lower() for m in matches]),
    )


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, so that nearby inputs give unrelated fingerprints."""
    z = z ^ (z >> _U64(30))
    z = z * _U64(0xBF58476D1CE4E5B9)
    z = z ^ (z >> _U64(27))
    z = z * _U64(0x94D049BB133111EB)
    return z ^ (z >> _U64(31))


def shingle_hashes(word_hashes: np.ndarray, k: int) -> np.ndarray:
    n = len(word_hashes) - k + 1
    if n <= 0:
        return np.empty(0, dtype=np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h += word_hashes[j : j + n] * _MULTS[j % len(_MULTS)]
        return _mix(h)


def window_minima(shingles: np.ndarray, w: int) -> np.ndarray:
    """The smallest hash in every window of `w` consecutive shingles: the winnowed values."""
    n = len(shingles)
    if n <= w:
        return shingles[np.argmin(shingles) : np.argmin(shingles) + 1] if n else shingles
    m = shingles[: n - w + 1]
    for j in range(1, w):
        m = np.minimum(m, shingles[j : n - w + 1 + j])
    return m


def fingerprint_values(text: str, k: int = DEFAULT_K, w: int = DEFAULT_W) -> np.ndarray:
    """The set of a text's fingerprints (sorted, unique): the fast path used when indexing."""
    words = _TOKEN.findall(text.lower())
    return np.unique(window_minima(shingle_hashes(_hash_words(words), k), w))


@dataclass(frozen=True, slots=True)
class Fingerprints:
    values: np.ndarray  # uint64, one per selected shingle, in text order
    positions: np.ndarray  # index of the shingle's first word
    tokens: Tokens


def fingerprint(text: str, k: int = DEFAULT_K, w: int = DEFAULT_W) -> Fingerprints:
    toks = tokenize(text)
    sh = shingle_hashes(toks.hashes, k)
    pos = np.flatnonzero(np.isin(sh, window_minima(sh, w)))
    return Fingerprints(sh[pos], pos, toks)


@dataclass(frozen=True, slots=True)
class Match:
    """One indexed document the query shares text with.

    `similarity` estimates the Jaccard similarity of the two texts' shingle sets; `containment`
    the share of the query found in the document. `start`/`end` are character offsets in the
    query from the first to the last shared word; `runs` are the contiguous shared passages and
    `copied_words` counts the query words inside them.
    """

    doc_id: str
    similarity: float
    containment: float
    shared: int
    start: int
    end: int
    runs: tuple[tuple[int, int], ...]
    copied_words: int

    def to_dict(self) -> dict[str, object]:
        return {
            "doc_id": self.doc_id,
            "similarity": round(self.similarity, 3),
            "containment": round(self.containment, 3),
            "start": self.start,
            "end": self.end,
            "copied_words": self.copied_words,
        }


class SamenessIndex:
    """An inverted index of winnowed shingle fingerprints over a corpus of documents."""

    def __init__(self, k: int = DEFAULT_K, w: int = DEFAULT_W) -> None:
        if not (2 <= k <= 16 and 1 <= w <= 64):
            raise ValueError("shingle size k must be 2..16 and window w 1..64")
        self.k, self.w = k, w
        self._ids: list[str] = []
        self._slot: dict[str, int] = {}
        self._alive: list[bool] = []
        self._sizes: list[int] = []
        self._keys = np.empty(0, dtype=np.uint64)
        self._docs = np.empty(0, dtype=np.uint32)
        self._pending: list[tuple[int, np.ndarray]] = []
        self._sizes_arr: np.ndarray | None = None
        self._alive_arr: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._slot

    @property
    def doc_ids(self) -> list[str]:
        return [d for d, alive in zip(self._ids, self._alive, strict=True) if alive]

    def add(self, doc_id: str, text: str) -> int:
        """Index `text` under `doc_id` (replacing an earlier text with that id); returns its
        number of fingerprints (0 for texts shorter than `k` words, which cannot be matched)."""
        if not isinstance(doc_id, str) or not doc_id:
            raise ValueError("doc_id must be a non-empty string")
        old = self._slot.get(doc_id)
        if old is not None:
            self._alive[old] = False
        fp = fingerprint_values(text, self.k, self.w)
        slot = len(self._ids)
        self._ids.append(doc_id)
        self._alive.append(True)
        self._sizes.append(len(fp))
        self._slot[doc_id] = slot
        if len(fp):
            self._pending.append((slot, fp))
        self._sizes_arr = self._alive_arr = None
        return len(fp)

    def add_many(self, docs: Iterable[tuple[str, str]]) -> int:
        n = 0
        for doc_id, text in docs:
            self.add(doc_id, text)
            n += 1
        return n

    def _compact(self) -> None:
        if self._pending:
            keys = np.concatenate([self._keys, *(fp for _, fp in self._pending)])
            docs = np.concatenate(
                [self._docs, *(np.full(len(fp), s, dtype=np.uint32) for s, fp in self._pending)]
            )
            order = np.argsort(keys, kind="stable")
            self._keys, self._docs = keys[order], docs[order]
            self._pending = []
        if not all(self._alive):
            alive = np.array(self._alive, dtype=bool)
            remap = np.cumsum(alive, dtype=np.int64) - 1
            keep = alive[self._docs]
            self._keys = self._keys[keep]
            self._docs = remap[self._docs[keep]].astype(np.uint32)
            self._ids = [d for d, a in zip(self._ids, self._alive, strict=True) if a]
            self._sizes = [s for s, a in zip(self._sizes, self._alive, strict=True) if a]
            self._alive = [True] * len(self._ids)
            self._slot = {d: i for i, d in enumerate(self._ids)}
        if self._sizes_arr is None or len(self._sizes_arr) != len(self._sizes):
            self._sizes_arr = np.array(self._sizes, dtype=np.int64)
            self._alive_arr = np.array(self._alive, dtype=bool)

    def query(
        self,
        text: str,
        *,
        threshold: float = 0.0,
        min_shared: int = 2,
        limit: int = 5,
        exclude: str | None = None,
    ) -> list[Match]:
        """Documents sharing at least `min_shared` fingerprints with `text` and with estimated
        similarity or containment of at least `threshold`, best first."""
        self._compact()
        fp = fingerprint(text, self.k, self.w)
        uq = np.unique(fp.values)
        if not len(uq) or not len(self._keys):
            return []
        lo = np.searchsorted(self._keys, uq, "left")
        hi = np.searchsorted(self._keys, uq, "right")
        lengths = hi - lo
        total = int(lengths.sum())
        if total == 0:
            return []
        # Posting indexes for every query fingerprint, without a Python loop.
        starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
        post = starts + np.arange(total)
        docs = self._docs[post].astype(np.int64)
        qidx = np.repeat(np.arange(len(uq)), lengths)
        counts = np.bincount(docs, minlength=len(self._ids))
        cand = np.flatnonzero(counts >= min(min_shared, len(uq)))
        assert self._sizes_arr is not None and self._alive_arr is not None
        cand = cand[self._alive_arr[cand]]
        if not len(cand):
            return []
        shared = counts[cand]
        sim = shared / (len(uq) + self._sizes_arr[cand] - shared)
        cont = shared / len(uq)
        keep = np.maximum(sim, cont) >= threshold
        cand, shared, sim, cont = cand[keep], shared[keep], sim[keep], cont[keep]
        order = np.lexsort((-cont, -sim))
        out: list[Match] = []
        for i in order:
            doc = int(cand[i])
            if self._ids[doc] == exclude:
                continue
            matched_values = uq[qidx[docs == doc]]
            out.append(
                self._match(fp, doc, matched_values, float(sim[i]), float(cont[i]), int(shared[i]))
            )
            if len(out) >= limit:
                break
        return out

    def _match(
        self,
        fp: Fingerprints,
        doc: int,
        matched_values: np.ndarray,
        sim: float,
        cont: float,
        shared: int,
    ) -> Match:
        pos = np.sort(fp.positions[np.isin(fp.values, matched_values)])
        runs: list[list[int]] = []  # [first shingle, last shingle]
        for p in pos.tolist():
            if runs and p - runs[-1][1] <= self.w:
                runs[-1][1] = p
            else:
                runs.append([p, p])
        toks, k = fp.tokens, self.k
        spans = tuple((int(toks.starts[a]), int(toks.ends[b + k - 1])) for a, b in runs)
        copied = sum(b + k - a for a, b in runs)
        return Match(
            doc_id=self._ids[doc],
            similarity=min(sim, 1.0),
            containment=min(cont, 1.0),
            shared=shared,
            start=spans[0][0],
            end=spans[-1][1],
            runs=spans,
            copied_words=copied,
        )

    # --- serialisation: plain arrays and JSON, never pickle ----------------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        self._compact()
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "hash": HASH_NAME,
            "k": self.k,
            "w": self.w,
            "ids": self._ids,
        }
        return {
            "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
            "keys": self._keys,
            "docs": self._docs,
            "sizes": np.array(self._sizes, dtype=np.uint32),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> SamenessIndex:
        try:
            meta = json.loads(bytes(np.asarray(arrays["meta"], dtype=np.uint8)).decode("utf-8"))
            keys, docs, sizes = arrays["keys"], arrays["docs"], arrays["sizes"]
        except (KeyError, ValueError, TypeError) as e:
            raise ValueError(f"not a sameness index ({e})") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError("not a sameness index (wrong format tag)")
        if meta.get("version") != FORMAT_VERSION or meta.get("hash") != HASH_NAME:
            raise ValueError(
                f"sameness index version {meta.get('version')} is not supported; rebuild it"
            )
        ids = meta.get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ValueError("not a sameness index (bad document ids)")
        if (
            keys.dtype != np.uint64
            or docs.dtype != np.uint32
            or sizes.dtype != np.uint32
            or keys.shape != docs.shape
            or keys.ndim != 1
            or sizes.shape != (len(ids),)
            or len(set(ids)) != len(ids)
            or (len(docs) and int(docs.max()) >= len(ids))
            or (len(keys) > 1 and bool(np.any(keys[1:] < keys[:-1])))
        ):
            raise ValueError("sameness index is corrupt (array shapes or order)")
        idx = cls(int(meta["k"]), int(meta["w"]))
        idx._ids = list(ids)
        idx._slot = {d: i for i, d in enumerate(ids)}
        idx._alive = [True] * len(ids)
        idx._sizes = sizes.astype(np.int64).tolist()
        idx._keys, idx._docs = keys, docs
        return idx

    def save(self, file: BinaryIO) -> None:
        # numpy's stub has a keyword `allow_pickle: bool` beside `**kwds: ArrayLike`, so mypy
        # checks every `**dict` value against it too; the keys here are array names only
        np.savez(file, **self.to_arrays())  # type: ignore[arg-type]

    @classmethod
    def load(cls, file: BinaryIO | bytes) -> SamenessIndex:
        if isinstance(file, bytes):
            file = io.BytesIO(file)
        head = file.read(4)
        file.seek(0)
        if head != b"PK\x03\x04":  # an .npz is a zip archive
            raise ValueError("not a sameness index file")
        try:
            with np.load(file, allow_pickle=False) as z:
                arrays = {name: z[name] for name in ("meta", "keys", "docs", "sizes")}
        except (KeyError, ValueError, OSError, EOFError) as e:
            raise ValueError(f"not a sameness index ({e})") from None
        return cls.from_arrays(arrays)


def near_duplicate_clusters(
    texts: dict[str, str],
    threshold: float = NEAR_DUPLICATE,
    max_posting: int = 50,
    min_shared: int = 1,
) -> list[list[str]]:
    """Groups of texts that are near-duplicates of one another (for site audits).

    Two texts are linked when their estimated similarity (shared fingerprints over the union,
    as `SamenessIndex.query` estimates it) is at least `threshold` (0..1); clusters are the
    connected groups, largest first, each sorted. Containment alone does not link (a short page
    made of the footer would otherwise chain every page together). Texts shorter than the
    shingle size never cluster.

    Candidate pairs come at once from the sorted posting lists (numpy), not one query per text:
    that is what keeps 100,000 pages within a minute. A fingerprint found in more than
    `max_posting` texts (a site-wide footer or menu) nominates no pair; pairs sharing at least
    `min_shared` of the others are then scored on all their fingerprints. Texts with identical
    fingerprints are grouped directly, so a post syndicated verbatim to many pages still
    clusters; many *edited* copies of one text (more than `max_posting`) may not.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    ids = list(texts)
    fps = [fingerprint_values(texts[d]) for d in ids]
    sizes = np.array([len(f) for f in fps], dtype=np.int64)
    if not len(ids) or not sizes.any():
        return []
    keys = np.concatenate(fps)
    docs = np.repeat(np.arange(len(ids), dtype=np.int64), sizes)
    order = np.argsort(keys, kind="stable")
    keys, docs = keys[order], docs[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    lengths = np.diff(np.r_[starts, len(keys)])
    pair_codes = []
    for length in np.unique(lengths[(lengths >= 2) & (lengths <= max_posting)]).tolist():
        group_starts = starts[lengths == length]
        members = docs[group_starts[:, None] + np.arange(length)]  # one row per fingerprint
        i, j = np.triu_indices(length, 1)
        a, b = members[:, i].ravel(), members[:, j].ravel()  # a < b: docs sorted within a key
        pair_codes.append(a * len(ids) + b)
    if not pair_codes:
        pair_codes.append(np.empty(0, dtype=np.int64))
    codes, rare_shared = np.unique(np.concatenate(pair_codes), return_counts=True)
    codes = codes[rare_shared >= min_shared]
    a, b = codes // len(ids), codes % len(ids)
    # The rare fingerprints only nominate candidates; similarity counts every shared one.
    shared = np.array(
        [
            len(np.intersect1d(fps[x], fps[y], assume_unique=True))
            for x, y in zip(a, b, strict=True)
        ],
        dtype=np.int64,
    )
    similarity = shared / (sizes[a] + sizes[b] - shared) if len(codes) else shared
    keep = similarity >= threshold
    parent = list(range(len(ids)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_of: dict[bytes, int] = {}
    for n, f in enumerate(fps):
        if len(f):
            first = first_of.setdefault(f.tobytes(), n)
            if first != n:
                parent[find(n)] = find(first)

    for x, y in zip(a[keep].tolist(), b[keep].tolist(), strict=True):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    groups: dict[int, list[str]] = {}
    for n, d in enumerate(ids):
        groups.setdefault(find(n), []).append(d)
    clusters = [sorted(g) for g in groups.values() if len(g) > 1]
    return sorted(clusters, key=lambda g: (-len(g), g[0]))
