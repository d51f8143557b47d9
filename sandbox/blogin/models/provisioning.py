"""BlogIn's User Provisioning tab (SCIM) and the test faults a tester can switch on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.blogin.models.base import Base, utc_now

# Endpoints a fault can be set on: the two resource endpoints and everything else (discovery).
FAULT_ENDPOINTS = ("Users", "Groups", "Discovery")
# Statuses a fault can force; 429 carries Retry-After.
FAULT_STATUSES = (401, 403, 409, 429, 500, 503)


class ProvisioningSettings(Base):
    """USER PROVISIONING STATUS and the Secret (Bearer) token (one row)."""

    __tablename__ = "provisioning_settings"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    enabled: Mapped[bool] = mapped_column(default=False)
    # Shown to the administrator on the tab, as BlogIn does, so it is kept as issued.
    token: Mapped[str | None] = mapped_column(String(128), default=None)
    token_issued: Mapped[datetime | None] = mapped_column(default=None)
    updated: Mapped[datetime] = mapped_column(default=utc_now)


class ScimFault(Base):
    """A fault injected into the SCIM API for one endpoint; all off by default."""

    __tablename__ = "scim_faults"

    endpoint: Mapped[str] = mapped_column(String(16), primary_key=True)
    latency_ms: Mapped[int] = mapped_column(default=0)
    status: Mapped[int | None] = mapped_column(default=None)
    # 0: every request gets the status; N: only the Nth request after the fault was saved.
    only_nth: Mapped[int] = mapped_column(default=0)
    retry_after_s: Mapped[int] = mapped_column(default=5)
    requests_seen: Mapped[int] = mapped_column(default=0)

    @property
    def is_on(self) -> bool:
        return self.latency_ms > 0 or self.status is not None
