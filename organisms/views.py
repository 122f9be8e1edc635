"""Public pages of organisations: sign-up and joining through an invitation."""

from allauth.account.models import EmailAddress
from allauth.account.utils import complete_signup
from django.contrib import messages
from django.contrib.auth import login
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.models import User

from .forms import AcceptInvitationForm, OrganismSignupForm
from .services import InvitationError, invitation_accept, invitation_read, organism_signup


@require_http_methods(["GET", "POST"])
def signup(request):
    """An organisation and its administrator; the organisation stays pending until the Region approves it."""
    form = OrganismSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, organism = organism_signup(data=form.cleaned_data, commune=form.commune)
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
        messages.info(
            request,
            f"{organism.usual_name} est inscrit et attend la validation de la Région. Vérifiez votre adresse "
            "électronique pour vous connecter.",
        )
        return complete_signup(request, user, "mandatory", reverse("backoffice:dashboard"))
    return render(request, "organisms/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    try:
        invite = invitation_read(token)
    except InvitationError as error:
        return render(request, "organisms/invitation_invalid.html", {"error": str(error)}, status=400)
    context = {"invite": invite}
    if request.user.is_authenticated:
        if request.user.email.lower() != invite.email:
            context["error"] = (
                f"Cette invitation est adressée à {invite.email} ; vous êtes connecté avec {request.user.email}."
            )
            return render(request, "organisms/invitation_invalid.html", context, status=403)
        if request.method == "POST":
            invitation_accept(invitation=invite, user=request.user)
            request.session["organism_slug"] = invite.organism.slug
            messages.success(request, f"Vous faites partie de {invite.organism.usual_name}.")
            return redirect("backoffice:dashboard")
        return render(request, "organisms/invitation.html", context)
    if User.objects.filter(email__iexact=invite.email).exists():
        messages.info(request, "Un compte existe avec cette adresse : connectez-vous pour accepter l'invitation.")
        return redirect(f"{reverse('account_login')}?next={request.path}")
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = User.objects.create_user(
                email=invite.email,
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                kind=User.Kind.ORGANISM_MEMBER,
            )
            # The invitation reached this address: it is verified.
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
            invitation_accept(invitation=invite, user=user)
        login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
        messages.success(request, f"Bienvenue : vous faites partie de {invite.organism.usual_name}.")
        return redirect("backoffice:dashboard")
    context["form"] = form
    return render(request, "organisms/invitation.html", context)
