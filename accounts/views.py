from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from .adapter import home_url
from .models import User


@require_safe
@login_required
def account_home(request):
    """The home of jobseekers and advisers; organisation members and region agents have their own."""
    if request.user.kind in (User.Kind.ORGANISM_MEMBER, User.Kind.REGION_AGENT):
        return redirect(home_url(request.user))
    return render(request, "accounts/home.html")
