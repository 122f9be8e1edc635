"""Figures about the public catalogue, shown on the home page."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from organisms.models import Organism
from sessions.models import TrainingSession

from .choices import Axis
from .models import Action
from .places import in_home_region_q


@dataclass(frozen=True)
class AxisFigure:
    value: str
    label: str
    upcoming_sessions: int


@dataclass(frozen=True)
class CatalogueFigures:
    organisms: int
    actions: int
    upcoming_sessions: int
    by_axis: list[AxisFigure]


def catalogue_figures() -> CatalogueFigures:
    """Three queries, whatever the size of the catalogue. Sessions count in the home region, or remote."""
    today = timezone.localdate()
    per_axis = dict(
        TrainingSession.objects.public()
        .upcoming(today)
        .filter(Q(is_remote=True) | in_home_region_q("place__commune__"))
        .values_list("action__axis")
        .annotate(n=Count("id"))
        .values_list("action__axis", "n")
        .order_by()
    )
    by_axis = [AxisFigure(axis.value, axis.label, per_axis.get(axis.value, 0)) for axis in Axis]
    by_axis.append(AxisFigure("", "Autres formations au numérique", per_axis.get("", 0)))
    return CatalogueFigures(
        organisms=Organism.objects.approved().count(),
        actions=Action.objects.published().count(),
        upcoming_sessions=sum(per_axis.values()),
        by_axis=by_axis,
    )
