"""The sandbox's Mailbox: e-mails JumpCloud would send an administrator, kept in its database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox.jumpcloud.models import MailboxMessage
from sandbox.jumpcloud.services.insights import record_event


def send_mail(session: Session, recipient: str, subject: str, body: str) -> MailboxMessage:
    """Deliver one e-mail to the Mailbox (published on the bus as ``mailbox_message``)."""
    message = MailboxMessage(recipient=recipient, subject=subject, body=body)
    session.add(message)
    session.flush()
    record_event(
        session,
        "mailbox_message",
        service="notifications",
        resource={"id": message.id, "type": "email", "email": recipient},
        summary=f"E-mail to {recipient}: {subject}",
        extra={"subject": subject},
    )
    return message


def messages(session: Session, limit: int = 200) -> list[MailboxMessage]:
    return list(session.scalars(select(MailboxMessage).order_by(MailboxMessage.sent.desc()).limit(limit)))


def unread_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(MailboxMessage).where(~MailboxMessage.read)) or 0)
