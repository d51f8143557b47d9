"""The sandbox's **Mailbox**: e-mails JumpCloud sent the administrators (manual import results)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template

from sandbox.jumpcloud.models import MailboxMessage
from sandbox.jumpcloud.services.provisioning import mailbox
from sandbox.jumpcloud.web.context import admin_required
from sandbox.webcommon import db

bp = Blueprint("mailbox", __name__)


@bp.get("/mailbox")
@admin_required
def inbox() -> Any:
    return render_template("mailbox/inbox.html", messages=mailbox.messages(db()), opened=None)


@bp.get("/mailbox/<message_id>")
@admin_required
def message(message_id: str) -> Any:
    opened = db().get(MailboxMessage, message_id)
    if opened is None:
        abort(404, description="This message does not exist (any more).")
    opened.read = True
    return render_template("mailbox/inbox.html", messages=mailbox.messages(db()), opened=opened)
