"""Batched lookups: users about to be provisioned are looked up several at a time.

JumpCloud looks a user up before creating it, so an application user with the same userName is
taken over rather than duplicated. An initial sync of thousands of users would spend half its
requests on those lookups; here the users of one claim are looked up with one
``filter=userName eq "a" or userName eq "b" …`` request per few dozen, and each job carries the
answer for its own user. The lookup is never skipped: a user the answer does not settle is looked
up on its own at delivery, and a server that refuses the batched filter gets one lookup per user
from then on.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import httpx

from sandbox.jumpcloud.models.provisioning import SYNC_USER
from sandbox.jumpcloud.services.provisioning.jobs import Connection, Job
from sandbox.scim.client import INVALID_JSON, NOT_FOUND, NOT_SUPPORTED, REJECTED, ScimClient, ScimRequestError

log = logging.getLogger("sandbox.jumpcloud.provisioning")

# Users per lookup request, and a bound on the filter's length (URLs past a few kB are refused by
# some servers and proxies).
BATCH = 50
MAX_FILTER_CHARS = 3000
# Answers meaning the server does not take the batched filter (as opposed to a server that is down
# or refuses the token, which a per-user lookup would meet just the same).
UNSUPPORTED = frozenset({REJECTED, NOT_SUPPORTED, NOT_FOUND, INVALID_JSON})


def needs_lookup(job: Job) -> bool:
    """A first attempt to provision a user the application is not known to have."""
    wanted = job.user_attributes
    return (
        job.operation == SYNC_USER
        and job.mapping is None
        and job.attempt == 1
        and wanted is not None
        and bool(wanted["active"])
    )


def plan(jobs: list[Job], refused: set[str]) -> tuple[list[Job], list[list[Job]]]:
    """(jobs delivered as they are, chunks of jobs to look up together first)."""
    direct: list[Job] = []
    by_connection: dict[Connection, list[Job]] = defaultdict(list)
    for job in jobs:
        if needs_lookup(job) and job.connection.base_url not in refused:
            by_connection[job.connection].append(job)
        else:
            direct.append(job)
    chunks: list[list[Job]] = []
    for waiting in by_connection.values():
        chunk: list[Job] = []
        length = 0
        for job in waiting:
            clause = len(job.user_attributes["userName"]) + 20 if job.user_attributes else 0
            if chunk and (len(chunk) >= BATCH or length + clause > MAX_FILTER_CHARS):
                chunks.append(chunk)
                chunk, length = [], 0
            chunk.append(job)
            length += clause
        chunks.append(chunk)
    # A lone user is looked up the ordinary way, at delivery.
    direct += [chunk[0] for chunk in chunks if len(chunk) == 1]
    return direct, [chunk for chunk in chunks if len(chunk) > 1]


def look_up(chunk: list[Job], http: httpx.BaseTransport, timeout: float, refused: set[str]) -> None:
    """Settle the lookups of ``chunk`` (one connection) with one request; the answer goes on each job.

    The request's exchange is kept with the first job, so the traffic view shows it once. A failure
    the per-user lookups would meet too (server down, token refused) becomes each job's lookup
    failure; a server refusing the batched filter is remembered in ``refused`` and its users are
    looked up one by one.
    """
    connection = chunk[0].connection
    exchanges: list[dict[str, Any]] = []
    client = ScimClient(connection.base_url, connection.token_key, timeout=timeout, client=http)
    client.on_exchange = exchanges.append
    names = [job.user_attributes["userName"] for job in chunk if job.user_attributes is not None]
    try:
        found = client.find_users(names, operation="user_lookup_provision")
    except ScimRequestError as error:
        chunk[0].lookup_exchanges = exchanges
        if error.kind in UNSUPPORTED:
            refused.add(connection.base_url)
            log.info("%s refused a batched lookup (%s); users are looked up one at a time", client.base_url, error)
            return
        for job in chunk:
            job.lookup_error = error
        return
    chunk[0].lookup_exchanges = exchanges
    for job in chunk:
        assert job.user_attributes is not None
        key = str(job.user_attributes["userName"]).lower()
        if key in found:
            job.looked_up = True
            job.found = found[key]
