"""Organisation sign-up, invitations and memberships (keyword-only services, audited)."""

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from core.audit import audit_record, audited_save, snapshot
from core.mail import mail_on_commit, mail_render
from core.models import AuditEntry

from .decisions import organism_transition
from .models import Invitation, Membership, Organism

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


def invitation_token(invitation: Invitation) -> str:
    """The signed, dated id of an invitation: its link expires INVITATION_MAX_AGE_DAYS after this sending."""
    return signing.dumps({"i": invitation.pk}, salt=INVITATION_SALT)


@transaction.atomic
def invitation_send(*, organism: Organism, email: str, by: User, base_url: str, request=None) -> Invitation:
    """Invites an address to join the organisation: a pending invitation (the one already waiting for this address
    is sent again) and, after commit, an email with its link. With `request`, the administrator is told if the
    email could not leave."""
    email = email.lower()
    invitation = organism.invitations.filter(state=Invitation.State.PENDING, email=email).first()
    if invitation is None:
        # Two administrators (or a double click) inviting the same address at once: the unique constraint on
        # pending invitations lets one insert win; the other sends that invitation again instead of failing.
        try:
            with transaction.atomic():
                invitation = Invitation(organism=organism, email=email, invited_by=by, sent_at=timezone.now())
                audited_save(invitation, by=by, before={}, organism=organism)
        except (IntegrityError, ValidationError):  # the other one was inserted (or committed) in the meantime
            invitation = organism.invitations.get(state=Invitation.State.PENDING, email=email)
            invitation_resend(invitation, by=by, organism=organism)
    else:
        invitation_resend(invitation, by=by, organism=organism)
    link = base_url.rstrip("/") + reverse("invitation_accept", args=[invitation_token(invitation)])
    context = {
        "organism": organism,
        "inviter": by.get_full_name() or by.email,
        "link": link,
        "days": settings.INVITATION_MAX_AGE_DAYS,
    }
    mail_on_commit(
        mail_render("organisms/email/invitation", context, to=[email]),
        request=request,
        sent_message=f"Invitation envoyée à {email}.",
        failure_message=f"L'invitation est enregistrée, mais le courriel à {email} n'a pas pu partir : "
        "renvoyez-la plus tard depuis cette page.",
    )
    return invitation


def invitation_resend(invitation: Invitation, *, by: User, organism: Organism) -> None:
    before = snapshot(invitation)
    invitation.invited_by = by
    invitation.sent_at = timezone.now()
    audited_save(invitation, by=by, before=before, organism=organism)


class InvitationError(Exception):
    pass


def invitation_read(token: str) -> Invitation:
    """The invitation of an emailed link, if it may still be accepted; InvitationError (French) says why not."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=settings.INVITATION_MAX_AGE_DAYS * 86400)
    except signing.SignatureExpired as exc:
        raise InvitationError(
            "Cette invitation a expiré : demandez à l'organisme de vous en envoyer une nouvelle."
        ) from exc
    except signing.BadSignature as exc:
        raise InvitationError("Ce lien d'invitation n'est pas valide.") from exc
    if "i" not in data:  # a link sent before invitations were recorded
        raise InvitationError("Ce lien d'invitation n'est plus valable : demandez-en un nouveau à l'organisme.")
    invitation = Invitation.objects.select_related("organism").filter(pk=data["i"]).first()
    if invitation is None:
        raise InvitationError("Cet organisme n'existe plus.")
    if invitation.state == Invitation.State.REVOKED:
        raise InvitationError("Cette invitation a été annulée : demandez-en une nouvelle à l'organisme.")
    if invitation.state == Invitation.State.ACCEPTED:
        raise InvitationError(
            "Cette invitation a déjà été acceptée : connectez-vous pour accéder à l'espace de l'organisme."
        )
    organism = invitation.organism
    if organism.approval_state in (Organism.ApprovalState.REJECTED, Organism.ApprovalState.SUSPENDED):
        raise InvitationError("Cet organisme ne peut pas accueillir de nouveaux membres pour le moment.")
    if not organism.memberships.filter(user_id=invitation.invited_by_id, role=Membership.Role.ADMIN).exists():
        raise InvitationError(
            "Cette invitation n'est plus valable : la personne qui l'a envoyée n'administre plus l'organisme."
        )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The invited person joins the organisation; the invitation is used."""
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
    before = snapshot(invitation)
    invitation.state, invitation.accepted_at = Invitation.State.ACCEPTED, timezone.now()
    audited_save(invitation, by=user, before=before, organism=invitation.organism)
    return membership


def invitation_revoke(*, invitation: Invitation, by: User) -> None:
    """An invitation that may no longer be accepted: its link says so."""
    before = snapshot(invitation)
    invitation.state, invitation.revoked_at = Invitation.State.REVOKED, timezone.now()
    audited_save(invitation, by=by, before=before, organism=invitation.organism)


class MembershipError(Exception):
    pass


@transaction.atomic
def member_remove(*, membership: Membership, by: User) -> None:
    """A member leaves the organisation; the invitations of their address, waiting or used, are revoked with them."""
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
    invitations = membership.organism.invitations.filter(
        email__iexact=membership.user.email, state__in=[Invitation.State.PENDING, Invitation.State.ACCEPTED]
    )
    for invitation in invitations.select_related("organism"):
        invitation_revoke(invitation=invitation, by=by)


@transaction.atomic
def organism_decide(
    *, organism: Organism, decision: str, reason: str, by: User, portal_url: str = "", request=None
) -> Organism:
    """Approve, reject, suspend or reinstate an organisation (as `organisms.decisions` allows); audited and told to it
    by email after commit (with `request`, staff are told if the email could not leave). A suspended
    organisation's sessions leave public search at once (the search reads the approval state)."""
    transition = organism_transition(state=organism.approval_state, decision=decision, reason=reason)
    before = snapshot(organism)
    organism.approval_state = transition.target
    organism.approval_changed_at = timezone.now()
    audited_save(organism, by=by, before=before, organism=organism, verb=AuditEntry.Verb.DECISION, reason=reason)
    context = {
        "organism": organism,
        "told_as": transition.told_as,
        "reason": reason,
        "visible": organism.approval_state == Organism.ApprovalState.APPROVED,
        "hidden": organism.approval_state == Organism.ApprovalState.SUSPENDED,
        "portal_url": portal_url,
    }
    recipients = [m.user.email for m in organism.memberships.select_related("user")] + [organism.email]
    mail_on_commit(
        mail_render("organisms/email/decision", context, to=recipients),
        request=request,
        sent_message="L'organisme est prévenu par courriel.",
        failure_message="La décision est enregistrée, mais le courriel à l'organisme n'a pas pu partir : "
        "prévenez-le autrement.",
    )
    return organism
