"""Product full-text search behind one small interface.

PostgreSQL: `to_tsvector('simple', title || ' ' || search_text)` with a GIN index and prefix
queries (`word:*`). SQLite: an FTS5 table kept in step by triggers, prefix queries (`"word"*`)
ranked by bm25 with the title weighted ten times the rest. Both match every word of the query
(AND), each as a prefix, so "lin shi" finds "Linen Shirt".
"""

from __future__ import annotations

import re

from django.db import connection

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
MAX_RESULTS = 500
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def terms(query: str) -> list[str]:
    """The words of a query, lower-cased and bounded (a 5,000-character query is cut)."""
    words = _WORD.findall(query[:500].lower())
    return [w[:MAX_TERM_LENGTH] for w in words[:MAX_TERMS]]


def search_product_ids(query: str, *, limit: int = MAX_RESULTS) -> list[int]:
    """Ids of active products matching every word of `query` as a prefix, best first."""
    words = terms(query)
    if not words:
        return []
    limit = max(1, min(limit, MAX_RESULTS))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tsquery = " & ".join(f"{w}:*" for w in words)
            cursor.execute(
                """
                SELECT p.id FROM catalog_product p
                WHERE p.status = 'active'
                  AND to_tsvector('simple'::regconfig, p.title || ' ' || p.search_text)
                      @@ to_tsquery('simple'::regconfig, %s)
                ORDER BY ts_rank(
                    setweight(to_tsvector('simple'::regconfig, p.title), 'A')
                    || to_tsvector('simple'::regconfig, p.search_text),
                    to_tsquery('simple'::regconfig, %s)) DESC, p.id
                LIMIT %s
                """,
                [tsquery, tsquery, limit],
            )
        else:
            match = " ".join(f'"{w}"*' for w in words)
            cursor.execute(
                """
                SELECT p.id FROM catalog_product_fts f
                JOIN catalog_product p ON p.id = f.rowid
                WHERE catalog_product_fts MATCH %s AND p.status = 'active'
                ORDER BY bm25(catalog_product_fts, 10.0, 1.0), p.id
                LIMIT %s
                """,
                [match, limit],
            )
        return [row[0] for row in cursor.fetchall()]
