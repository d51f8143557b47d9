"""The IdP's state while JumpCloud runs, kept on its Flask app: identity providers, pending logins, traces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from flask import Flask, current_app

from sandbox.direct_sql import DirectTraces, DirectWrite
from sandbox.jumpcloud.models import Trace
from sandbox.jumpcloud.web.pending_logins import Flows, HeldResponse, PendingLogins
from sandbox.saml.idp import IdentityProviders

EXTENSION_KEY = "jumpcloud.idp"
#: How long a held Response waits for its page to release it: the longest hold (900 s) and as long again.
HELD_LIFETIME_S = 1800.0
#: Held Responses kept at most (each keeps its signed XML): far more than one sandbox's testers hold at once.
MAX_HELD = 1_000

# Built once: each request then only binds its values.
RELATE_TRACE = DirectWrite(Trace.__table__, ("related_id",), key="id")


@dataclass
class IdpRuntime:
    """The built identity providers (one per configuration), the logins in progress, the Responses held
    by hand-off pages, and the trace writer."""

    traces: DirectTraces
    providers: IdentityProviders = field(default_factory=IdentityProviders)
    pending: PendingLogins = field(default_factory=PendingLogins)
    held: Flows[HeldResponse] = field(default_factory=lambda: Flows(lifetime_s=HELD_LIFETIME_S, max_pending=MAX_HELD))


def install(app: Flask) -> IdpRuntime:
    """Give ``app`` its IdP state; pysaml2, when the backend needs it, is loaded a while later."""
    idp_runtime = IdpRuntime(traces=DirectTraces(app.extensions["jumpcloud"].traces))
    app.extensions[EXTENSION_KEY] = idp_runtime
    idp_runtime.providers.warm_up_later()
    return idp_runtime


def runtime(app: Flask | None = None) -> IdpRuntime:
    """The IdP state of ``app`` (the current app by default)."""
    return cast(IdpRuntime, (app or current_app).extensions[EXTENSION_KEY])
