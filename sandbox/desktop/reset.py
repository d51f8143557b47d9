"""File › Reset sandbox… underneath: what the question says of a provisioning run still going on."""

from __future__ import annotations

import logging

from sandbox.app import Sandbox

log = logging.getLogger("sandbox.desktop.reset")


def undelivered_changes(sandbox: Sandbox) -> int:
    """Provisioning operations JumpCloud has still to deliver to BlogIn (0 when no run is going on)."""
    worker = sandbox.jumpcloud.provisioning.worker
    try:
        return worker.pending() if worker.running else 0
    except Exception:  # the count only adds a sentence to the question
        log.warning("could not count the provisioning operations still pending", exc_info=True)
        return 0
