"""Build a bm25s index from a stream of texts in memory bounded by the index, not the corpus.

``bm25s.BM25.index`` wants every document's token ids as Python lists at once (about 8 bytes a
token plus a list per document) and then builds the sparse matrix through a COO copy: on MS MARCO's
8.8M passages that is several times the index itself. Here the texts are tokenised in chunks; each
chunk becomes (document, term, tf) triples in int32/float32 arrays spilled to disk, and a second
pass scores them and places them straight into the final CSC arrays (a counting sort by term, so no
index-sized temporary). What stays in memory is the index (8 bytes per posting), the vocabulary and
one chunk.

The scores are bm25s' own: its term-frequency and IDF functions, applied to the same integers in
the same float64 arithmetic, so an index built here equals ``BM25.index`` on the same tokens bit
for bit (tested), is saved in bm25s' format and is searched by bm25s unchanged.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import bm25s
import numpy as np
from bm25s.scoring import _build_nonoccurrence_array, _select_idf_scorer, _select_tfc_scorer
from bm25s.tokenization import Tokenizer

__all__ = ["CHUNK_DOCS", "build_bm25_index"]

CHUNK_DOCS = 65_536
_NONOCCURRENCE = ("bm25l", "bm25+")


def build_bm25_index(
    texts: Iterable[str],
    tokenizer: Tokenizer,
    model: bm25s.BM25,
    folder: Path,
    chunk_docs: int = CHUNK_DOCS,
) -> int:
    """Index ``texts`` (in corpus order) into ``model`` and save model and vocabulary in ``folder``.

    ``tokenizer`` must be fresh: its vocabulary grows while the texts stream through it, and the
    index's columns are its ids. Returns the number of documents indexed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as spill:
        chunks, doc_lengths, df = _tokenize_to_triples(texts, tokenizer, Path(spill), chunk_docs)
        vocab = dict(tokenizer.get_vocab_dict())
        n_vocab, n_docs = len(vocab), len(doc_lengths)
        df = np.pad(df, (0, n_vocab - len(df)))
        avg_len = doc_lengths.mean() if n_docs else 0.0
        idf = _idf(model, df, n_docs)
        nonoccurrence = None
        if model.method in _NONOCCURRENCE:
            nonoccurrence = _build_nonoccurrence_array(
                doc_frequencies=dict(enumerate(df.tolist())),
                n_docs=n_docs,
                compute_idf_fn=_select_idf_scorer(model.idf_method),
                calculate_tfc_fn=_select_tfc_scorer(model.method),
                l_d=avg_len,
                l_avg=avg_len,
                k1=model.k1,
                b=model.b,
                delta=model.delta,
                dtype=model.dtype,
            )
        indptr = np.zeros(n_vocab + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        data = np.empty(int(indptr[-1]), dtype=model.dtype)
        indices = np.empty(int(indptr[-1]), dtype=model.int_dtype)
        cursor = indptr[:-1].copy()
        tfc = _select_tfc_scorer(model.method)
        for path in chunks:
            with np.load(path) as chunk:
                doc, term, tf = chunk["doc"], chunk["term"], chunk["tf"]
            scores = idf[term] * tfc(
                tf_array=tf, l_d=doc_lengths[doc], l_avg=avg_len, k1=model.k1, b=model.b,
                delta=model.delta,
            )
            if nonoccurrence is not None:
                scores -= nonoccurrence[term]
            _place(term, doc, scores, cursor, data, indices)
    model.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": n_docs}
    model.nonoccurrence_array = nonoccurrence
    vocab.setdefault("", max(vocab.values(), default=-1) + 1)
    model.vocab_dict = vocab
    model.unique_token_ids_set = set(vocab.values())
    model.save(folder, show_progress=False)
    tokenizer.save_vocab(folder)
    return n_docs


def _tokenize_to_triples(
    texts: Iterable[str], tokenizer: Tokenizer, spill: Path, chunk_docs: int
) -> tuple[list[Path], np.ndarray, np.ndarray]:
    """First pass: per chunk, the distinct (document, term) pairs with their counts, on disk.

    Returns the chunk files, every document's length in tokens (bm25s' ``l_d``, duplicates counted)
    and each term's document frequency.
    """
    stream: Iterator[list[int]] = tokenizer.streaming_tokenize(iter(texts), update_vocab=True)
    chunks: list[Path] = []
    lengths: list[np.ndarray] = []
    df = np.zeros(0, dtype=np.int64)
    first_doc = 0
    while batch := list(itertools.islice(stream, chunk_docs)):
        doc_len = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
        flat = np.fromiter(itertools.chain.from_iterable(batch), dtype=np.int64,
                           count=int(doc_len.sum()))
        local_doc = np.repeat(np.arange(len(batch), dtype=np.int64), doc_len)
        pairs, tf = np.unique((local_doc << 32) | flat, return_counts=True)
        term = (pairs & 0xFFFFFFFF).astype(np.int32)
        counts = np.bincount(term)
        df = np.pad(df, (0, max(0, len(counts) - len(df))))
        df[: len(counts)] += counts
        path = spill / f"{len(chunks):06d}.npz"
        np.savez(path, doc=((pairs >> 32) + first_doc).astype(np.int32), term=term,
                 tf=tf.astype(np.float32))
        chunks.append(path)
        lengths.append(doc_len)
        first_doc += len(batch)
    doc_lengths = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
    return chunks, doc_lengths, df


def _idf(model: bm25s.BM25, df: np.ndarray, n_docs: int) -> np.ndarray:
    """bm25s' IDF of each term (0 where a term occurs nowhere), through its own scalar function."""
    idf_of = _select_idf_scorer(model.idf_method)
    idf = np.zeros(len(df), dtype=model.dtype)
    for term in np.flatnonzero(df):
        idf[term] = idf_of(int(df[term]), N=n_docs)
    return idf


def _place(
    term: np.ndarray,
    doc: np.ndarray,
    scores: np.ndarray,
    cursor: np.ndarray,
    data: np.ndarray,
    indices: np.ndarray,
) -> None:
    """Write one chunk's postings at each term's next free slots, keeping documents in order.

    Chunks arrive in document order and the sort by term is stable, so every column of the CSC
    matrix ends up sorted by document, as scipy's conversion would leave it.
    """
    order = np.argsort(term, kind="stable")
    sorted_terms = term[order]
    starts = np.flatnonzero(np.r_[True, sorted_terms[1:] != sorted_terms[:-1]])
    counts = np.diff(np.r_[starts, len(sorted_terms)])
    rank = np.arange(len(sorted_terms)) - np.repeat(starts, counts)
    slots = cursor[sorted_terms] + rank
    data[slots] = scores[order]
    indices[slots] = doc[order]
    cursor[sorted_terms[starts]] += counts
