"""The organisation's members: the list, invitations and removals (administrators only)."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from ..models import Invitation, Membership
from ..permissions import is_organism_admin, organism_admin_required, organism_required
from ..services import MembershipError, invitation_revoke, invitation_send, member_remove
from .member_forms import InvitationForm


def members_page(request, form, status=200):
    is_admin = is_organism_admin(request.membership)
    invitations = (
        request.organism.invitations.pending(timezone.now()).select_related("invited_by").order_by("email")
        if is_admin
        else Invitation.objects.none()
    )
    context = {
        "memberships": request.organism.memberships.select_related("user").order_by("user__email"),
        "invitations": invitations,
        "form": form,
        "is_admin": is_admin,
        "invitation_days": settings.INVITATION_MAX_AGE_DAYS,
    }
    return render(request, "organisms/members.html", context, status=status)


@require_safe
@organism_required
def members(request):
    return members_page(request, InvitationForm())


@require_POST
@organism_admin_required
def member_invite(request):
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return members_page(request, form)
    invitation_send(
        organism=request.organism,
        email=form.cleaned_data["email"],
        by=request.user,
        base_url=request.build_absolute_uri("/"),
        request=request,
    )
    return redirect("backoffice:members")


@require_POST
@organism_admin_required
def invitation_revoke_view(request, pk):
    invitation = get_object_or_404(request.organism.invitations.filter(state=Invitation.State.PENDING), pk=pk)
    invitation_revoke(invitation=invitation, by=request.user)
    messages.success(request, f"L'invitation de {invitation.email} est annulée : son lien ne fonctionne plus.")
    return redirect("backoffice:members")


@require_POST
@organism_admin_required
def member_remove_view(request, pk):
    membership = get_object_or_404(Membership.objects.filter(organism=request.organism).select_related("user"), pk=pk)
    try:
        member_remove(membership=membership, by=request.user)
    except MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membership.user.email} ne fait plus partie de l'organisme.")
    return redirect("backoffice:members")
