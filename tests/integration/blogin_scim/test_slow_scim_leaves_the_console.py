"""A SCIM endpoint made slow on purpose (Test faults: latency) keeps BlogIn's console and health answering.

JumpCloud delivers eight SCIM requests at once; while each waits out the fault on BlogIn's side, the admin
console, the sign-in page and the desktop's health check must still be answered, not queue behind them.
"""

from __future__ import annotations

import threading
import time

import httpx

from sandbox.app import Sandbox
from sandbox.http import http_client
from tests.integration.blogin_scim.conftest import Scim

IN_FLIGHT = 8  # JumpCloud's delivery threads (ProvisioningWorker.delivery_threads)
LATENCY_MS = 4_000


def test_eight_slow_scim_requests_leave_the_login_page_and_health_answering(running: Sandbox, scim: Scim) -> None:
    running.blogin.set_scim_fault("Users", latency_ms=LATENCY_MS)
    answered: list[int] = []
    try:

        def slow_lookup() -> None:
            with http_client(timeout=30) as client:
                answered.append(
                    client.get(f"{scim.base}/Users", headers={"Authorization": f"Bearer {scim.token}"}).status_code
                )

        lookups = [threading.Thread(target=slow_lookup) for _ in range(IN_FLIGHT)]
        for lookup in lookups:
            lookup.start()
        # While the eight wait out the fault (none has been answered), BlogIn answers its other pages at once.
        time.sleep(0.5)  # for the eight to reach BlogIn; the checks below go on until the first is answered
        checked = 0
        with http_client(timeout=1.0) as client:
            while not answered and checked < 12:
                for path in ("/health", "/login"):
                    assert client.get(f"{running.blogin.base_url}{path}").status_code == 200, path
                checked += 1
                time.sleep(0.1)
        assert checked >= 3 and not answered, (checked, answered)
        for lookup in lookups:
            lookup.join(30)
        assert answered == [200] * IN_FLIGHT
    except httpx.TimeoutException as error:  # pragma: no cover - the failure this test is about
        raise AssertionError("BlogIn did not answer while its SCIM requests waited out the fault") from error
    finally:
        running.blogin.clear_scim_faults()
