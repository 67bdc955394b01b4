"""Searching a training corpus for a suite's examples: exact n-grams and MinHash near duplicates.

Exact search: every example's word n-grams (after :func:`~assay.analysis.normalised_words`) are
hashed into a sorted table; the corpus is streamed in batches of documents, each word mapped to
its id in the suite's vocabulary (unknown words break every window they are in, as do document
boundaries), each remaining window hashed and looked up, and every hit verified word by word, so
a reported overlap is a real one. Memory grows with the suite, not the corpus.

Near duplicates: each example's set of word shingles gets a MinHash signature; corpus documents
get theirs batch by batch, the LSH bands retrieve candidate (document, example) pairs, and each
candidate's true Jaccard similarity of shingle sets decides. Retrieval is probabilistic (the
S-curve in :func:`assay._util.minhash.retrieval_probability`); the probability at the threshold is
reported with the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice, pairwise

import numpy as np

from assay._util.minhash import band_keys, minhash_signatures, shingle_hashes, word_hashes
from assay.analysis._contamination_result import (
    ContaminationParameters,
    ExampleContamination,
    Status,
)
from assay.analysis._ngrams import Vocabulary, batch_words, ngram_hashes, normalised_words

__all__ = ["search_corpus"]

BATCH = 2048


_FILTER_BITS = 1 << 24


class _Exact:
    def __init__(self, flat: list[str], n: int) -> None:
        self.vocab, self.n = Vocabulary(), n
        self.vocab.add(flat)
        self.ids = self.vocab.lookup(flat)  # -1 only at the boundaries between examples
        boundary = self.ids < 0
        owner_of = np.cumsum(boundary)  # example k's words lie after its k-th boundary
        self.words = np.bincount(owner_of[~boundary], minlength=int(boundary.sum()) + 1)
        h, starts = ngram_hashes(self.ids, n)
        order = np.argsort(h, kind="stable")
        self.hashes, self.starts = h[order], starts[order]
        self.owners = owner_of[self.starts]
        self.hits = np.zeros(len(self.words), np.int64)
        # a bit per hash bucket: most corpus windows are ruled out without a binary search
        self.filter = np.zeros(_FILTER_BITS, dtype=bool)
        self.filter[self.hashes & np.uint64(_FILTER_BITS - 1)] = True

    def search(self, docs: list[str]) -> None:
        if not len(self.hashes):
            return
        ids = self.vocab.lookup(batch_words(docs))  # boundaries are unknown: no window crosses
        h, starts = ngram_hashes(ids, self.n)
        maybe = self.filter[h & np.uint64(_FILTER_BITS - 1)]
        h, starts = h[maybe], starts[maybe]
        if not len(h):
            return
        lo = np.searchsorted(self.hashes, h, side="left")
        hi = np.searchsorted(self.hashes, h, side="right")
        found = np.flatnonzero(hi > lo)
        if not len(found):
            return
        counts = (hi - lo)[found]
        corpus_at = np.repeat(starts[found], counts)
        table_at = np.repeat(lo[found], counts) + (
            np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        )
        window = np.arange(self.n)
        same = (
            ids[corpus_at[:, None] + window] == self.ids[self.starts[table_at][:, None] + window]
        ).all(axis=1)  # the hash agreed; the words must too
        np.add.at(self.hits, self.owners[table_at[same]], 1)


class _Near:
    def __init__(self, words: list[list[str]], p: ContaminationParameters) -> None:
        self.p = p
        self.sets = [shingle_hashes(word_hashes(w), p.shingle) for w in words]
        self.usable = np.array([k for k, s in enumerate(self.sets) if len(s)], np.int64)
        self.best = np.full(len(words), -1.0)
        if not len(self.usable):
            return
        lengths = np.array([len(self.sets[k]) for k in self.usable])
        values = np.concatenate([self.sets[k] for k in self.usable])
        sig = minhash_signatures(values, lengths, num_perm=p.num_perm, seed=p.seed)
        keys = band_keys(sig, p.bands, p.rows)
        self.order = np.argsort(keys, axis=0, kind="stable")
        self.keys = np.take_along_axis(keys, self.order, axis=0)

    def search(self, docs: list[str]) -> None:
        if not len(self.usable):
            return
        sets = [shingle_hashes(word_hashes(normalised_words(d)), self.p.shingle) for d in docs]
        present = [k for k, s in enumerate(sets) if len(s)]
        if not present:
            return
        lengths = np.array([len(sets[k]) for k in present])
        values = np.concatenate([sets[k] for k in present])
        sig = minhash_signatures(values, lengths, num_perm=self.p.num_perm, seed=self.p.seed)
        keys = band_keys(sig, self.p.bands, self.p.rows)
        pairs: set[tuple[int, int]] = set()
        for band in range(self.p.bands):
            column = self.keys[:, band]
            lo = np.searchsorted(column, keys[:, band], side="left")
            hi = np.searchsorted(column, keys[:, band], side="right")
            for d in np.flatnonzero(hi > lo).tolist():
                for j in self.order[lo[d] : hi[d], band].tolist():
                    pairs.add((present[d], int(self.usable[j])))
        for d, k in pairs:
            a, b = sets[d], self.sets[k]
            shared = len(np.intersect1d(a, b, assume_unique=True))
            jaccard = shared / (len(a) + len(b) - shared)
            self.best[k] = max(self.best[k], jaccard)


def _batches(docs: Iterable[str], size: int) -> Iterator[list[str]]:
    it = iter(docs)
    while batch := list(islice(it, size)):
        yield batch


def search_corpus(
    example_ids: Sequence[str],
    texts: Sequence[str | None],
    documents: Iterable[str],
    parameters: ContaminationParameters,
) -> tuple[ExampleContamination, ...]:
    """Each example's status against the corpus ``documents`` (streamed once)."""
    flat = batch_words([t if t is not None else "" for t in texts])
    exact = _Exact(flat, parameters.n)
    near = None
    if parameters.near_threshold is not None:
        cuts = np.flatnonzero(exact.ids < 0)
        edges = np.concatenate([[-1], cuts, [len(flat)]])
        words = [flat[a + 1 : b] for a, b in pairwise(edges.tolist())]
        near = _Near(words, parameters)
    for batch in _batches(documents, BATCH):
        exact.search(batch)
        if near is not None:
            near.search(batch)
    out = []
    for k, example_id in enumerate(example_ids):
        count = int(exact.words[k])
        best = float(near.best[k]) if near is not None and near.best[k] >= 0 else None
        is_near = best is not None and best >= (parameters.near_threshold or 2.0)
        status: Status
        if exact.hits[k] > 0 or is_near:
            status = "contaminated"
        elif count < parameters.n:
            status = "undetectable"
        else:
            status = "clean"
        out.append(ExampleContamination(example_id, status, count, int(exact.hits[k]), best))
    return tuple(out)
