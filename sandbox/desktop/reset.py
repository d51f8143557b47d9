"""File › Reset sandbox… underneath: both systems back to first-run state, provisioning paused meanwhile."""

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


def reset_both_systems(sandbox: Sandbox) -> None:
    """Reset both systems, JumpCloud's provisioning worker stopped meanwhile and started again after.

    Tables dropped under a provisioning run would fail its deliveries half-way (foreign keys, tables
    missing); stopped, the request under way finishes first and the rest goes with the reset.
    """
    worker = sandbox.jumpcloud.provisioning.worker
    was_running = worker.running
    sandbox.jumpcloud.stop_background()
    try:
        sandbox.reset()
    finally:
        if was_running:
            sandbox.jumpcloud.start_background()
