"""A manual import of the application's users, as run in the background (100 users or more)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote, urljoin

from sandbox.db import Database
from sandbox.jumpcloud.models import IdentityManagement, SsoApplication
from sandbox.jumpcloud.services.insights import Initiator
from sandbox.jumpcloud.services.provisioning.importing import ImportResult, import_selected
from sandbox.jumpcloud.services.provisioning.mailbox import send_mail
from sandbox.scim.answers import REDIRECTS
from sandbox.scim.client import ScimClient, ScimRequestError
from sandbox.scim.listing import ListedUsers
from sandbox.traces import TraceLog

log = logging.getLogger("sandbox.jumpcloud.provisioning")


def list_application_users(
    idm: IdentityManagement, exchanges: list[dict[str, Any]] | None = None, *, timeout: float = 10.0
) -> ListedUsers:
    """Every user of the application, fetched page by page (``startIndex``, ``count`` = 100), four
    pages at a time once the first has told the total."""
    recorder = exchanges.append if exchanges is not None else None
    with ScimClient(idm.base_url, idm.token_key, timeout=timeout, on_exchange=recorder) as client:
        return client.list_all_users(page_size=100, parallel=4)


def followed_redirects(exchanges: list[dict[str, Any]]) -> set[int]:
    """The positions in ``exchanges`` of the redirects the SCIM client followed.

    The client follows a redirect on the Base URL's own server by asking the same of the address it names;
    one it refused (another server, a loop) has no such request after it. Pages listed four at a time
    interleave their requests, so a redirect is matched to the request that followed it, not to its
    place in the list.
    """
    asked: dict[tuple[str, str], int] = {}
    for index, exchange in enumerate(exchanges):
        asked[(exchange["method"], unquote(exchange["url"]))] = index
    followed = set()
    for index, exchange in enumerate(exchanges):
        if exchange.get("status") not in REDIRECTS:
            continue
        headers = {name.lower(): value for name, value in exchange.get("response_headers", {}).items()}
        location = headers.get("location")
        if not location:
            continue
        try:
            target = urljoin(exchange["url"], location.strip())
        except ValueError:  # not a URL: nothing was asked of it
            continue
        if asked.get((exchange["method"], unquote(target)), -1) > index:
            followed.add(index)
    return followed


def run_import(
    database: Database,
    traces: TraceLog,
    application_id: str,
    scim_ids: list[str],
    initiator: Initiator,
    recipient: str,
) -> None:
    """Fetch the application's users, import the selected ones, and e-mail the results."""
    label = application_id
    try:
        with database.transaction() as session:
            application = session.get(SsoApplication, application_id)
            idm = session.get(IdentityManagement, application_id)
            if application is None or idm is None:
                raise ScimRequestError("not_found", "The application no longer exists.")
            label = application.display_label
            result = import_selected(session, list_application_users(idm).users, scim_ids, initiator)
        subject, body = _report(label, result, len(set(scim_ids)))
    except ScimRequestError as error:
        log.warning("manual import from %s failed: %s", label, error)
        subject = f"Your import from {label} failed"
        body = f"JumpCloud could not list the users of {label}: {error}\n\nNo user was imported."
    except Exception:
        log.exception("manual import from %s failed", label)
        subject = f"Your import from {label} failed"
        body = f"The import from {label} stopped on an unexpected error; no user was imported."
    with database.transaction() as session:
        send_mail(session, recipient, subject, body)


def _report(label: str, result: ImportResult, selected: int) -> tuple[str, str]:
    lines = [
        f"Your import of users from {label} is complete.",
        "",
        f"Selected: {selected}",
        f"Imported: {len(result.imported)}",
        f"Not imported: {len(result.skipped)}",
        "",
    ]
    if result.skipped:
        lines.append("Users not imported:")
        lines += [f"  {who}: {why}" for who, why in result.skipped[:500]]
        if len(result.skipped) > 500:
            lines.append(f"  … and {len(result.skipped) - 500} more")
        lines.append("")
    lines.append(
        "Imported users must be members of a user group bound to an application for JumpCloud to manage "
        "their identity in, and access to, the application."
    )
    return f"Your import from {label} is complete", "\n".join(lines)
