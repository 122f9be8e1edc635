"""The portal's home region among the places of all of France.

Places (communes, arrondissements, departments, regions) are known nationwide, so that a training across the regional
border or in a national feed is placed and found by place and radius. PORTAL_REGION_CODE still chooses the home
region: the home page's figures, the lists of departments (search, region dashboard) and the map's default view.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, IntegerField, Max, Min, Q, Value, When

from .models import Commune, Department


def home_region_code() -> str:
    return settings.PORTAL_REGION_CODE


def in_home_region_q(prefix: str = "") -> Q:
    """Places in the home region; `prefix` reaches the department ("place__commune__" from a session)."""
    return Q(**{f"{prefix}department__region_code": home_region_code()})


def home_departments():
    return Department.objects.filter(region_code=home_region_code()).order_by("code")


def home_first(prefix: str = "") -> Case:
    """An ordering expression: places of the home region (0) before the others (1)."""
    return Case(When(in_home_region_q(prefix), then=Value(0)), default=Value(1), output_field=IntegerField())


@dataclass(frozen=True)
class Bounds:
    south: float
    west: float
    north: float
    east: float

    def as_list(self) -> list[list[float]]:
        """Leaflet's [[south, west], [north, east]]."""
        return [[self.south, self.west], [self.north, self.east]]


# Metropolitan France, when the home region has no commune loaded.
FRANCE = Bounds(41.3, -5.2, 51.1, 9.6)


def home_bounds() -> Bounds:
    """The box around the home region's communes: the maps' view when they have no point to show (France while no
    commune of the region is loaded). One aggregate query, on the map page only."""
    box = Commune.objects.filter(department__region_code=home_region_code()).aggregate(
        south=Min("latitude"), west=Min("longitude"), north=Max("latitude"), east=Max("longitude")
    )
    return Bounds(**box) if box["south"] is not None else FRANCE
