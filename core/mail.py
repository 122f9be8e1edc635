"""Emails the portal sends itself (allauth's own stay allauth's).

Subject and body come from a pair of templates, `<name>_subject.txt` and `<name>_body.txt` (plain text: wrap them in
`{% autoescape off %}`). An email that reports a decision is sent once the transaction that recorded the decision
has committed (`mail_on_commit`): it never announces what was rolled back, and a mail server that fails can no
longer undo the decision or answer an error page. The failure is logged and, when a request is given, told to the
person in a French warning. With ATOMIC_REQUESTS the request's transaction commits when the view returns, before
the message middleware stores the messages, so the warning shows on the page the view redirects to.

Batch commands, which run outside any transaction, send with `mail_send` and act on its answer.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    subject: str
    body: str
    to: tuple[str, ...]
    headers: tuple[tuple[str, str], ...] = ()  # extra headers, e.g. List-Unsubscribe


def mail_render(name: str, context: dict, *, to: Iterable[str], headers: dict[str, str] | None = None) -> Mail:
    """The email `name` (e.g. "organisms/email/invitation") for these recipients, rendered now: a template error
    is a bug of the request that renders it, not a delivery failure."""
    subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
    return Mail(
        subject=settings.PORTAL_EMAIL_SUBJECT_PREFIX + subject,
        body=render_to_string(f"{name}_body.txt", context).rstrip() + "\n",
        to=tuple(sorted({address for address in to if address})),
        headers=tuple((headers or {}).items()),
    )


def mail_send(mail: Mail) -> bool:
    """Sends at once; False when it could not leave (the error is logged)."""
    if not mail.to:
        return True
    try:
        EmailMessage(subject=mail.subject, body=mail.body, to=list(mail.to), headers=dict(mail.headers)).send()
    except Exception:
        # Whatever the mail server or the network did, the caller's work is done and recorded: log, never raise.
        logger.exception("Email not sent: %r to %s", mail.subject, ", ".join(mail.to))
        return False
    return True


def mail_on_commit(mail: Mail, *, request=None, sent_message: str = "", failure_message: str = "") -> None:
    """Sends `mail` once the current transaction commits (at once outside a transaction; never if it rolls back).

    With a request, the person is told the outcome on the next page: `sent_message` (if any) when the email left,
    `failure_message` when it could not.
    """
    if not mail.to:
        return

    def deliver():
        sent = mail_send(mail)
        if request is None:
            return
        if not sent:
            messages.warning(
                request,
                failure_message
                or "C'est enregistré, mais le courriel n'a pas pu partir : prévenez la personne autrement.",
                fail_silently=True,
            )
        elif sent_message:
            messages.success(request, sent_message, fail_silently=True)

    transaction.on_commit(deliver)
