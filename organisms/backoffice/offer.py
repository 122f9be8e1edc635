"""The organisation's offer: formations, actions, training places, publication and label requests."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from catalogue.decisions import LabelError
from catalogue.models import Action, Formation, TrainingPlace
from catalogue.services import action_save, action_set_published, formation_save, label_request, place_add

from ..permissions import organism_required
from .offer_forms import ActionForm, FormationForm, LabelRequestForm, TrainingPlaceForm
from .scope import scoped_action, scoped_formation


@require_http_methods(["GET", "POST"])
@organism_required
def formation_edit(request, pk=None):
    formation = scoped_formation(request, pk) if pk else Formation(organism=request.organism)
    form = FormationForm(request.POST or None, instance=formation)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in FormationForm.Meta.fields}
        formation_save(formation=formation, data=data, rome_codes=form.cleaned_data["rome"], by=request.user)
        messages.success(request, f"Formation « {formation.title} » enregistrée.")
        return redirect("backoffice:dashboard")
    return render(request, "organisms/formation_form.html", {"form": form, "formation": formation})


@require_http_methods(["GET", "POST"])
@organism_required
def action_edit(request, public_id=None, formation_pk=None):
    if public_id:
        action = scoped_action(request, public_id)
    else:
        action = Action(formation=scoped_formation(request, formation_pk))
    form = ActionForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ActionForm.Meta.fields}
        action_save(
            action=action,
            data=data,
            audiences=form.cleaned_data["audiences"],
            funders=form.cleaned_data["funders"],
            by=request.user,
        )
        messages.success(request, "Action de formation enregistrée.")
        return redirect("backoffice:action_edit", public_id=action.public_id)
    place_form = TrainingPlaceForm(prefix="place") if action.pk else None
    return render(request, "organisms/action_form.html", {"form": form, "action": action, "place_form": place_form})


@require_POST
@organism_required
def place_new(request, public_id):
    action = scoped_action(request, public_id)
    place_form = TrainingPlaceForm(request.POST, prefix="place", instance=TrainingPlace(action=action))
    if place_form.is_valid():
        place_add(place=place_form.instance, by=request.user)
        messages.success(request, "Lieu de formation ajouté.")
        return redirect("backoffice:action_edit", public_id=action.public_id)
    form = ActionForm(instance=action)
    return render(request, "organisms/action_form.html", {"form": form, "action": action, "place_form": place_form})


@require_POST
@organism_required
def action_publish(request, public_id):
    action = scoped_action(request, public_id)
    published = request.POST.get("publier") == "1"
    action_set_published(action=action, published=published, by=request.user)
    messages.success(request, "Action publiée." if published else "Action retirée de la publication.")
    return redirect("backoffice:dashboard")


@require_http_methods(["GET", "POST"])
@organism_required
def label_request_view(request, public_id):
    action = scoped_action(request, public_id)
    form = LabelRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            label_request(
                action=action,
                programme=form.cleaned_data["programme"],
                justification=form.cleaned_data["justification"],
                by=request.user,
            )
        except LabelError as error:
            form.add_error("programme", str(error))
        else:
            messages.success(request, "Demande de label envoyée à la Région.")
            return redirect("backoffice:action_edit", public_id=action.public_id)
    labels = action.labels.select_related("programme").order_by("programme__name")
    return render(request, "organisms/label_request.html", {"form": form, "action": action, "labels": labels})
