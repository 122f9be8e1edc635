from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse

from .models import User


def is_adviser_domain(email: str) -> bool:
    domain = email.rsplit("@", 1)[-1].lower()
    return any(domain == allowed or domain.endswith("." + allowed) for allowed in settings.ADVISER_EMAIL_DOMAINS)


def home_url(user) -> str:
    """Where each kind of person lands after logging in."""
    if user.kind == User.Kind.ORGANISM_MEMBER:
        return reverse("backoffice:dashboard")
    if user.kind == User.Kind.REGION_AGENT:
        return reverse("region:dashboard")
    return reverse("account_home")


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        return home_url(request.user)

    def confirm_email(self, request, email_address):
        """A verified address on an adviser domain makes the account an adviser's."""
        confirmed = super().confirm_email(request, email_address)
        user = email_address.user
        if user.adviser_requested and is_adviser_domain(email_address.email):
            user.kind = User.Kind.ADVISER
            user.adviser_requested = False
            user.save(update_fields=["kind", "adviser_requested"])
        return confirmed
