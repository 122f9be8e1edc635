"""Organisation sign-up, invitations and memberships (keyword-only services, audited)."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.text import slugify

from accounts.models import User
from core.audit import audit_record, audited_save, snapshot
from core.models import AuditEntry

from .decisions import organism_transition
from .models import Membership, Organism

INVITATION_SALT = "organisms.invitation"


@transaction.atomic
def organism_signup(*, data: dict, commune) -> tuple[User, Organism]:
    """A pending organisation and its first member, its administrator (email not yet verified)."""
    user = User.objects.create_user(
        email=data["email"],
        password=data["password1"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        kind=User.Kind.ORGANISM_MEMBER,
    )
    organism = Organism(
        siret=data["siret"],
        nda=data["nda"],
        slug=unique_slug(data["usual_name"]),
        usual_name=data["usual_name"],
        legal_name=data["legal_name"],
        street=data["street"],
        postcode=data["postcode"],
        commune=commune,
        phone=data.get("phone", ""),
        email=data.get("contact_email", ""),
        website=data.get("website", ""),
        approval_state=Organism.ApprovalState.PENDING,
    )
    audited_save(organism, by=user, before={}, organism=organism)
    Membership.objects.create(user=user, organism=organism, role=Membership.Role.ADMIN)
    return user, organism


def unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisme"
    slug, n = base, 1
    while Organism.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@dataclass(frozen=True)
class Invitation:
    organism: Organism
    email: str
    issued_at: float = 0.0


def invitation_token(*, organism: Organism, email: str, by: User) -> str:
    """A signed invitation for one address to join one organisation, dated so that a later removal voids it."""
    import time

    return signing.dumps({"o": organism.pk, "e": email.lower(), "by": by.pk, "t": time.time()}, salt=INVITATION_SALT)


class InvitationError(Exception):
    pass


def invitation_read(token: str) -> Invitation:
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=settings.INVITATION_MAX_AGE_DAYS * 86400)
    except signing.SignatureExpired as exc:
        raise InvitationError(
            "Cette invitation a expiré : demandez à l'organisme de vous en envoyer une nouvelle."
        ) from exc
    except signing.BadSignature as exc:
        raise InvitationError("Ce lien d'invitation n'est pas valide.") from exc
    organism = Organism.objects.filter(pk=data["o"]).first()
    if organism is None:
        raise InvitationError("Cet organisme n'existe plus.")
    if organism.approval_state in (Organism.ApprovalState.REJECTED, Organism.ApprovalState.SUSPENDED):
        raise InvitationError("Cet organisme ne peut pas accueillir de nouveaux membres pour le moment.")
    if not organism.memberships.filter(user_id=data.get("by"), role=Membership.Role.ADMIN).exists():
        raise InvitationError(
            "Cette invitation n'est plus valable : la personne qui l'a envoyée n'administre plus l'organisme."
        )
    issued_at = data.get("t", 0.0)
    from datetime import UTC, datetime

    removed = AuditEntry.objects.filter(
        organism=organism,
        verb=AuditEntry.Verb.DELETE,
        content_type__model="membership",
        changes__membre=[data["e"], None],
        created_at__gte=datetime.fromtimestamp(issued_at, tz=UTC),
    ).exists()
    if removed:
        raise InvitationError("Cette invitation a été annulée : demandez-en une nouvelle à l'organisme.")
    return Invitation(organism=organism, email=data["e"], issued_at=issued_at)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    if user.kind == User.Kind.JOBSEEKER:
        user.kind = User.Kind.ORGANISM_MEMBER
        user.save(update_fields=["kind"])
    membership = Membership.objects.filter(user=user, organism=invitation.organism).first()
    if membership is None:
        membership = Membership(user=user, organism=invitation.organism, role=Membership.Role.MEMBER)
        audited_save(
            membership,
            by=user,
            before={},
            organism=invitation.organism,
            extra_changes={"membre": [None, user.email]},
        )
    return membership


class MembershipError(Exception):
    pass


@transaction.atomic
def member_remove(*, membership: Membership, by: User) -> None:
    admins = membership.organism.memberships.filter(role=Membership.Role.ADMIN)
    if membership.role == Membership.Role.ADMIN and admins.count() == 1:
        raise MembershipError("L'organisme doit garder au moins un administrateur.")
    audit_record(
        actor=by,
        verb=AuditEntry.Verb.DELETE,
        obj=membership,
        organism=membership.organism,
        changes={"membre": [membership.user.email, None]},
    )
    membership.delete()


@transaction.atomic
def organism_decide(*, organism: Organism, decision: str, reason: str, by: User, portal_url: str = "") -> Organism:
    """Approve, reject, suspend or reinstate an organisation (as `organisms.decisions` allows); audited and told to it
    by email. A suspended organisation's sessions leave public search at once (the search reads the approval
    state)."""
    from django.core.mail import EmailMessage
    from django.utils import timezone

    transition = organism_transition(state=organism.approval_state, decision=decision, reason=reason)
    state, verb = transition.target, transition.told_as
    before = snapshot(organism)
    organism.approval_state = state
    organism.approval_changed_at = timezone.now()
    audited_save(organism, by=by, before=before, organism=organism, verb=AuditEntry.Verb.DECISION, reason=reason)
    recipients = sorted({m.user.email for m in organism.memberships.select_related("user")} | ({organism.email} - {""}))
    if recipients:
        body = f"Bonjour,\n\nLa Région a {verb} l'organisme {organism.usual_name} sur le catalogue régional des formations."
        if reason:
            body += f"\n\nMotif : {reason}"
        if state == Organism.ApprovalState.APPROVED:
            body += "\n\nSes sessions publiées sont désormais visibles des conseillers et du public."
        elif state == Organism.ApprovalState.SUSPENDED:
            body += "\n\nSes sessions ne sont plus visibles dans la recherche tant que la suspension dure."
        if portal_url:
            body += f"\n\nVotre espace : {portal_url}"
        EmailMessage(
            subject=f"[Catalogue des formations] {organism.usual_name} : organisme {verb}", body=body, to=recipients
        ).send()
    return organism
