"""The organisation's members: the list, invitations and removals (administrators only)."""

from django.contrib import messages
from django.core.mail import EmailMessage
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from ..models import Membership
from ..permissions import organism_admin_required, organism_required
from ..services import MembershipError, invitation_token, member_remove
from .member_forms import InvitationForm


@require_safe
@organism_required
def members(request):
    memberships = request.organism.memberships.select_related("user").order_by("user__email")
    return render(
        request,
        "organisms/members.html",
        {"memberships": memberships, "form": InvitationForm(), "is_admin": request.membership.role == "admin"},
    )


@require_POST
@organism_admin_required
def member_invite(request):
    form = InvitationForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["email"]
        token = invitation_token(organism=request.organism, email=email, by=request.user)
        link = request.build_absolute_uri(reverse("invitation_accept", args=[token]))
        EmailMessage(
            subject=f"[Catalogue des formations] Invitation à rejoindre {request.organism.usual_name}",
            body=(
                f"Bonjour,\n\n{request.user.get_full_name() or request.user.email} vous invite à tenir à jour les "
                f"formations de {request.organism.usual_name} sur le catalogue régional.\n\nPour accepter, ouvrez ce "
                f"lien (valable 7 jours) :\n{link}\n"
            ),
            to=[email],
        ).send()
        messages.success(request, f"Invitation envoyée à {email}.")
        return redirect("backoffice:members")
    memberships = request.organism.memberships.select_related("user").order_by("user__email")
    return render(request, "organisms/members.html", {"memberships": memberships, "form": form, "is_admin": True})


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
