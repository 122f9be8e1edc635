"""Region staff powers: Django permissions given through three groups (ADR 0002)."""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

VIEWER = "Région : consultation"
LABELLER = "Région : labellisation"
ADMINISTRATOR = "Région : administration"

VIEW = ("catalogue", "programme", "view_region_dashboard", "Voir le tableau de bord et les files de la Région")
DECIDE_LABEL = ("catalogue", "programme", "decide_label", "Décider des labels")
MANAGE_PROGRAMME = ("catalogue", "programme", "manage_programme", "Créer et modifier les programmes")
DECIDE_ORGANISM = ("organisms", "organism", "decide_organism", "Valider, refuser, suspendre et rétablir les organismes")
# The search's synonyms, edited in the admin (Django's own permissions of the model).
SYNONYMS = [
    ("catalogue", "searchsynonym", f"{verb}_searchsynonym", f"Can {verb} synonyme de recherche")
    for verb in ("view", "add", "change", "delete")
]

REGION_GROUPS = {
    VIEWER: [VIEW],
    LABELLER: [VIEW, DECIDE_LABEL],
    ADMINISTRATOR: [VIEW, DECIDE_LABEL, MANAGE_PROGRAMME, DECIDE_ORGANISM, *SYNONYMS],
}


def ensure_region_groups(*, group_model=None, permission_model=None, content_type_model=None) -> dict:
    """Creates the groups and their permissions if missing (idempotent); historical models in migrations."""
    if group_model is None:
        group_model, permission_model, content_type_model = Group, Permission, ContentType
    groups = {}
    for name, permissions in REGION_GROUPS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        wanted = []
        for app_label, model, codename, label in permissions:
            content_type, _ = content_type_model.objects.get_or_create(app_label=app_label, model=model)
            permission, _ = permission_model.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": label}
            )
            wanted.append(permission)
        group.permissions.set(wanted)
        groups[name] = group
    return groups
