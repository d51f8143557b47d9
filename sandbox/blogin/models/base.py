from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import String, Table
from sqlalchemy.orm import DeclarativeBase

from sandbox.db import UtcDateTime
from sandbox.events import utc_now

__all__ = ["Base", "column_length", "new_resource_id", "utc_now"]


def new_resource_id() -> str:
    """BlogIn resource ids are UUIDs in hex."""
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime}


def column_length(model: type[Base], column: str) -> int:
    """How many characters the string column ``column`` of ``model``'s table holds (PostgreSQL enforces it)."""
    length = cast(String, cast(Table, model.__table__).c[column].type).length
    if length is None:
        raise ValueError(f"{model.__name__}.{column} has no length")
    return length
