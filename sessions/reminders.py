"""Freshness reminders: one digest per organisation of its stale and soon-starting sessions, with a signed,
expiring, single-purpose link that confirms them without logging in."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from candidatures.models import Candidature
from catalogue.choices import RecruitmentState
from core.mail import mail_on_commit, mail_render
from organisms.models import Membership, Organism

from .models import SessionReminder, TrainingSession

CONFIRM_SALT = "sessions.confirm-freshness"
SOON_DAYS = 30


def confirmation_token(*, organism: Organism, session_ids: list[int]) -> str:
    return signing.dumps({"o": organism.pk, "s": session_ids}, salt=CONFIRM_SALT, compress=True)


class ConfirmationError(Exception):
    pass


def confirmation_read(token: str) -> tuple[Organism, list[TrainingSession]]:
    """The organisation and those of the link's sessions that still belong to it."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.CONFIRMATION_LINK_MAX_AGE_DAYS * 86400)
    except signing.SignatureExpired as exc:
        raise ConfirmationError("Ce lien a expiré : connectez-vous pour confirmer vos sessions.") from exc
    except signing.BadSignature as exc:
        raise ConfirmationError("Ce lien de confirmation n'est pas valide.") from exc
    organism = Organism.objects.filter(pk=data["o"]).first()
    if organism is None:
        raise ConfirmationError("Cet organisme n'existe plus.")
    sessions = list(
        TrainingSession.objects.for_organism(organism)
        .filter(pk__in=data["s"])
        .select_related("action__formation", "place__commune")
        .order_by("start_date", "pk")
    )
    return organism, sessions


@dataclass
class Digest:
    organism: Organism
    recipients: list[str]
    sessions: list[TrainingSession]
    late_candidatures: list = field(default_factory=list)  # unanswered after two working days


def period_of(session: TrainingSession) -> str:
    """A session is reminded once per confirmation state: a new confirmation opens a new period."""
    return session.confirmed_at.isoformat() if session.confirmed_at else "jamais"


def due_digests(*, now: datetime, today: date) -> list[Digest]:
    """Published, not ended sessions that are stale or start within 30 days unconfirmed, not yet reminded."""
    stale_limit = now - timedelta(days=settings.SESSION_STALE_AFTER_DAYS)
    soon_limit = now - timedelta(days=7)
    candidates = (
        TrainingSession.objects.public()
        .not_ended(today)
        .filter(
            Q(confirmed_at__isnull=True)
            | Q(confirmed_at__lt=stale_limit)
            | Q(start_date__gte=today, start_date__lte=today + timedelta(days=SOON_DAYS), confirmed_at__lt=soon_limit)
        )
        .exclude(recruitment_state=RecruitmentState.CLOSED, start_date__lt=today)
        .select_related("action__formation__organism", "place__commune")
        .order_by("action__formation__organism_id", "start_date", "pk")
    )
    reminded = set(SessionReminder.objects.filter(session__in=candidates).values_list("session_id", "period"))
    by_organism: dict[int, Digest] = {}
    for session in candidates:
        if (session.pk, period_of(session)) in reminded:
            continue
        organism = session.action.formation.organism
        digest = by_organism.setdefault(organism.pk, Digest(organism, [], []))
        digest.sessions.append(session)
    # Candidatures unanswered after two working days: one not yet reminded opens a digest; every late one is listed.
    late = (
        Candidature.objects.overdue(now)
        .select_related("session__action__formation", "organism")
        .order_by("organism_id", "created_at", "pk")
    )
    late_by_organism: dict[int, list] = {}
    opening = set()
    for candidature in late:
        late_by_organism.setdefault(candidature.organism_id, []).append(candidature)
        if candidature.reminded_at is None:
            opening.add(candidature.organism_id)
    for organism_id in opening - set(by_organism):
        organism = late_by_organism[organism_id][0].organism
        by_organism[organism_id] = Digest(organism, [], [])
    for organism_id, digest in by_organism.items():
        digest.late_candidatures = late_by_organism.get(organism_id, [])
    emails = {}
    for membership in Membership.objects.filter(organism_id__in=by_organism).select_related("user"):
        emails.setdefault(membership.organism_id, []).append(membership.user.email)
    for organism_id, digest in by_organism.items():
        digest.recipients = sorted(set(emails.get(organism_id, []))) or (
            [digest.organism.email] if digest.organism.email else []
        )
    return [d for d in by_organism.values() if d.recipients]


def queue_digest(*, digest: Digest, base_url: str, now: datetime) -> bool:
    """Records the digest for delivery (core.mail: sent by a task once committed, retried, failures listed for staff)
    and, in the same transaction, its sessions as reminded for this period and its late candidatures as reminded.

    The organisation is locked first and what another run recorded meanwhile is left out, so two runs at once never
    remind a session twice in a period. False when nothing is left to remind."""
    with transaction.atomic():
        Organism.objects.select_for_update().filter(pk=digest.organism.pk).first()
        reminded = set(
            SessionReminder.objects.filter(session__in=[s.pk for s in digest.sessions]).values_list(
                "session_id", "period"
            )
        )
        digest.sessions = [s for s in digest.sessions if (s.pk, period_of(s)) not in reminded]
        opening = Candidature.objects.filter(
            pk__in=[c.pk for c in digest.late_candidatures], reminded_at__isnull=True
        ).exists()
        if not digest.sessions and not opening:
            return False
        token = confirmation_token(organism=digest.organism, session_ids=[s.pk for s in digest.sessions])
        base = base_url.rstrip("/")
        late = [
            (c, base + reverse("backoffice:candidature_detail", args=[c.public_id])) for c in digest.late_candidatures
        ]
        context = {
            "organism": digest.organism,
            "sessions": digest.sessions,
            "link": base + reverse("sessions_confirm", args=[token]),
            "days": settings.CONFIRMATION_LINK_MAX_AGE_DAYS,
            "stale_after_days": settings.SESSION_STALE_AFTER_DAYS,
            "dashboard": base + reverse("backoffice:dashboard"),
            "late": late,
        }
        mail_on_commit(mail_render("sessions/email/freshness_digest", context, to=digest.recipients))
        SessionReminder.objects.bulk_create(
            [SessionReminder(session=s, period=period_of(s), sent_at=now) for s in digest.sessions],
            ignore_conflicts=True,
        )
        Candidature.objects.filter(pk__in=[c.pk for c in digest.late_candidatures], reminded_at__isnull=True).update(
            reminded_at=now
        )
    return True
