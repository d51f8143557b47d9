"""A trigram index over userNames, so SCIM's ``userName co "…"`` (and ``sw``, ``ew``) finds its users
without walking every entry of the userName index.

On SQLite with FTS5 and its ``trigram`` tokenizer (3.34 and later) the ``users_user_name_fts`` table
indexes ``users.user_name_key`` as external content: it stores only the index, keyed by the users' rowids,
and triggers keep it in step with every insert, delete and change of userName — whoever writes (SCIM,
SSO/JIT, the console, a snapshot import). The table is created with the schema, added to a database made
by an earlier version when it is opened, and dropped with ``users``. Elsewhere (other databases, an SQLite
without the tokenizer) there is no index and ``co`` walks the userName index as before.

The index is keyed by SQLite's implicit rowid of ``users``: a ``VACUUM`` may renumber those, so the
sandbox never runs one (``rebuild_user_name_search`` puts the index right again).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection, Table, event
from sqlalchemy.exc import OperationalError

log = logging.getLogger("sandbox.blogin.models")

USER_NAME_SEARCH = "users_user_name_fts"

# Only which users hold each trigram (detail=none): the search asks for trigrams, never phrases or
# positions, and a create writes about a third less than with positions and column sizes kept.
INDEX_OPTIONS = "tokenize='trigram', detail=none, columnsize=0"
_CREATE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {USER_NAME_SEARCH} USING fts5("
    f"user_name_key, content='users', content_rowid='rowid', {INDEX_OPTIONS})"
)
# The index holds lower-cased userNames; a change of anything else leaves it alone (a PUT or PATCH writes
# every mapped column, the userName too, usually unchanged).
_TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS {USER_NAME_SEARCH}_insert AFTER INSERT ON users BEGIN
        INSERT INTO {USER_NAME_SEARCH} (rowid, user_name_key) VALUES (new.rowid, new.user_name_key);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {USER_NAME_SEARCH}_delete AFTER DELETE ON users BEGIN
        INSERT INTO {USER_NAME_SEARCH} ({USER_NAME_SEARCH}, rowid, user_name_key)
            VALUES ('delete', old.rowid, old.user_name_key);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {USER_NAME_SEARCH}_update AFTER UPDATE OF user_name_key ON users
    WHEN old.user_name_key IS NOT new.user_name_key BEGIN
        INSERT INTO {USER_NAME_SEARCH} ({USER_NAME_SEARCH}, rowid, user_name_key)
            VALUES ('delete', old.rowid, old.user_name_key);
        INSERT INTO {USER_NAME_SEARCH} (rowid, user_name_key) VALUES (new.rowid, new.user_name_key);
    END""",
)


def trigram_available(connection: Connection) -> bool:
    """Whether this database can hold the index: SQLite with FTS5 and the trigram tokenizer."""
    if connection.dialect.name != "sqlite":
        return False
    try:
        # A temporary probe: the error for a missing module or tokenizer comes at creation.
        connection.exec_driver_sql("CREATE VIRTUAL TABLE temp.trigram_probe USING fts5(x, tokenize='trigram')")
    except OperationalError:  # no FTS5, or no trigram tokenizer
        return False
    connection.exec_driver_sql("DROP TABLE temp.trigram_probe")
    return True


def _created_as(connection: Connection) -> str | None:
    """The index's CREATE statement as the database keeps it; None without the index."""
    if connection.dialect.name != "sqlite":
        return None
    found = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (USER_NAME_SEARCH,)
    ).first()
    return None if found is None else str(found[0])


def has_user_name_search(connection: Connection) -> bool:
    """Whether the index exists in this database."""
    return _created_as(connection) is not None


def add_user_name_search(connection: Connection) -> bool:
    """Create the index and its triggers when the database can hold them and lacks them, filling it from
    the users already there; True when the index is there afterwards."""
    created_as = _created_as(connection)
    if created_as is not None and "detail=none" not in created_as:
        # Made by a build that kept positions: the same index, written anew with this one's options.
        connection.exec_driver_sql(f"DROP TABLE {USER_NAME_SEARCH}")
        created_as = None
    existed = created_as is not None
    if not existed and not trigram_available(connection):
        return False
    connection.exec_driver_sql(_CREATE_TABLE)
    for trigger in _TRIGGERS:
        connection.exec_driver_sql(trigger)
    if not existed:
        rebuild_user_name_search(connection)
        log.info("userName search index built")
    return True


def rebuild_user_name_search(connection: Connection) -> None:
    """Fill the index afresh from the ``users`` table."""
    connection.exec_driver_sql(f"INSERT INTO {USER_NAME_SEARCH} ({USER_NAME_SEARCH}) VALUES ('rebuild')")


def _after_users_created(_table: Table, connection: Connection, **_kw: Any) -> None:
    add_user_name_search(connection)


def _before_users_dropped(_table: Table, connection: Connection, **_kw: Any) -> None:
    # The triggers go with ``users``; the index would be left pointing at rows that are gone.
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {USER_NAME_SEARCH}")


def attach_user_name_search(users: Table) -> None:
    """Create the index with ``users`` (``create_all``, a reset) and drop it before ``users`` is dropped."""
    event.listen(users, "after_create", _after_users_created)
    event.listen(users, "before_drop", _before_users_dropped)
