from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import DeclarativeBase

from sandbox.db import UtcDateTime
from sandbox.events import utc_now

__all__ = ["Base", "new_resource_id", "utc_now"]


def new_resource_id() -> str:
    """BlogIn resource ids are UUIDs in hex."""
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime}
