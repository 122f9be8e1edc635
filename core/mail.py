"""Emails the portal sends itself (allauth's own stay allauth's).

Subject and body come from a pair of templates, `<name>_subject.txt` and `<name>_body.txt` (plain text: wrap them in
`{% autoescape off %}`). An email that reports a decision (`mail_on_commit`) is written as an `EmailDelivery` in the
transaction that records the decision, and a task (`deliver_email`, queue "default") is enqueued once it commits: it
never announces what was rolled back, and a mail server that fails can no longer undo the decision or answer an
error page. A failed attempt is logged and tried again after each of EMAIL_RETRY_DELAYS seconds (the task enqueues
itself with `run_after`); after the last one the delivery is recorded as failed, for staff to see in the admin
(« Courriels »). `send_pending_emails` (cron) sends what is due when the queue cannot defer (immediate backend) or an
enqueue was lost. When a request is given, the person is told in French on the next page: with the immediate backend
the first attempt has been made (sent, or failed and to be retried); with a worker the email is on its way.
With ATOMIC_REQUESTS the request's transaction commits when the view returns, before the message middleware stores
the messages, so the message shows on the page the view redirects to.

The cron commands (`send_freshness_reminders`, `send_search_alerts`) go the same way: each digest or alert is
recorded with what it announces, in one transaction, so a refused email is retried by the task and, after the last
try, listed as failed for staff; it is never announced again by the next run.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from .models import EmailDelivery

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
        _send(mail.subject, mail.body, mail.to, dict(mail.headers))
    except Exception:
        # Whatever the mail server or the network did, the caller's work is done and recorded: log, never raise.
        logger.exception("Email not sent: %r to %s", mail.subject, ", ".join(mail.to))
        return False
    return True


def _send(subject: str, body: str, to, headers: dict) -> None:
    EmailMessage(subject=subject, body=body, to=list(to), headers=headers).send()


def mail_on_commit(
    mail: Mail, *, request=None, sent_message: str = "", failure_message: str = ""
) -> EmailDelivery | None:
    """Records `mail` for delivery in the current transaction and enqueues its sending once it commits (at once
    outside a transaction; never if it rolls back).

    With a request, the person is told on the next page: `sent_message` (if any) when the email left or is on its
    way, `failure_message` when the first attempt failed (it is retried). Returns the delivery (None without
    recipients).
    """
    if not mail.to:
        return None
    delivery = EmailDelivery.objects.create(
        subject=mail.subject[:300], body=mail.body, to=list(mail.to), headers=dict(mail.headers)
    )

    def deliver():
        try:
            deliver_email.enqueue(delivery.pk)
        except Exception:
            # The queue's own store failed: the delivery stays pending and `send_pending_emails` sends it.
            logger.exception("Email not queued: delivery %s", delivery.pk)
        if request is None:
            return
        delivery.refresh_from_db(fields=["status"])
        if delivery.status in (EmailDelivery.Status.RETRYING, EmailDelivery.Status.FAILED):
            messages.warning(
                request,
                failure_message
                or "C'est enregistré, mais le courriel n'a pas pu partir : prévenez la personne autrement.",
                fail_silently=True,
            )
        elif sent_message:
            messages.success(request, sent_message, fail_silently=True)

    transaction.on_commit(deliver)
    return delivery


BUSY = "busy"  # another attempt holds the delivery: it records the outcome and enqueues what follows
SEND_LEASE = timedelta(minutes=10)  # a send that crashed is tried again after this


@task(queue_name="default")
def deliver_email(delivery_id: int) -> str:
    """Sends one recorded email; after a failure, enqueues itself again for the next delay (when the backend can
    defer). Returns the delivery's state."""
    delivery = EmailDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return "missing"
    status = attempt(delivery)
    if status == EmailDelivery.Status.RETRYING and deliver_email.get_backend().supports_defer:
        deliver_email.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)
    return status


def attempt(delivery: EmailDelivery) -> str:
    """One attempt to send a delivery still to be sent; records the outcome and returns the new state, or BUSY when
    another attempt holds it (a deferred task and cron's `send_pending_emails` may reach a retry at the same moment).

    The claim is one conditional UPDATE on the attempts count read (so two claims cannot both win) that also moves
    the next attempt out of reach for the time of the send (so the cron's list does not offer it again meanwhile)."""
    now = timezone.now()
    claimed = (
        EmailDelivery.objects.filter(
            pk=delivery.pk,
            status__in=[EmailDelivery.Status.PENDING, EmailDelivery.Status.RETRYING],
            attempts=delivery.attempts,
        )
        .filter(models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now))
        .update(attempts=delivery.attempts + 1, next_attempt_at=now + SEND_LEASE)
    )
    if not claimed:
        return BUSY
    delivery.attempts += 1
    try:
        _send(delivery.subject, delivery.body, delivery.to, delivery.headers)
    except Exception as error:
        logger.exception(
            "Email not sent (attempt %s): %r to %s", delivery.attempts, delivery.subject, ", ".join(delivery.to)
        )
        delays = settings.EMAIL_RETRY_DELAYS
        delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
        if delivery.attempts <= len(delays):
            delivery.status = EmailDelivery.Status.RETRYING
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=delays[delivery.attempts - 1])
        else:
            delivery.status, delivery.next_attempt_at = EmailDelivery.Status.FAILED, None
        delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
        return delivery.status
    delivery.status, delivery.sent_at, delivery.next_attempt_at = EmailDelivery.Status.SENT, timezone.now(), None
    delivery.save(update_fields=["status", "sent_at", "next_attempt_at"])
    return delivery.status


def due_deliveries(now=None, *, lost_after: timedelta = timedelta(minutes=10)):
    """Deliveries to send now: retries whose time has come, and pending ones whose task was lost."""
    now = now or timezone.now()
    return EmailDelivery.objects.filter(
        (models.Q(status=EmailDelivery.Status.RETRYING) & models.Q(next_attempt_at__lte=now))
        | (models.Q(status=EmailDelivery.Status.PENDING) & models.Q(created_at__lte=now - lost_after))
    ).order_by("pk")


# Deliveries hold addresses (personal data): kept for staff to see what failed, then forgotten.
SENT_KEPT_DAYS = 30
FAILED_KEPT_DAYS = 90


def forget_old_deliveries(now=None) -> int:
    now = now or timezone.now()
    sent = EmailDelivery.objects.filter(
        status=EmailDelivery.Status.SENT, sent_at__lt=now - timedelta(days=SENT_KEPT_DAYS)
    ).delete()[0]
    failed = EmailDelivery.objects.filter(
        status=EmailDelivery.Status.FAILED, created_at__lt=now - timedelta(days=FAILED_KEPT_DAYS)
    ).delete()[0]
    return sent + failed
