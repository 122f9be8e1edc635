"""The audit trail: every change of published or decided data records who, when, what changed and why.

`audited_save` is the one way an audited object is written (services, admin, imports); `audit_record` records what
a save does not show (a many-to-many change, a deletion, a decision's reason); `audit_records` writes many entries
in one query (bulk actions, feeds).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .bulk import insert_many
from .models import AuditEntry

# Kept out of snapshots: they change on every save and say nothing a person did.
UNAUDITED_FIELDS = frozenset({"created_at", "updated_at"})


def _plain(value):
    """A JSON-friendly form of a field value."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model) -> dict:
    """The concrete field values of an instance, by attribute name (foreign keys as ids)."""
    return {
        field.attname: _plain(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.attname not in UNAUDITED_FIELDS
    }


def stored_snapshot(instance: models.Model) -> dict:
    """The snapshot of the instance as the database holds it; {} for an instance not saved yet."""
    if instance.pk is None:
        return {}
    stored = type(instance)._default_manager.filter(pk=instance.pk).first()
    return snapshot(stored) if stored is not None else {}


def diff(before: dict, after: dict) -> dict:
    """Fields whose value changed, as {field: [before, after]}."""
    names = list(after) + [name for name in before if name not in after]
    return {name: [before.get(name), after.get(name)] for name in names if before.get(name) != after.get(name)}


def organism_of(obj: models.Model):
    """The organisation whose records an object belongs to, for scoping its history (None for the Region's own)."""
    if obj._meta.label == "organisms.Organism":
        return obj
    for path in ("organism", "formation", "action", "session"):
        related = getattr(obj, path, None)
        if isinstance(related, models.Model):
            return organism_of(related)
    return None


def _actor(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def audit_entry(
    *,
    actor,
    verb: str,
    obj: models.Model,
    organism=None,
    changes: dict | None = None,
    reason: str = "",
    actor_label: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """An entry, not saved: for `audit_records`.

    `actor_label` names who acted when no account did (a link received by email, a feed); `object_repr` spares
    bulk writers the queries `str(obj)` may cost.
    """
    return AuditEntry(
        actor=_actor(actor),
        actor_label=getattr(actor, "email", "") or actor_label,
        verb=verb,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=(object_repr or str(obj))[:255],
        organism=organism,
        changes=changes or {},
        reason=reason,
    )


def audit_record(**entry) -> AuditEntry:
    """Records one entry at once; the arguments are `audit_entry`'s."""
    saved = audit_entry(**entry)
    saved.save()
    return saved


def audit_records(entries: list[AuditEntry]) -> None:
    """Saves many entries at once (COPY on PostgreSQL: a feed's 100,000 entries cost seconds)."""
    insert_many(AuditEntry, entries)


@dataclass(frozen=True)
class Saved:
    """What `audited_save` did: created, changed (with the changes) or left as it was."""

    created: bool
    changes: dict
    written: bool = True

    @property
    def changed(self) -> bool:
        return self.created or bool(self.changes)


NOT_GIVEN = object()


def audited_save(
    obj: models.Model,
    *,
    by,
    before: dict | None = None,
    organism=NOT_GIVEN,
    verb: str | None = None,
    reason: str = "",
    extra_changes: dict | None = None,
    clean: dict | None = None,
    skip_unchanged: bool = False,
    record: bool = True,
) -> Saved:
    """Validates and saves `obj`, then records what changed.

    `before` is the snapshot of the object before the caller changed it (read from the database when not given).
    `clean` is passed to `full_clean` (feeds leave database constraints to the database). With `skip_unchanged`, an
    unchanged object is not written at all. `record=False` leaves the entry to the caller (bulk writers).
    """
    if before is None:
        before = stored_snapshot(obj)
    created = not before
    if skip_unchanged and not created and not diff(before, snapshot(obj)) and not extra_changes:
        return Saved(created=False, changes={}, written=False)
    obj.full_clean(**(clean or {}))
    obj.save()
    changes = {**diff(before, snapshot(obj)), **(extra_changes or {})}
    if record and (created or changes or verb == AuditEntry.Verb.DECISION):
        audit_record(
            actor=by,
            verb=verb or (AuditEntry.Verb.CREATE if created else AuditEntry.Verb.UPDATE),
            obj=obj,
            organism=organism_of(obj) if organism is NOT_GIVEN else organism,
            changes=changes,
            reason=reason,
        )
    return Saved(created=created, changes=changes)


def readable_changes(entry) -> list[tuple[str, str, str]]:
    """(field label, before, after) in French: verbose names, labels of code lists, dates as dd/mm/yyyy, booleans
    as oui/non."""
    model = entry.content_type.model_class()

    def field(name):
        try:
            return model._meta.get_field(name.removesuffix("_id"))
        except Exception:
            return None

    def label(name):
        found = field(name)
        return str(found.verbose_name) if found is not None else name.replace("_", " ")

    def value(v, name):
        choices = dict(getattr(field(name), "flatchoices", None) or ())
        if isinstance(v, str | int) and not isinstance(v, bool) and v in choices:
            return str(choices[v])
        if v is None or v == "":
            return "(vide)"
        if isinstance(v, bool):
            return "oui" if v else "non"
        if isinstance(v, str):
            for parse, fmt in ((datetime.fromisoformat, "%d/%m/%Y %H:%M"), (date.fromisoformat, "%d/%m/%Y")):
                try:
                    parsed = parse(v)
                except ValueError:
                    continue
                if isinstance(parsed, datetime):
                    parsed = timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
                return parsed.strftime(fmt)
        if isinstance(v, list):
            return ", ".join(str(item) for item in v) or "(vide)"
        return str(v)

    return [(label(name), value(values[0], name), value(values[1], name)) for name, values in entry.changes.items()]
