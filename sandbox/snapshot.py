"""Export and import one system's whole database, table by table, as plain JSON-ready data.

Works over the system's SQLAlchemy metadata only, so it knows nothing of either system's tables and
runs on any SQLAlchemy URL. Everything is included: keys, tokens, traces and events. An import
replaces every row in one transaction, so a request served meanwhile sees the old state or the new
one, never half of each.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Connection, Table, delete, func, insert, select, text
from sqlalchemy.types import TypeDecorator

from sandbox.db import Database

log = logging.getLogger("sandbox.snapshot")

SNAPSHOT_VERSION = 1

StringRewrite = Callable[[str], str]


class SnapshotError(Exception):
    """A snapshot cannot be read or does not belong to this system; ``str()`` is for the user."""


def export_database(database: Database) -> dict[str, Any]:
    """Every row of every table ``database`` owns, as JSON-ready values."""
    tables: dict[str, Any] = {}
    with database.engine.connect() as connection:
        for table in database.metadata.sorted_tables:
            columns = list(table.columns)
            order = [column for column in table.primary_key.columns] or columns[:1]
            rows = connection.execute(select(*columns).order_by(*order)).all()
            tables[table.name] = {
                "columns": [column.name for column in columns],
                "rows": [[_encode(column, value) for column, value in zip(columns, row, strict=True)] for row in rows],
            }
    return {"version": SNAPSHOT_VERSION, "label": database.label, "tables": tables}


def import_database(database: Database, snapshot: dict[str, Any], *, rewrite: StringRewrite | None = None) -> int:
    """Replace every row of ``database`` with the snapshot's; returns the number of rows written.

    ``rewrite`` is applied to every string (inside JSON values too): it moves URLs saved under other
    ports to the ports in use now. Tables or columns the snapshot lacks get their defaults; ones it has
    that this version does not know are skipped with a log line.
    """
    tables = _tables_of(snapshot, database.label)
    known = {table.name: table for table in database.metadata.sorted_tables}
    for name in tables:
        if name not in known:
            log.warning("%s snapshot: table %s is not known here, skipped", database.label, name)
    written = 0
    database.metadata.create_all(database.engine)
    with database.engine.begin() as connection:
        for table in reversed(database.metadata.sorted_tables):
            connection.execute(delete(table))
        for table in database.metadata.sorted_tables:
            saved = tables.get(table.name)
            if saved is None:
                continue
            rows = _decoded_rows(table, saved, rewrite)
            if rows:
                connection.execute(insert(table), rows)
                written += len(rows)
        _advance_sequences(connection, database.metadata.sorted_tables)
    log.info("%s database replaced from a snapshot (%d rows)", database.label, written)
    return written


def _tables_of(snapshot: dict[str, Any], label: str) -> dict[str, Any]:
    if not isinstance(snapshot, dict) or not isinstance(snapshot.get("tables"), dict):
        raise SnapshotError(f"The {label} part of this file is not a database snapshot.")
    version = snapshot.get("version")
    if not isinstance(version, int) or version > SNAPSHOT_VERSION:
        raise SnapshotError(
            f"The {label} part of this file was written by a newer SSO Sandbox (snapshot version {version})."
        )
    saved_label = snapshot.get("label")
    if saved_label is not None and saved_label != label:
        raise SnapshotError(f"This snapshot holds {saved_label}'s database, not {label}'s.")
    return dict(snapshot["tables"])


def _decoded_rows(table: Table, saved: Any, rewrite: StringRewrite | None) -> list[dict[str, Any]]:
    if (
        not isinstance(saved, dict)
        or not isinstance(saved.get("columns"), list)
        or not isinstance(saved.get("rows"), list)
    ):
        raise SnapshotError(f"The saved table {table.name} is damaged.")
    names: list[str] = [str(name) for name in saved["columns"]]
    present = [name for name in names if name in table.columns]
    for name in set(names) - set(present):
        log.warning("snapshot: column %s.%s is not known here, skipped", table.name, name)
    rows = []
    for raw in saved["rows"]:
        if not isinstance(raw, list) or len(raw) != len(names):
            raise SnapshotError(f"A row of the saved table {table.name} is damaged.")
        values = dict(zip(names, raw, strict=True))
        try:
            rows.append({name: _decode(table.columns[name], values[name], rewrite) for name in present})
        except (ValueError, TypeError) as error:
            raise SnapshotError(f"A value in the saved table {table.name} cannot be read ({error}).") from error
    return rows


def _python_type(column: Column[Any]) -> type | None:
    # A TypeDecorator (UtcDateTime) reports ``object``; what it stores is what counts here.
    column_type = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    try:
        return column_type.python_type
    except NotImplementedError:
        return None


def _encode(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = _python_type(column)
    if kind is datetime or kind is date:
        return value.isoformat()
    if kind is bytes:
        return base64.b64encode(value).decode("ascii")
    return value


def _decode(column: Column[Any], value: Any, rewrite: StringRewrite | None) -> Any:
    if value is None:
        return None
    kind = _python_type(column)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is bytes:
        return base64.b64decode(value)
    return _rewritten(value, rewrite) if rewrite is not None else value


def _rewritten(value: Any, rewrite: StringRewrite) -> Any:
    if isinstance(value, str):
        return rewrite(value)
    if isinstance(value, list):
        return [_rewritten(item, rewrite) for item in value]
    if isinstance(value, dict):
        return {key: _rewritten(item, rewrite) for key, item in value.items()}
    return value


def _advance_sequences(connection: Connection, tables: list[Table]) -> None:
    """PostgreSQL keeps serial counters apart from the rows: move them past the imported ids."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and _python_type(column) is int):
                highest = connection.execute(select(func.max(column))).scalar()
                if highest is not None:
                    connection.execute(
                        text("SELECT setval(pg_get_serial_sequence(:table, :column), :value)"),
                        {"table": table.name, "column": column.name, "value": highest},
                    )
