"""The worker's lean result INSERTs store and publish exactly what SQLAlchemy's Core INSERTs do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from sandbox.events import SandboxEvent
from sandbox.jumpcloud.models import ProvisionedResource, SsoApplication, Trace
from sandbox.jumpcloud.services.insights import NewEvent, record_events
from sandbox.jumpcloud.services.provisioning.jobs import Attempt
from sandbox.jumpcloud.services.provisioning.results import ResultWriters, _Journal
from sandbox.jumpcloud.system import JumpCloud
from sandbox.traces import NewTrace


def _raw(system: JumpCloud, table: str, key: str, value: str) -> dict[str, Any]:
    """One row as SQLite holds it (text, numbers), without its sequence number."""
    with system.database.sessions() as s:
        row = s.execute(text(f"SELECT * FROM {table} WHERE {key} = :value"), {"value": value}).mappings().one()
        return {name: v for name, v in row.items() if name != "seq"}


def test_events_traces_and_mappings_are_stored_as_core_inserts_store_them(jumpcloud: JumpCloud) -> None:
    writers = ResultWriters(jumpcloud.database.engine.dialect, jumpcloud.traces)
    moment = datetime(2026, 3, 4, 5, 6, 7, 891234, tzinfo=UTC)
    exchange = {"method": "POST", "path": "/Users", "status": 201, "request_body": '{"userName": "ada é"}'}
    attempt = Attempt("user_create_provision", {"id": "u1", "type": "user", "username": "ada"})
    attempt.exchanges = [exchange]
    journal = _Journal()
    journal.add({"id": "app", "name": "blogin", "display_label": "BlogIn"}, attempt)
    event_id = journal.events[0].record["id"]
    published: list[SandboxEvent] = []
    jumpcloud.bus.subscribe(published.append)
    mapping = {"userName": "ada é", "active": True}
    with jumpcloud.database.transaction() as s:
        app = SsoApplication(catalog_key="blogin", name="rows", display_label="BlogIn", sso_idp_url="https://sso/x")
        s.add(app)
        s.flush()
        app_id = app.id
        journal.write(s, jumpcloud.traces, writers)
        writers.mappings.insert(s, [(app_id, "user", "u-lean", "s1", mapping, moment)])
        # The reference rows, through SQLAlchemy's own INSERTs (the same event under another id).
        record_events(s, [NewEvent({**journal.events[0].record, "id": "core-event"}, journal.events[0].moment)])
        jumpcloud.traces.record_many(s, "scim", [NewTrace(journal.traces[0].summary, exchange, True, "core-event")])
        row = {"application_id": app_id, "resource_type": "user", "jumpcloud_id": "u-core", "scim_id": "s1"}
        s.execute(insert(ProvisionedResource), [{**row, "attributes": mapping, "updated": moment}])

    core = _raw(jumpcloud, "directory_insights_events", "id", "core-event")
    lean = _raw(jumpcloud, "directory_insights_events", "id", event_id)
    assert {**lean, "id": "core-event", "record": lean["record"].replace(event_id, "core-event")} == core

    core = _raw(jumpcloud, "traces", "related_id", "core-event")
    lean = _raw(jumpcloud, "traces", "related_id", event_id)
    unlike = ("id", "related_id", "timestamp")
    assert {k: v for k, v in lean.items() if k not in unlike} == {k: v for k, v in core.items() if k not in unlike}
    assert len(lean["timestamp"]) == len(core["timestamp"])  # the same text form of a UTC time
    with jumpcloud.database.sessions() as s:
        trace = s.scalars(select(Trace).where(Trace.related_id == event_id)).one()
        assert trace.data == exchange and trace.timestamp.tzinfo is not None

    core = _raw(jumpcloud, "provisioned_resources", "jumpcloud_id", "u-core")
    lean = _raw(jumpcloud, "provisioned_resources", "jumpcloud_id", "u-lean")
    assert {**lean, "jumpcloud_id": "u-core"} == core
    with jumpcloud.database.sessions() as s:
        stored = s.get(ProvisionedResource, (app_id, "user", "u-lean"))
        assert stored is not None and stored.updated == moment and stored.attributes == mapping

    # Published on commit as record_events and record_many publish theirs.
    def shown(events: list[SandboxEvent]) -> list[tuple[Any, ...]]:
        return [(e.system, e.event_type, e.kind, e.summary, e.success, e.data) for e in events]

    lean_published = [e for e in published if event_id in (e.id, e.related_id)]
    core_published = [e for e in published if "core-event" in (e.id, e.related_id)]
    assert len(lean_published) == 2
    assert shown(lean_published)[1] == shown(core_published)[1]
    assert shown(lean_published)[0][:5] == shown(core_published)[0][:5]


def test_a_writer_refuses_a_row_of_the_wrong_width(jumpcloud: JumpCloud) -> None:
    writers = ResultWriters(jumpcloud.database.engine.dialect, jumpcloud.traces)
    with pytest.raises(ValueError), jumpcloud.database.transaction() as s:
        writers.mappings.insert(s, [("app", "user", "u1")])
