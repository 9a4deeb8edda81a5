"""Cranfield's judgments (``cranqrel``: ``query doc code``), codes turned into ascending grades.

Why a reader of its own: the file is neither TREC nor BEIR qrels (three fields, and relevance
codes that run the wrong way), and only Cranfield ships it.
"""

from __future__ import annotations

from pathlib import Path

from rerank_bench.data.io import add_judgment, read_lines
from rerank_bench.data.records import Qrels
from rerank_bench.errors import DataFormatError

__all__ = ["read_cranfield_qrels"]

_CRANFIELD_GRADES = {1: 4, 2: 3, 3: 2, 4: 1, 5: 0, -1: 0}


def read_cranfield_qrels(path: str | Path) -> Qrels:
    """Read Cranfield's ``cranqrel`` (``query doc code``), turning codes into ascending grades.

    Cleverdon's codes run the wrong way for IR metrics (1 = complete answer ... 4 = minimum
    interest, 5 = no interest; some copies write -1 for 5). They become grades where higher
    is more relevant, the scale ir_datasets documents for Cranfield:

    ====  ===================================  =====
    code  meaning (Cleverdon)                  grade
    ====  ===================================  =====
    1     complete answer to the question      4
    2     high degree of relevance             3
    3     useful (background, methods)         2
    4     minimum interest (historical)        1
    5/-1  no interest                          0
    ====  ===================================  =====

    Query numbers are positions (1..225) in ``cran.qry``; read the queries with
    ``read_smart_queries(path, renumber=True)`` to match.

    Raises:
        DataFormatError: a line without 3 fields, an unknown code, a conflicting duplicate.
    """
    qrels: Qrels = {}
    for line_no, line in read_lines(path):
        parts = line.split()
        if len(parts) != 3:
            raise DataFormatError(
                path,
                line_no,
                f"expected 3 fields (query doc code), found {len(parts)}: {line[:80]!r}.",
                "use the original cranqrel layout.",
            )
        qid, doc_id, code_text = parts
        try:
            grade = _CRANFIELD_GRADES[int(code_text)]
        except (ValueError, KeyError):
            raise DataFormatError(
                path,
                line_no,
                f"relevance code {code_text!r} is not one of Cleverdon's codes 1-5 (or -1).",
                "use the original cranqrel codes; they are converted to grades on reading.",
            ) from None
        add_judgment(qrels, path, line_no, qid, doc_id, str(grade))
    return qrels
