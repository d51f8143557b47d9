from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import DeclarativeBase

from sandbox.db import UtcDateTime
from sandbox.events import utc_now

__all__ = ["Base", "new_object_id", "utc_now"]


def new_object_id() -> str:
    """JumpCloud object ids are 24 hex digits."""
    return secrets.token_hex(12)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime}
