"""Email alerts of saved searches: the sessions that newly match, as a daily or weekly digest.

A session is announced once per saved search (`SavedSearchMatch`, unique per search and session), however often the
command runs: the alert is recorded for delivery (core.mail: sent by a task once committed, retried with backoff, a
permanent failure listed for staff on the region's task page) in the transaction that records its sessions as
announced. Each email carries a one-click unsubscribe (signed link, no login; `List-Unsubscribe` and
`List-Unsubscribe-Post` headers, RFC 8058, kept by the delivery)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.mail import mail_on_commit, mail_render
from sessions.models import TrainingSession

from .models import SavedSearch, SavedSearchMatch
from .searches import describe, matching_sessions
from .services import unsubscribe_token

SHOWN_PER_EMAIL = 20


@dataclass
class Alert:
    saved: SavedSearch
    new_ids: list[int]
    sessions: list[TrainingSession]  # the first SHOWN_PER_EMAIL, for the email


def due_q(now: datetime) -> Q:
    """Searches whose digest is due: daily ones not examined yet today, weekly ones not for six days."""
    today_start = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    return (Q(frequency=SavedSearch.Frequency.DAILY) & Q(last_checked_at__lt=today_start)) | (
        Q(frequency=SavedSearch.Frequency.WEEKLY) & Q(last_checked_at__lt=today_start - timedelta(days=6))
    )


def due_searches(now: datetime):
    return SavedSearch.objects.filter(due_q(now)).select_related("user").order_by("pk")


def alert_for(saved: SavedSearch, *, today) -> Alert:
    ids = matching_sessions(saved.query, today=today)
    known = set(SavedSearchMatch.objects.filter(saved_search=saved).values_list("session_id", flat=True))
    new_ids = [pk for pk in ids if pk not in known]
    shown = TrainingSession.objects.filter(pk__in=new_ids[:SHOWN_PER_EMAIL]).select_related(
        "action__formation__organism", "place__commune"
    )
    order = {pk: n for n, pk in enumerate(new_ids)}
    return Alert(saved, new_ids, sorted(shown, key=lambda s: order[s.pk]))


def alert_mail(alert: Alert, *, base_url: str, today):
    base = base_url.rstrip("/")
    saved = alert.saved
    unsubscribe = base + reverse("shortlists:unsubscribe", args=[unsubscribe_token(saved)])
    context = {
        "saved": saved,
        "criteria": describe(saved.query, today=today),
        "sessions": [(s, base + reverse("action_detail", args=[s.action.public_id])) for s in alert.sessions],
        "count": len(alert.new_ids),
        "more": len(alert.new_ids) - len(alert.sessions),
        "search_url": base + reverse("search") + (f"?{saved.query}" if saved.query else ""),
        "unsubscribe_url": unsubscribe,
        "space_url": base + reverse("shortlists:searches"),
    }
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return mail_render("shortlists/email/alert", context, to=[saved.user.email], headers=headers)


@dataclass
class RunSummary:
    examined: int = 0
    queued: int = 0
    sessions: int = 0


def run_alerts(*, now: datetime, send: bool, base_url: str, write=lambda line: None) -> RunSummary:
    """Examines every due saved search. Without `send`, a dry run: nothing is sent nor recorded."""
    today = timezone.localdate(now)
    summary = RunSummary()
    for pk in list(due_searches(now).values_list("pk", flat=True)):
        with transaction.atomic():
            # Two runs at once never announce a session twice: the second skips a search the first holds, and
            # finds it no longer due once the first has committed.
            locked = SavedSearch.objects.filter(pk=pk).filter(due_q(now)).select_related("user")
            saved = (locked.select_for_update(skip_locked=True, of=("self",)) if send else locked).first()
            if saved is None:
                continue
            summary.examined += 1
            alert = alert_for(saved, today=today)
            if alert.new_ids:
                write(f"  {saved.user.email} : « {saved.name} », {len(alert.new_ids)} nouvelle(s) session(s)")
            if not send:
                continue
            if alert.new_ids:
                mail_on_commit(alert_mail(alert, base_url=base_url, today=today))
                SavedSearchMatch.objects.bulk_create(
                    [SavedSearchMatch(saved_search=saved, session_id=pk, announced_at=now) for pk in alert.new_ids],
                    batch_size=2000,
                    ignore_conflicts=True,
                )
                summary.queued += 1
                summary.sessions += len(alert.new_ids)
            SavedSearch.objects.filter(pk=saved.pk).update(last_checked_at=now)
    return summary


def forget_ended(*, today) -> int:
    """Known matches of sessions that have ended can never match again: they are let go."""
    ended = TrainingSession.objects.filter(end_date__lt=today).values("pk")
    deleted, _ = SavedSearchMatch.objects.filter(session__in=ended).delete()
    return deleted
