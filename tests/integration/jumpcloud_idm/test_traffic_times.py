"""Each SCIM exchange JumpCloud records says when its request went out, though its batch is stored later."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from sandbox.jumpcloud.models import DirectoryInsightsEvent, Trace
from tests.integration.jumpcloud_idm.conftest import Org
from tests.integration.jumpcloud_idm.scim_servers import ScimServer


def test_a_recorded_exchange_is_stamped_when_its_request_went_out(org: Org, scim: ScimServer) -> None:
    people = [org.user(name) for name in ("rae", "sol", "tia")]
    org.group("staff", people)

    def slow_server() -> None:
        scim.faults.latency = 0.25  # every answer comes a quarter of a second after its request

    org.activate(scim, before_save=slow_server)
    org.settle()
    names = {org.name(name) for name in ("rae", "sol", "tia")}
    with org.database.sessions() as s:
        traces = [
            t
            for t in s.scalars(select(Trace).where(Trace.kind == "scim").order_by(Trace.seq))
            if t.data.get("operation") == "user_create_provision"
            and any(name in (t.data["request_body"] or "") for name in names)
        ]
        events = {e.id: e.timestamp for e in s.scalars(select(DirectoryInsightsEvent))}
    assert len(traces) == 3
    for trace in traces:
        sent = datetime.fromisoformat(trace.data["sent_at"])
        # The exchange and the create's event are stored with their batch, after the answer: at least the
        # server's latency after the request went out.
        assert trace.related_id is not None
        assert events[trace.related_id] - sent >= timedelta(milliseconds=200)
        assert trace.timestamp - sent >= timedelta(milliseconds=200)
