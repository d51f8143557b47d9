"""Many rows INSERTed at once through the database driver, for the worker's result batches.

A Core ``insert(table)`` executed with a list of rows builds and processes each row's parameters
one by one (tens of microseconds a row); the worker stores three rows for every user it provisions
(a Directory Insights event, the SCIM exchange's trace, the id mapping). A :class:`RowWriter`
compiles its statement once and looks each column's bind processor up once (the very processors
SQLAlchemy applies: JSON serialised, aware datetimes stored as UTC), so a row is a tuple and the
driver's ``executemany`` takes the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session


class RowWriter:
    """INSERTs into ``table``'s ``columns``: each row a tuple of their values, in that order."""

    def __init__(self, table: Table, columns: Sequence[str], dialect: Dialect) -> None:
        self.columns = tuple(columns)
        statement = insert(table).values({name: bindparam(name) for name in self.columns})
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        # Positional drivers (SQLite's "?") take tuples in the statement's order; named ones, dicts.
        self._positional = bool(compiled.positional)
        self._order: tuple[int, ...] | None = None
        if self._positional:
            order = tuple(self.columns.index(name) for name in compiled.positiontup or ())
            if order != tuple(range(len(self.columns))):
                self._order = order
        processors: list[Callable[[Any], Any] | None] = [
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in self.columns
        ]
        self._processors = processors
        self._plain = all(processor is None for processor in processors)

    def insert(self, session: Session, rows: Iterable[Sequence[Any]]) -> int:
        """Store ``rows`` in ``session``'s transaction with one executemany; returns how many.

        A value that is the very object the row before had in that column is processed once: a batch
        shares its timestamp, and an initial sync queues thousands of rows with the same empty payload.
        """
        processors = self._processors
        prepared: list[Any] = []
        previous: list[Any] = [_NOTHING] * len(self.columns)
        processed: list[Any] = [None] * len(self.columns)
        for row in rows:
            if self._plain:
                values = tuple(row)
            else:
                cells: list[Any] = []
                for index, value in enumerate(row):
                    processor = processors[index]
                    if processor is None:
                        cells.append(value)
                    elif value is previous[index]:
                        cells.append(processed[index])
                    else:
                        previous[index] = value
                        processed[index] = processor(value)
                        cells.append(processed[index])
                if len(cells) != len(self.columns):
                    raise ValueError(f"a row of {len(cells)} values for {len(self.columns)} columns")
                values = tuple(cells)
            if not self._positional:
                prepared.append(dict(zip(self.columns, values, strict=True)))
            elif self._order is not None:
                prepared.append(tuple(values[i] for i in self._order))
            else:
                prepared.append(values)
        if prepared:
            session.connection().exec_driver_sql(self.sql, prepared)
        return len(prepared)


# No value is this object: the first row's values are always processed.
_NOTHING = object()
