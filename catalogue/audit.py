"""Writing the audit trail: every change of catalogue data records who, when, and what changed."""

from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry


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
        if field.attname not in {"created_at", "updated_at"}
    }


def diff(before: dict, after: dict) -> dict:
    """Fields whose value changed, as {field: [before, after]}."""
    names = list(after) + [name for name in before if name not in after]
    return {name: [before.get(name), after.get(name)] for name in names if before.get(name) != after.get(name)}


def audit_record(
    *,
    actor,
    verb: str,
    obj: models.Model,
    organism=None,
    changes: dict | None = None,
    reason: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=getattr(actor, "email", "") or "",
        verb=verb,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        organism=organism,
        changes=changes or {},
        reason=reason,
    )


def organism_of(obj: models.Model):
    """The organisation whose records an object belongs to, for scoping its history."""
    from organisms.models import Organism

    if isinstance(obj, Organism):
        return obj
    for path in ("organism", "formation", "action"):
        related = getattr(obj, path, None)
        if related is not None:
            return organism_of(related)
    return None
