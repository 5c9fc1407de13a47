"""Serving the learned models without importing scikit-learn or numpy.

The trained scikit-learn `Pipeline`s (`models/*.skops`) are the source of truth. Importing
scikit-learn costs about 2 s and numpy about 0.25 s here, so `classifiers.train.export` writes
what inference needs — each TF-IDF block's vocabulary, idf and the linear coefficients, the
dense features' scaler — and this module scores with the same arithmetic in plain Python.
`tests/test_models.py` pins agreement with `pipeline.predict_proba` / `predict`.

Models load lazily on first use (`bench/models.py` prints the load cost). Every model-driven
finding is declared in `rules/learned.toml` through the detectors below, so it has a code, a
span and a reason like any rule; the 0..100 learned scores reach `score()` through the engine's
enricher hook (`auditor/learned.py`). Predictions are computed once per `Doc` and cached on it.
"""

from __future__ import annotations

import json
import math
import re
import string
import sys
from array import array
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from itertools import chain, repeat
from math import log
from operator import add, mul, sub, truediv
from pathlib import Path
from typing import Any, NamedTuple, TypedDict

from classifiers.rules import Context, Hit, Rule, detector
from classifiers.text import Doc, Span

MODEL_DIR = Path(__file__).parent / "models"
CLICKBAIT_MODELS = ("clickbait_graded", "clickbait_style")
BODY_RATINGS = ("self_orientation", "value_add", "lemming")
MODEL_NAMES = CLICKBAIT_MODELS + BODY_RATINGS

_WHITE_SPACES = re.compile(r"\s\s+")  # sklearn's char_wb normalisation

# --- featurisers: the exact analyzers of sklearn's TfidfVectorizer ----------------------------


SKLEARN_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
# For `bytes.translate`: an ASCII word character (\w: letter, digit, "_") stays, anything else
# becomes a space. Bytes 128..255 never occur: the table serves ASCII texts only.
_WORD_CHARS = bytes(
    c if c < 128 and (chr(c).isalnum() or chr(c) == "_") else 32 for c in range(256)
)
# The same characters, each as "a": where the word characters are, for `_piece_tokens`.
_WORD_MASK = bytes(ord("a") if c != 32 else 32 for c in _WORD_CHARS)


def tokens(text: str, pattern: re.Pattern[str]) -> list[str]:
    """`pattern.findall(text)`. For sklearn's default pattern on an ASCII text, the tokens are
    the maximal runs of [A-Za-z0-9_] of two characters or more: a byte translate and `split`
    find them about three times faster than the regex scan, the body models' main cost."""
    if pattern.pattern != SKLEARN_TOKEN_PATTERN or not text.isascii():
        return pattern.findall(text)
    runs = text.encode("ascii").translate(_WORD_CHARS).decode("ascii").split()
    return [w for w in runs if len(w) > 1]


def word_ngrams(text: str, lo: int, hi: int, pattern: re.Pattern[str]) -> list[str]:
    """sklearn's word analyzer after lower-casing: the unigrams, then the bigrams..."""
    return list(chain.from_iterable(g for _, g in _ngrams_by_n(tokens(text, pattern), lo, hi)))


def char_wb_ngrams(text: str, lo: int, hi: int) -> list[str]:
    grams: list[str] = []
    append = grams.append
    for w in _WHITE_SPACES.sub(" ", text).split():
        w = " " + w + " "
        w_len = len(w)
        for n in range(lo, hi + 1):
            offset = 0
            append(w[offset : offset + n])
            while offset + n < w_len:
                offset += 1
                append(w[offset : offset + n])
            if offset == 0:
                break
    return grams


_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_FIRST_SING = frozenset("i me my mine myself i'm i've i'd i'll i’m i’ve i’d i’ll".split())
_FIRST_PLUR = frozenset("we us our ours ourselves we're we've we'll we’re we’ve we’ll".split())
_SECOND = frozenset(
    "you your yours yourself yourselves you're you've you'll you’re you’ve you’ll".split()
)
_HTTP = re.compile(r"https?://", re.I)


def _has_url(text: str) -> bool:
    r"""`re.search(r"https?://|www\.", text, re.I)`, without scanning texts that lack "://"."""
    return ("://" in text and _HTTP.search(text) is not None) or "www." in text.lower()


_SENT_END = re.compile(r"[.!?]+(?:\s|$)")
# For `bytes.translate`: sentence-ending punctuation becomes ".", whitespace " ", the rest "x"
_SENT_END_MARKS = bytes(
    ord(".") if chr(c) in ".!?" else ord(" ") if chr(c).isspace() else ord("x") for c in range(256)
)


def _sentence_ends(text: str) -> int:
    """`len(_SENT_END.findall(text))`: the runs of [.!?] that whitespace or the end of the text
    follows. On ASCII text, counted on a translated copy: the regex scan costs ten times more."""
    if not text.isascii():
        return len(_SENT_END.findall(text))
    marks = text.encode("ascii").translate(_SENT_END_MARKS)
    return marks.count(b". ") + marks.endswith(b".")


LEXICAL_FEATURES = (
    "first_person_singular_rate",
    "first_person_plural_rate",
    "second_person_rate",
    "reader_balance",
    "number_rate",
    "has_url",
    "questions_per_sentence",
    "exclamations_per_sentence",
    "log_words",
    "words_per_sentence",
    "money_or_percent_rate",
    "capitalised_midsentence_rate",
)


# For `bytes.translate`: what `_WORD` can match (ASCII letters, digits and "'") stays, anything
# else becomes a space, so the words are the runs `split` finds but around some "'".
_LEXICAL_CHARS = bytes(
    c if c < 128 and (chr(c).isalnum() or chr(c) == "'") else 32 for c in range(256)
)
# `_WORD` joins one "'" at most into a word: between its head of letters and digits and a tail
# of letters, where the word ends. So a run of the translated copy is one word but where this
# finds a loose "'" (no letter or digit before it, or no letter after it) or a joined tail that
# a "'" or a digit ends: that "'" joins nothing, that digit starts the next word.
_LOOSE_QUOTE = re.compile(
    rb"""'(?:
        (?<![A-Za-z0-9]')  # nothing to join on the left
        | (?![A-Za-z])  # nor on the right
        | [A-Za-z]+(?:'|(?=[0-9]))  # a tail that a "'" or a digit ends
    )""",
    re.X,
)


def _split_loose_quote(match: re.Match[bytes]) -> bytes:
    """A loose "'" becomes a space; a tail is kept, then a space replaces the "'" that ends it or
    goes before the digit that does."""
    return match[0].rstrip(b"'") + b" "


def _word_runs(text: str) -> bytes:
    """The words `_WORD.findall(text)` finds, in order, as UTF-8 runs between spaces.

    On ASCII text a word never spans a character `_WORD` cannot match, so once those are spaces
    and `_LOOSE_QUOTE` has split the runs it finds, the runs are the words: `lexical_features`
    splits them once and counts word initials with bytes methods, and no regex scans the text."""
    if not text.isascii():
        return " ".join(_WORD.findall(text)).encode()
    runs = text.encode("ascii").translate(_LEXICAL_CHARS)
    return _LOOSE_QUOTE.sub(_split_loose_quote, runs) if b"'" in runs else runs


# keyed by the UTF-8 bytes `_word_runs` gives
_PRONOUN_CLASS = {
    w.encode(): cls
    for cls, pronouns in enumerate((_FIRST_SING, _FIRST_PLUR, _SECOND), start=1)
    for w in pronouns
}
# For `bytes.translate`: a capital becomes "A", a digit "0", to count the words they start
_INITIALS = bytes.maketrans(
    (string.ascii_uppercase + string.digits).encode("ascii"), b"A" * 26 + b"0" * 10
)


def _count(text: str, char: str) -> int:
    """`text.count(char)`. Most texts lack most of the characters counted: `in` finds that with a
    memchr, where `count` reads the whole text."""
    return text.count(char) if char in text else 0


def lexical_features(text: str) -> list[float]:
    """Cheap, rule-like signals the n-grams miss: pronoun balance, numbers, sources, shape."""
    runs = _word_runs(text)
    words = runs.lower().split()
    n = len(words)
    classes = list(filter(None, map(_PRONOUN_CLASS.get, words)))
    sing, plur, second = classes.count(1), classes.count(2), classes.count(3)
    # every word but the first follows a space: count the words a digit or a capital starts
    initials = runs.translate(_INITIALS).lstrip()
    digits = initials.count(b" 0") + initials.startswith(b"0")
    sentences = max(1, _sentence_ends(text) or 1)
    # a capitalised word after the first (a word never ends in "." here, so no sentence test)
    caps_mid = initials.count(b" A")
    denom = max(n, 1)
    money = _count(text, "%") + _count(text, "$") + _count(text, "£") + _count(text, "€")
    return [
        sing / denom,
        plur / denom,
        second / denom,
        (second - sing - plur) / (second + sing + plur + 1),
        digits / denom,
        1.0 if _has_url(text) else 0.0,
        _count(text, "?") / sentences,
        _count(text, "!") / sentences,
        math.log1p(n),
        n / sentences / 20.0,
        money / denom,
        caps_mid / denom,
    ]


HEADLINE_FEATURES = (
    "log_words",
    "starts_with_digit",
    "ends_with_question",
    "ends_with_colon_or_ellipsis",
    "questions_per_sentence",
    "exclamations_per_sentence",
)


def headline_features(text: str) -> list[float]:
    """The shape of a headline that L2-normalised n-gram vectors cannot see: its length and
    where a character stands (a leading number, a closing question or colon/ellipsis).

    Deliberately few: on Webis the full `lexical_features` block lowers MSE a little more, but
    its pronoun, capitals and number rates rank our business subject lines worse (docs/EVAL.md).
    """
    words = _WORD.findall(text)
    end = text.rstrip()
    start = text.lstrip()
    sentences = max(1, _sentence_ends(text) or 1)
    return [
        math.log1p(len(words)),
        float(start[:1].isdigit()),
        float(end.endswith("?")),
        float(end.endswith((":", "…", "..."))),
        text.count("?") / sentences,
        text.count("!") / sentences,
    ]


DENSE_FEATURES = {"lexical_v1": lexical_features, "headline_v1": headline_features}

# --- the exported linear model ----------------------------------------------------------------


@dataclass
class _Block:
    kind: str  # "word" | "char_wb" | "dense"
    lo: int
    hi: int
    lowercase: bool
    sublinear: bool
    pattern: re.Pattern[str] | None
    index: dict[str, int]
    idf: Sequence[float]  # see `_served`
    coef: Sequence[float]
    mean: list[float]
    scale: list[float]
    features: str = ""
    vocab_id: str = ""  # equal for blocks with the same terms and idf: their vectors are shared

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.kind, self.lo, self.hi, self.lowercase, self.pattern and self.pattern.pattern)


_LIST_MAX = 20_000


def _served(values: array) -> Sequence[float]:
    """A block's idf or coefficients as read per n-gram: a list for the body models' small
    vocabulary (indexing one is a third cheaper than an array of float32, which boxes each
    value anew), the compact array for the clickbait models' large ones (memory, load time)."""
    return values.tolist() if len(values) <= _LIST_MAX else values


_VOCABS: dict[tuple[int, bytes], str] = {}


def _vocab_id(terms: list[str], idf: array) -> str:
    """One id per distinct (terms, idf): the body models share a vectorizer, so they share vectors."""
    key = (hash(tuple(terms)), idf.tobytes())
    return _VOCABS.setdefault(key, f"v{len(_VOCABS)}")


class _Vector(NamedTuple):
    """A sparse tf-idf vector as parallel lists: term, its index, its value, its count."""

    terms: list[str]
    at: list[int]
    values: list[float]
    counts: list[int]


class LinearModel:
    """A fitted `Pipeline(FeatureUnion(tfidf..., dense), linear)` scored in plain Python."""

    def __init__(self, meta: dict[str, Any], terms: list[str], weights: array) -> None:
        self.meta = meta
        self.name: str = meta["name"]
        self.link: str = meta["link"]
        self.intercept: float = float(meta["intercept"])
        self.blocks: list[_Block] = []
        t0 = 0
        for b in meta["blocks"]:
            size = int(b["size"])
            if b["kind"] == "dense":
                coef = weights[b["coef_offset"] : b["coef_offset"] + size]
                self.blocks.append(
                    _Block(
                        "dense", 0, 0, False, False, None, {}, [], coef.tolist(),
                        b["mean"], b["scale"], b["features"],
                    )
                )  # fmt: skip
                continue
            block_terms = terms[t0 : t0 + size]
            t0 += size
            self.blocks.append(
                _Block(
                    kind=b["kind"],
                    lo=b["ngram_range"][0],
                    hi=b["ngram_range"][1],
                    lowercase=b["lowercase"],
                    sublinear=b["sublinear_tf"],
                    pattern=re.compile(b["token_pattern"]) if b["kind"] == "word" else None,
                    index=dict(zip(block_terms, range(size), strict=True)),
                    idf=_served(weights[b["idf_offset"] : b["idf_offset"] + size]),
                    coef=_served(weights[b["coef_offset"] : b["coef_offset"] + size]),
                    mean=[],
                    scale=[],
                    vocab_id=_vocab_id(
                        block_terms, weights[b["idf_offset"] : b["idf_offset"] + size]
                    ),
                )
            )

    @classmethod
    def load(cls, name: str, folder: Path = MODEL_DIR) -> LinearModel:
        meta = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        terms_text = (folder / f"{name}.terms").read_text(encoding="utf-8")
        terms = terms_text.split("\n") if terms_text else []
        weights = array("f")
        weights.frombytes((folder / f"{name}.weights").read_bytes())
        if sys.byteorder != "little":
            weights.byteswap()
        return cls(meta, terms, weights)

    def _grams(self, block: _Block, text: str, cache: dict[Any, Any]) -> list[str]:
        """The block's n-grams of `text`, once per text and analyzer (blocks of several models
        with the same analyzer share them)."""
        key = block.key
        grams: list[str] | None = cache.get(key)
        if grams is None:
            t = text.lower() if block.lowercase else text
            if block.kind == "word":
                assert block.pattern is not None
                grams = word_ngrams(t, block.lo, block.hi, block.pattern)
            else:
                grams = char_wb_ngrams(t, block.lo, block.hi)
            cache[key] = grams
        return grams

    def _vector(self, block: _Block, text: str, cache: dict[Any, Any]) -> _Vector:
        """The block's L2-normalised tf-idf entries, once per text and vocabulary. Built with
        `map` over parallel lists: the per-term Python loop was the body models' main cost.
        Only the n-grams in the vocabulary are counted; their order is that of first sight."""
        key = ("vec", block.key, block.vocab_id)
        vec = cache.get(key)
        if vec is None:
            index, idf = block.index, block.idf
            counted = Counter(filter(index.__contains__, self._grams(block, text, cache)))
            terms = list(counted)
            counts = list(counted.values())
            at = list(map(index.__getitem__, terms))
            weights = map(idf.__getitem__, at)
            if block.sublinear:
                raw = list(map(mul, _sublinear_tf(counts), weights))
            else:
                raw = list(map(mul, counts, weights))
            sq = sum(map(mul, raw, raw))
            norm = math.sqrt(sq) if sq > 0.0 else 1.0
            vec = cache[key] = _Vector(terms, at, list(map(truediv, raw, repeat(norm))), counts)
        return vec

    def _products(self, block: _Block, text: str, cache: dict[Any, Any]) -> list[float]:
        """Each vector entry times its coefficient: summed by `decision`, and divided by the
        count by `_shares` (cached so that pointing at a sentence reuses them)."""
        key = ("products", id(block))
        kept = cache.get(key)
        if kept is not None and kept[0] is block:
            products: list[float] = kept[1]
            return products
        vec = self._vector(block, text, cache)
        products = list(map(mul, vec.values, map(block.coef.__getitem__, vec.at)))
        cache[key] = (block, products)
        return products

    def decision(self, text: str, cache: dict[Any, Any] | None = None) -> float:
        """The linear score before the link (the Pipeline's `decision_function` / `predict`)."""
        cache = {} if cache is None else cache
        total = self.intercept
        for block in self.blocks:
            if block.kind == "dense":
                feats = cache.get(block.features)
                if feats is None:
                    feats = cache[block.features] = DENSE_FEATURES[block.features](text)
                # sum of coef * ((x - mean) / scale), term by term in feature order
                scaled = map(truediv, map(sub, feats, block.mean), block.scale)
                total += sum(map(mul, block.coef, scaled))
                continue
            total += sum(self._products(block, text, cache))
        return total

    def predict(self, text: str, cache: dict[Any, Any] | None = None) -> float:
        """Probability (logistic link) or regression output (identity link)."""
        z = self.decision(text, cache)
        if self.link == "logistic":
            return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
        return z

    def _shares(self, block: _Block, text: str, cache: dict[Any, Any]) -> list[float]:
        """Per vector entry, the contribution of one occurrence of its n-gram."""
        counts = self._vector(block, text, cache).counts
        return list(map(truediv, self._products(block, text, cache), counts))


_SUBLINEAR_TF = [0.0] + [1.0 + log(c) for c in range(1, 64)]


def _sublinear_tf(counts: list[int]) -> list[float]:
    """`1 + log(count)` per count, from a table: counts are small, most of them 1."""
    if max(counts, default=0) < len(_SUBLINEAR_TF):
        return list(map(_SUBLINEAR_TF.__getitem__, counts))
    return [1.0 + log(c) for c in counts]


@cache
def model(name: str) -> LinearModel | None:
    """The exported model, loaded once; None when it has not been trained and shipped."""
    try:
        return LinearModel.load(name)
    except FileNotFoundError:
        return None


_STAND_INS: list[Mapping[str, LinearModel | None]] = []


@contextmanager
def stand_in(models: Mapping[str, LinearModel | None]) -> Iterator[None]:
    """Score with `models` instead of the shipped ones (a name it lacks: no model). Training
    uses it for out-of-fold scores, from models that never saw the text; not thread-safe."""
    _STAND_INS.append(models)
    try:
        yield
    finally:
        _STAND_INS.pop()


def _model(name: str) -> LinearModel | None:
    return _STAND_INS[-1].get(name) if _STAND_INS else model(name)


def versions() -> dict[str, str]:
    """Model versions for the report (only models that are present)."""
    out = {}
    for name in MODEL_NAMES:
        m = model(name)
        if m is not None:
            out[f"model.{name}"] = str(m.meta.get("version", "?"))
    return out


# --- what each rating's model reads -----------------------------------------------------------


def clickbait_target(doc: Doc, kind: str) -> tuple[int, int] | None:
    """The span the clickbait model rates: a headline, a subject, or a post's opening line."""
    if doc.field == "subject" or kind == "headline":
        return (0, len(doc.text)) if doc.text.strip() else None
    if kind == "email" or not doc.sentences:
        return None
    first = doc.sentences[0]
    end = doc.text.find("\n", first.start, first.end)
    end = first.end if end < 0 else end
    return (first.start, end) if doc.text[first.start : end].strip() else None


def _cache_of(doc: Doc) -> dict[Any, Any]:
    return doc.memo.setdefault("learned", {})


class ClickbaitPrediction(TypedDict):
    """What `clickbait_prediction` returns (a plain dict at run time)."""

    span: tuple[int, int]  # the headline part's offsets in the doc
    graded: float
    style: float | None


def clickbait_prediction(doc: Doc, kind: str) -> ClickbaitPrediction | None:
    """{"span": (start, end), "graded": p, "style": p} for the doc's headline part, cached."""
    cache = _cache_of(doc)
    key = ("clickbait", kind)
    if key not in cache:
        span = clickbait_target(doc, kind)
        graded, style = _model("clickbait_graded"), _model("clickbait_style")
        if span is None or graded is None:
            cache[key] = None
        else:
            text = doc.text[span[0] : span[1]]
            grams: dict[Any, Any] = {}
            prediction: ClickbaitPrediction = {
                "span": span,
                "graded": graded.predict(text, grams),
                "style": style.predict(text, grams) if style is not None else None,
            }
            cache[key] = prediction
    return cache[key]


def body_predictions(doc: Doc, subject: str | None = None) -> dict[str, float]:
    """Learned 0..100 scores for self-orientation, value-add and lemming, cached on the doc."""
    cache = _cache_of(doc)
    if "body" not in cache:
        text = body_input(doc.text, subject)
        grams: dict[Any, Any] = cache.setdefault("body_vectors", {})
        cache["body_text"] = text
        if text == doc.text:  # no subject: the n-grams `top_sentence` reads are the models'
            for model_ in filter(None, map(_model, BODY_RATINGS)):
                for block in model_.blocks:
                    if block.kind == "word":
                        grams.setdefault(block.key, _doc_grams(doc, block).whole)
        out = {}
        for rating in BODY_RATINGS:
            m = _model(rating)
            if m is not None and doc.word_count:
                out[rating] = to_score(m.predict(text, grams))
        cache["body"] = out
    return cache["body"]


def body_input(text: str, subject: str | None) -> str:
    """What the body models read: the subject line counts toward every rating (GUIDE.md)."""
    return f"{subject}\n\n{text}" if subject else text


def to_score(regression: float) -> float:
    """Body models regress label/3 (labels 0..3); clip onto the 0..100 scale."""
    return round(100.0 * min(1.0, max(0.0, regression)), 1)


def learned_scores(body: Doc, subject: Doc | None, kind: str) -> dict[str, float]:
    """The learned half of each rating (0..100), blended with the rule score by `score()`."""
    scores: dict[str, float] = {}
    if kind != "headline":
        scores.update(body_predictions(body, subject.text if subject is not None else None))
    cb = clickbait_prediction(subject if subject is not None else body, kind)
    if cb is None and subject is not None and kind != "email":
        cb = clickbait_prediction(body, kind)
    if cb is not None:
        scores["clickbait"] = round(100.0 * cb["graded"], 1)
    return scores


class _DocGrams(NamedTuple):
    """A word block's analyzer applied to a document and, for pointing, to each sentence."""

    whole: list[str]  # the analyzer's n-grams of the whole text, in its order
    pool: list[str]  # n-grams that `parts` index into: `whole` itself where the tokens allow
    # each part, per sentence, a range of `pool`; a sentence's n-grams are its ranges together
    parts: list[list[tuple[int, int]]]


def _doc_grams(doc: Doc, block: _Block) -> _DocGrams:
    """What a model's word block sees in the document, and in each sentence: pointing at the
    sentence that drives a score sums the very n-grams the model weighed. Once per document
    and analyzer. On ASCII text a sentence's n-grams are ranges of the whole text's (its
    unigrams, then its bigrams...), found by counting tokens (`_piece_tokens`); elsewhere
    each sentence is analyzed on its own."""
    cache = _cache_of(doc)
    key = ("doc_grams", block.key)
    got: _DocGrams | None = cache.get(key)
    if got is None:
        assert block.pattern is not None
        text = doc.text.lower() if block.lowercase else doc.text
        pieces = _piece_tokens(text, doc.sentences, block.pattern)
        if pieces is None:
            pool: list[str] = []
            part = []
            for s in doc.sentences:
                start = len(pool)
                pool += word_ngrams(text[s.start : s.end], block.lo, block.hi, block.pattern)
                part.append((start, len(pool)))
            whole = word_ngrams(text, block.lo, block.hi, block.pattern)
            got = _DocGrams(whole, pool, [part])
        else:
            toks, ranges = pieces
            whole, parts, offset = [], [], 0
            for n, grams in _ngrams_by_n(toks, block.lo, block.hi):
                # the n-grams inside tokens a..b - 1 are those starting at a..b - n
                parts.append([(offset + a, offset + max(a, b - n + 1)) for a, b in ranges])
                whole += grams
                offset += len(grams)
            got = _DocGrams(whole, whole, parts)
        cache[key] = got
    return got


def _ngrams_by_n(toks: list[str], lo: int, hi: int) -> list[tuple[int, list[str]]]:
    """`word_ngrams`'s n-grams of `toks`, by n in its order: the i-th joins `toks[i : i + n]`."""
    out = [(1, toks)] if lo == 1 else []
    for n in range(max(lo, 2), hi + 1):
        if n == 2:
            out.append((2, list(map(" ".join, zip(toks, toks[1:], strict=False)))))
        else:
            out.append((n, [" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1)]))
    return out


def _piece_tokens(
    text: str, spans: list[Span], pattern: re.Pattern[str]
) -> tuple[list[str], list[tuple[int, int]]] | None:
    """`tokens(text)` and each span's range of them, on the ASCII fast path of `tokens` (None
    elsewhere, or when a span edge falls inside a run of word characters).

    A token is a run of two or more word characters: on a mask of the text, a space and then
    "a" per word character and " " per other, each token starts one " aa" (and occurrences
    never overlap). So the tokens before an edge are counted in C, not found word by word."""
    if pattern.pattern != SKLEARN_TOKEN_PATTERN or not text.isascii():
        return None
    mask = b" " + text.encode("ascii").translate(_WORD_MASK)  # mask[i + 1] is text[i]'s
    count = mask.count
    ranges: list[tuple[int, int]] = []
    before = prev = 0  # tokens before `prev`, the last edge counted to
    for start, end in spans:
        # `mask[e : e + 2]` holds the characters either side of edge e
        if start < prev or mask[start : start + 2] == b"aa" or mask[end : end + 2] == b"aa":
            return None
        # the occurrences at i with prev - 1 <= i <= edge - 2: tokens starting in between
        a = before + count(b" aa", max(prev - 1, 0), start + 1)
        before = a + count(b" aa", max(start - 1, 0), end + 1)
        ranges.append((a, before))
        prev = end
    return tokens(text, pattern), ranges


def _pool_entries(
    m: LinearModel, block: _Block, text: str, grams: _DocGrams, vectors: dict[Any, Any]
) -> list[int]:
    """Per n-gram of `grams.pool`, its entry in the document's vector (one past the last when
    the vocabulary lacks it); once per document and vocabulary, for every rating's pointing."""
    key = ("pool", block.key, block.vocab_id)
    entries: list[int] | None = vectors.get(key)
    if entries is None:
        terms = m._vector(block, text, vectors).terms
        entry = {term: i for i, term in enumerate(terms)}.get
        entries = vectors[key] = list(map(entry, grams.pool, repeat(len(terms))))
    return entries


def top_sentence(doc: Doc, rating: str, sign: float = 1.0) -> tuple[int, int] | None:
    """The body sentence whose n-grams push the model's score furthest in `sign`'s direction:
    each n-gram weighs its share of the word block's contribution (one occurrence's)."""
    m = _model(rating)
    if m is None or not doc.sentences:
        return None
    cache = _cache_of(doc)
    vectors = cache.get("body_vectors", {}) if cache.get("body_text") == doc.text else {}
    totals = [0.0] * len(doc.sentences)
    for block in m.blocks:
        if block.kind != "word":
            continue
        grams = _doc_grams(doc, block)
        vectors.setdefault(block.key, grams.whole)  # the n-grams `_vector` would compute
        shares = m._shares(block, doc.text, vectors)
        shares.append(0.0)  # the share of an n-gram outside the vocabulary
        shares = list(map(shares.__getitem__, _pool_entries(m, block, doc.text, grams, vectors)))
        for part in grams.parts:
            totals = list(map(add, totals, [sum(shares[a:b]) for a, b in part]))
    best, best_span = 0.0, None
    for s, total in zip(doc.sentences, totals, strict=True):
        if sign * total > best:
            best, best_span = sign * total, (s.start, s.end)
    return best_span


# --- detectors for rules/learned.toml ---------------------------------------------------------


def _level(p: float) -> str:
    return f"{100 * p:.0f}"


@detector("learned_clickbait")
def learned_clickbait(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """CB900: the graded model expects readers to judge this headline as clickbait."""
    cb = clickbait_prediction(doc, ctx.kind)
    if cb is not None and cb["graded"] >= float(rule.params.get("threshold", 0.5)):
        yield Hit(*cb["span"], {"score": _level(cb["graded"])})


@detector("learned_clickbait_style")
def learned_clickbait_style(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """CB901: the style model places this headline with viral-publisher headlines."""
    cb = clickbait_prediction(doc, ctx.kind)
    threshold = float(rule.params.get("threshold", 0.9))
    if cb is not None and cb["style"] is not None and cb["style"] >= threshold:
        yield Hit(*cb["span"], {"score": _level(cb["style"])})


def _body_hit(doc: Doc, rule: Rule, ctx: Context, rating: str) -> Iterator[Hit]:
    if doc.field == "subject" or ctx.kind == "headline":
        return
    s = body_predictions(doc, ctx.subject).get(rating)
    if s is None:
        return
    above = rule.params.get("above")
    below = rule.params.get("below")
    if (above is not None and s >= float(above)) or (below is not None and s <= float(below)):
        span: Sequence[int | None] = (None, None)
        if rule.params.get("anchor", "sentence") == "sentence":
            span = top_sentence(doc, rating, 1.0 if above is not None else -1.0) or (None, None)
        yield Hit(span[0], span[1], {"score": f"{s:.0f}"})


@detector("learned_self_orientation")
def learned_self_orientation(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """SO900: the self-orientation model's score, pointed at the sentence that drives it."""
    yield from _body_hit(doc, rule, ctx, "self_orientation")


@detector("learned_value_add")
def learned_value_add(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """VA900/VA901: the value-add model's score (high: a deposit; low: nothing usable)."""
    yield from _body_hit(doc, rule, ctx, "value_add")


@detector("learned_lemming")
def learned_lemming(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """LM900: the me-too model's score, pointed at the most template-like sentence."""
    yield from _body_hit(doc, rule, ctx, "lemming")
