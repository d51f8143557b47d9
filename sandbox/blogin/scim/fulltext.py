"""``userName co``, ``sw`` and ``ew`` through the trigram index of ``sandbox.blogin.models.user_name_search``.

The index answers with candidates: every user whose lower-cased userName holds all the trigrams of the
value, a superset of those that contain it. The caller keeps the exact condition (``LIKE`` on
``user_name_key``, as without the index), so the answer is the same set either way. Where the index
cannot narrow the search — no index, a value under three characters, or so many candidates that walking
the userName index costs less — there are no candidates and the caller walks the userName index.
"""

from __future__ import annotations

import logging
import sqlite3

from sqlalchemy import bindparam, text

from sandbox.blogin.models.user_name_search import USER_NAME_SEARCH
from sandbox.blogin.scim.reads import Reader, Statement

log = logging.getLogger("sandbox.blogin.scim")

# Above this many candidates the userName index walk is cheaper than reading each candidate by rowid and
# sorting them (measured with 10,000 users: 1,000 candidates cost about what the walk does).
CANDIDATE_LIMIT = 1000

# Every trigram of a value narrows best (SQLite skips through the rarer ones' lists), up to this many.
_MOST_TRIGRAMS = 12
# Whether the connection's database has the index, checked once per pooled connection.
_HAS_INDEX = "sandbox.blogin.user_name_search"

_CANDIDATES = Statement(
    text(f"SELECT rowid FROM {USER_NAME_SEARCH} WHERE {USER_NAME_SEARCH} MATCH :terms LIMIT :limit").bindparams(
        bindparam("terms"), bindparam("limit")
    )
)


def match_terms(value: str) -> str | None:
    """The FTS5 query matching every userName that contains ``value`` (lower-cased): the AND of its
    trigrams, each quoted. None when the index cannot help (fewer than three characters, a NUL)."""
    if len(value) < 3 or "\x00" in value:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    trigrams = list(dict.fromkeys(value[start : start + 3] for start in range(len(value) - 2)))
    if len(trigrams) > _MOST_TRIGRAMS:
        # A long value: trigrams spread over it, the last included, narrow as well as all of them.
        step = len(trigrams) / _MOST_TRIGRAMS
        trigrams = [trigrams[int(n * step)] for n in range(_MOST_TRIGRAMS - 1)] + [trigrams[-1]]
    return " AND ".join('"' + trigram.replace('"', '""') + '"' for trigram in trigrams)


def has_user_name_search(reader: Reader) -> bool:
    """Whether the reader's database holds the index (asked once per pooled connection)."""
    found = reader.info.get(_HAS_INDEX)
    if found is None:
        row = reader.driver.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (USER_NAME_SEARCH,)
        ).fetchone()
        found = reader.info[_HAS_INDEX] = row is not None
    return bool(found)


def user_name_candidates(reader: Reader | None, value: str) -> list[int] | None:
    """The rowids of the users whose userName may contain ``value`` (lower-cased), in rowid order; None
    when the index cannot narrow the search and the userName index must be walked instead."""
    if reader is None or not has_user_name_search(reader):
        return None
    terms = match_terms(value)
    if terms is None:
        return None
    try:
        rows = reader.rows(_CANDIDATES, {"terms": terms, "limit": CANDIDATE_LIMIT + 1})
    except sqlite3.OperationalError as error:
        # The index was dropped under this connection (a database replaced on disk): walk the userName
        # index from now on.
        log.warning("userName search index unusable (%s); searching without it", error)
        reader.info[_HAS_INDEX] = False
        return None
    if len(rows) > CANDIDATE_LIMIT:
        return None
    return [row[0] for row in rows]
