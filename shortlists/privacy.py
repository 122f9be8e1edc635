"""What a person keeps here, for their download (GDPR). Deleting the account deletes it all (cascade)."""

from django.utils import timezone

from .models import Favourite, SavedSearch, Shortlist


def personal_data(user) -> dict:
    def when(value):
        return timezone.localtime(value).isoformat() if value else None

    return {
        "favoris": [
            {"formation": f.action.formation.title, "identifiant": f.action.public_id, "ajoutée le": when(f.created_at)}
            for f in Favourite.objects.filter(user=user).select_related("action__formation").order_by("created_at")
        ],
        "recherches enregistrées": [
            {
                "nom": s.name,
                "critères": s.query,
                "alerte": s.get_frequency_display(),
                "enregistrée le": when(s.created_at),
            }
            for s in SavedSearch.objects.filter(user=user).order_by("created_at")
        ],
        "sélections": [
            {
                "repère": s.label,
                "créée le": when(s.created_at),
                "formations": [
                    {"formation": i.action.formation.title, "identifiant": i.action.public_id, "note": i.note}
                    for i in s.items.select_related("action__formation").order_by("position", "pk")
                ],
            }
            for s in Shortlist.objects.filter(owner=user).order_by("created_at")
        ],
    }
