import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from candidatures import privacy as candidature_privacy
from candidatures.models import Booking, Candidature
from candidatures.scope import own_candidatures
from shortlists import privacy as shortlist_privacy
from shortlists.models import Favourite, SavedSearch, Shortlist

from .adapter import home_url
from .models import User
from .permissions import searcher_required


@require_safe
@login_required
def account_home(request):
    """The home of jobseekers and advisers; organisation members and region agents have their own."""
    user = request.user
    if user.kind in (User.Kind.ORGANISM_MEMBER, User.Kind.REGION_AGENT):
        return redirect(home_url(user))
    mine = own_candidatures(user)
    counts = mine.aggregate(
        total=Count("id"),
        unanswered=Count("id", filter=Q(state__in=["sent", "read"])),
        answered=Count("id", filter=~Q(state__in=["sent", "read", "withdrawn"])),
    )
    context = {
        "counts": counts,
        "recent": list(
            mine.select_related("session__action__formation__organism", "shortlist").order_by("-state_changed_at")[:5]
        ),
        "favourites": Favourite.objects.filter(user=user).count(),
        "searches": SavedSearch.objects.filter(user=user).count(),
        "bookings": list(
            Booking.objects.filter(person=user, state=Booking.State.BOOKED, meeting__starts_at__gt=timezone.now())
            .select_related("meeting__action__formation")
            .order_by("meeting__starts_at")[:3]
        ),
        "shortlists": list(
            Shortlist.objects.filter(owner=user).annotate(n=Count("items")).order_by("-updated_at", "pk")[:6]
        )
        if user.kind == User.Kind.ADVISER
        else [],
    }
    return render(request, "accounts/home.html", context)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "structure"]
        labels = {"first_name": "Prénom", "last_name": "Nom"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.kind != User.Kind.ADVISER:
            del self.fields["structure"]
        else:
            self.fields[
                "structure"
            ].help_text = "Affichée aux organismes avec vos candidatures, par exemple « France Travail Créteil »."


@require_http_methods(["GET", "POST"])
@searcher_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Profil enregistré.")
        return redirect("account_home")
    return render(request, "accounts/profile.html", {"form": form})


@require_safe
def privacy(request):
    return render(request, "accounts/privacy.html", {"retention_months": settings.PERSONAL_DATA_RETENTION_MONTHS})


@require_safe
@searcher_required
def data_download(request):
    """Everything the portal keeps about the person, as JSON (GDPR, right of access and portability)."""
    user = request.user
    data = {
        "compte": {
            "courriel": user.email,
            "prénom": user.first_name,
            "nom": user.last_name,
            "type de compte": user.get_kind_display(),
            "structure": user.structure,
            "créé le": timezone.localtime(user.date_joined).isoformat(),
        },
        **shortlist_privacy.personal_data(user),
        **candidature_privacy.personal_data(user),
    }
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="mes-donnees-{timezone.localdate():%Y-%m-%d}.json"'
    return response


class DeleteForm(forms.Form):
    confirm = forms.CharField(
        label="Pour confirmer, saisissez SUPPRIMER",
        error_messages={"required": "Saisissez SUPPRIMER pour confirmer."},
    )

    def clean_confirm(self):
        value = self.cleaned_data["confirm"].strip()
        if value.upper() != "SUPPRIMER":
            raise forms.ValidationError("Saisissez SUPPRIMER pour confirmer.")
        return value


@require_http_methods(["GET", "POST"])
@searcher_required
def account_delete(request):
    """Deletes the account: favourites, searches and shortlists go with it; candidatures and bookings are
    anonymised (the organisations keep their counts), future seats freed."""
    user = request.user
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        candidature_privacy.forget_person(user, now=timezone.now())
        logout(request)
        user.delete()
        messages.success(request, "Votre compte est supprimé. Vos candidatures ont été anonymisées.")
        return redirect("home")
    open_candidatures = Candidature.objects.filter(person=user).exclude(state__in=["refused", "withdrawn"]).count()
    return render(request, "accounts/delete.html", {"form": form, "open_candidatures": open_candidatures})
