"""A provisioning run killed with SIGKILL mid-sync loses nothing and duplicates nothing after restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sandbox.events import EventBus
from sandbox.jumpcloud import JumpCloud
from sandbox.jumpcloud.models import ProvisioningOutbox, SsoApplication, SystemUser
from sandbox.jumpcloud.models.provisioning import DELIVERED, PENDING
from sandbox.jumpcloud.services import directory
from sandbox.jumpcloud.services.provisioning import connection
from tests.integration.jumpcloud_idm.conftest import ADMIN
from tests.integration.jumpcloud_idm.scim_servers import scim2_server

USERS = 150


def _prepare(data_dir: Path, base_url: str, token: str) -> str:
    """JumpCloud's database with an active integration and its first sync queued, nothing sent yet."""
    jumpcloud = JumpCloud(f"sqlite:///{data_dir / 'jumpcloud.sqlite'}", EventBus())
    jumpcloud.open()
    test = connection.test_connection(base_url, token)
    assert test.ok, test.message
    with jumpcloud.database.transaction() as s:
        app = SsoApplication(catalog_key="blogin", name="blogin", display_label="BlogIn", sso_idp_url="https://x/")
        s.add(app)
        group = directory.create_group(s, "everyone", initiated_by=ADMIN)
        for n in range(USERS):
            user = directory.create_user(
                s, {"username": f"user{n:04d}", "email": f"user{n:04d}@example.com"}, initiated_by=ADMIN
            )
            group.members.append(user)
        s.flush()
        directory.associate_application(s, group, app, "add", initiated_by=ADMIN)
        idm = connection.identity_management(s, app)
        connection.mark_tested(idm, base_url, token, True)
        connection.save(s, app, idm, group_management=True, initiator=ADMIN)
        app_id = app.id
    jumpcloud.close()
    return app_id


def _serve(data_dir: Path) -> subprocess.Popen[str]:
    log = (data_dir / "serve-stderr.txt").open("a")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "serve",
            "--data-dir",
            str(data_dir),
            "--jumpcloud-port",
            "0",
            "--blogin-port",
            "0",
            "--log-level",
            "WARNING",
        ],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    log.close()
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("{"):
        process.kill()
        errors = (data_dir / "serve-stderr.txt").read_text()[-3000:]
        pytest.fail(f"sso-sandbox serve did not start: {line!r}\n{errors}")
    assert json.loads(line)["event"] == "ready", line
    return process


def _outbox_counts(data_dir: Path) -> dict[str, int]:
    jumpcloud = JumpCloud(f"sqlite:///{data_dir / 'jumpcloud.sqlite'}", EventBus())
    try:
        with jumpcloud.database.sessions() as s:
            rows = s.execute(select(ProvisioningOutbox.status, func.count()).group_by(ProvisioningOutbox.status)).all()
            return {status: count for status, count in rows}
    finally:
        jumpcloud.close()


@pytest.mark.slow
def test_sigkill_mid_sync_then_restart_delivers_every_operation_once(tmp_path: Path) -> None:
    with scim2_server() as scim:
        _prepare(tmp_path, scim.base_url, scim.token)
        scim.faults.latency = 0.01  # long enough for the kill to land mid-sync
        first = _serve(tmp_path)
        try:
            deadline = time.monotonic() + 30
            while scim.faults.count("POST", "/Users") < 30 and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        created_before_restart = len(scim.users())
        assert 0 < created_before_restart < USERS, "the kill must land in the middle of the sync"
        assert _outbox_counts(tmp_path).get(PENDING, 0) > 0

        second = _serve(tmp_path)
        try:
            deadline = time.monotonic() + 60
            while _outbox_counts(tmp_path).get(PENDING, 0) and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)

        counts = _outbox_counts(tmp_path)
        assert counts.get(PENDING, 0) == 0 and counts.get("failed", 0) == 0 and counts[DELIVERED] > 0
        users = [u for u in scim.users() if u.user_name.startswith("user")]
        names = [u.user_name for u in users]
        assert len(names) == USERS and len(set(names)) == USERS  # nobody lost, nobody twice
        group = scim.group("everyone")
        assert group is not None and sorted(group.member_ids) == sorted(u.id for u in users)
        with scim.client() as client:
            assert len([g for g in [client.find_group("everyone")] if g]) == 1

    jumpcloud = JumpCloud(f"sqlite:///{tmp_path / 'jumpcloud.sqlite'}", EventBus())
    with jumpcloud.database.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SystemUser)) == USERS
    jumpcloud.close()
