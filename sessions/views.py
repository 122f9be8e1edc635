from django.contrib import messages
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .reminders import ConfirmationError, confirmation_read
from .services import sessions_bulk_update


@require_http_methods(["GET", "POST"])
def confirm_from_email(request, token):
    """The one-click link of a freshness reminder: works without logging in. A GET only shows what the POST
    confirms, so that mail scanners opening links change nothing."""
    try:
        organism, sessions = confirmation_read(token)
    except ConfirmationError as error:
        return render(request, "sessions/confirm_invalid.html", {"error": str(error)}, status=400)
    if request.method == "POST":
        count = sessions_bulk_update(
            sessions=sessions,
            operation="confirmer",
            by=None,
            organism=organism,
            via="lien de confirmation reçu par courriel",
        )
        messages.success(
            request, f"Merci : {count} session{'s' if count > 1 else ''} confirmée{'s' if count > 1 else ''}."
        )
        return render(request, "sessions/confirm_done.html", {"organism": organism, "count": count})
    return render(request, "sessions/confirm.html", {"organism": organism, "sessions": sessions})
