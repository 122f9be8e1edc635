"""Every back-office object is read through the member's organisation: another organisation's object is a 404."""

from django.shortcuts import get_object_or_404

from catalogue.models import Action, Formation
from sessions.models import TrainingSession


def scoped_formation(request, pk) -> Formation:
    return get_object_or_404(Formation.objects.filter(organism=request.organism), pk=pk)


def scoped_action(request, public_id) -> Action:
    return get_object_or_404(
        Action.objects.for_organism(request.organism).select_related("formation"), public_id=public_id
    )


def scoped_session(request, public_id) -> TrainingSession:
    return get_object_or_404(
        TrainingSession.objects.for_organism(request.organism).select_related("action__formation"), public_id=public_id
    )
