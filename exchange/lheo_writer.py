"""Writing the records the reader found valid, a batch at a time: a few queries read what the batch's records are in
the database (matched on stable ids: the organisation's SIRET, then the `numero` of formations, actions and
sessions), then new rows are inserted and changed ones updated in bulk, with their audit entries (core.audit:
`audit_entry`, `audit_records`) and search documents. Unchanged records cost no write, so a re-import of the same
file writes nothing.

Database constraints stay the last word (checking them in Python costs a query each): a batch the database refuses
is narrowed down, in savepoints, to the formation, action or session it refuses, which is reported with the
constraint's French message while the rest is written. A batch is its own transaction unless the caller holds one
(a preview, an organisation's all-or-nothing upload), so that a run stopped half-way leaves whole batches that the
next run completes without duplicates.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from catalogue.models import Action, ActionAudience, ActionFunder, Formation, RomeCode, TrainingPlace
from catalogue.search.text import lexicon_add
from catalogue.services import action_document
from core.audit import audit_entry, audit_records, diff, snapshot
from core.bulk import insert_many
from core.models import AuditEntry
from organisms.models import Organism
from organisms.services import unique_slug
from sessions.models import TrainingSession

from .lheo_reader import MAX_PROBLEMS, ActionRecord, CommuneIndex, FormationRecord, Problem, SessionRecord

REFUSALS = (IntegrityError, DataError, ValidationError)
FORMATION_FIELDS = Formation.EDITABLE_FIELDS
SESSION_FIELDS = tuple("place_id" if name == "place" else name for name in TrainingSession.EDITABLE_FIELDS)
LEVEL_OF_MODEL = {
    Organism: "formation",
    Formation: "formation",
    Action: "action",
    ActionAudience: "action",
    ActionFunder: "action",
    TrainingPlace: "action",
    TrainingSession: "session",
}


class Rejected(Exception):
    """The database refused a record of an all-or-nothing import: nothing is written."""


def rejection(error) -> tuple[str | None, str]:
    """The level (formation, action or session) of the constraint a row breaks, and its French message."""
    if isinstance(error, ValidationError):
        return None, " ".join(error.messages)
    text = str(error)
    for model, level in LEVEL_OF_MODEL.items():
        for constraint in model._meta.constraints:
            if re.search(rf"\b{re.escape(constraint.name)}\b", text):
                return level, constraint.violation_error_message or f"Contrainte {constraint.name} non respectée."
    return None, f"Donnée refusée par la base : {text.splitlines()[0] if text else type(error).__name__}"


@dataclass
class Batch:
    """What one batch did, kept only once it is committed (a refused batch's savepoint is rolled back)."""

    outcomes: dict[tuple, str] = field(default_factory=dict)  # (kind, key) -> created / updated / unchanged
    sessions: set[int] = field(default_factory=set)
    actions: set[int] = field(default_factory=set)
    organisms: dict[str, Organism] = field(default_factory=dict)
    entries: list[AuditEntry] = field(default_factory=list)
    texts: set[str] = field(default_factory=set)

    def outcome(self, kind: str, key: tuple, created: bool, changed: bool) -> None:
        """What became of a record; the first word counts (an organisation is created by its first formation)."""
        self.outcomes.setdefault((kind, key), "created" if created else ("updated" if changed else "unchanged"))


class Writer:
    """Writes valid records in batches; counts what it creates, updates and leaves (report.counts)."""

    def __init__(
        self,
        *,
        report,
        by=None,
        actor_label: str = "",
        organism: Organism | None = None,
        source: str = "",
        republish_actions: bool = False,
        all_or_nothing: bool = False,
        communes: CommuneIndex,
        on_rejected: Callable[[FormationRecord, ActionRecord | None, SessionRecord | None], None] | None = None,
    ):
        self.report, self.by, self.scope, self.source = report, by, organism, source
        self.actor_label = actor_label or "import LHÉO"
        self.reason = "import LHÉO" + (f" (flux {source})" if source else "")
        self.republish_actions, self.all_or_nothing = republish_actions, all_or_nothing
        self.communes = communes
        self.on_rejected = on_rejected
        self.rome = dict(RomeCode.objects.values_list("code", "pk"))
        self.rome_labels = dict(RomeCode.objects.values_list("pk", "label"))
        self.counted: set[tuple] = set()
        self.seen_sessions: set[int] = set()
        self.seen_actions: set[int] = set()
        self.organisms: dict[str, Organism] = {}
        self.slugs: set[str] = set()

    # Batches and their narrowing ----------------------------------------------------------------------------------

    def write(self, units: list[FormationRecord]) -> None:
        """Writes a batch of valid records; what the database refuses is narrowed down and reported."""
        if not units:
            return
        try:
            with transaction.atomic():
                batch = self._write(units, timezone.now())
        except REFUSALS as error:
            if self.all_or_nothing:
                self.reject_unit(units[0], error) if len(units) == 1 else self.locate(units, error)
                raise Rejected() from error
            self.narrow(units, error)
        else:
            self.keep(batch)

    def locate(self, units, error) -> None:
        """For an all-or-nothing import: the first record the database refuses, to report it (then raise)."""
        for unit in units:
            try:
                with transaction.atomic():
                    self._write([unit], timezone.now())
                    raise _Probe()
            except _Probe:
                continue
            except REFUSALS as refusal:
                self.reject_unit(unit, refusal)
                return
        self.reject_unit(units[0], error)

    def narrow(self, units: list[FormationRecord], error) -> None:
        if len(units) > 1:
            for unit in units:
                self.write([unit])
            return
        unit = units[0]
        level, _ = rejection(error)
        if level == "formation":
            self.reject_unit(unit, error)
        elif len(unit.actions) > 1:
            for action in unit.actions:
                self.write([unit.narrowed([action])])
        elif level == "action" or len(unit.actions[0].sessions) == 1:
            self.reject_unit(unit, error)
        else:
            action = unit.actions[0]
            for session in action.sessions:
                self.write([unit.narrowed([action.narrowed([session])])])

    def reject_unit(self, unit: FormationRecord, error) -> None:
        """Reports what the database refused: the formation, its only action or its only session."""
        level, message = rejection(error)
        action = unit.actions[0] if len(unit.actions) == 1 else None
        session = action.sessions[0] if action is not None and len(action.sessions) == 1 else None
        if level == "formation" or action is None:
            record, kind, rejected = unit, "formation", unit.session_count()
        elif level == "action" or session is None:
            record, kind, rejected = action, "action", len(action.sessions)
        else:
            record, kind, rejected = session, "session", 1
        if len(self.report.problems) < MAX_PROBLEMS:
            self.report.problems.append(Problem(record.line, record.path, message, kind, record.numero))
        else:
            self.report.more_problems += 1
        self.report.counts[f"{kind}s"].rejected += 1
        self.report.sessions_rejected += rejected
        if self.on_rejected is not None:
            self.on_rejected(unit, action if kind != "formation" else None, session if kind == "session" else None)

    def keep(self, batch: Batch) -> None:
        for (kind, key), outcome in batch.outcomes.items():
            if (kind, key) in self.counted:
                continue
            self.counted.add((kind, key))
            counts = self.report.counts[kind]
            setattr(counts, outcome, getattr(counts, outcome) + 1)
        self.seen_sessions |= batch.sessions
        self.seen_actions |= batch.actions
        self.organisms.update(batch.organisms)

    # One batch ----------------------------------------------------------------------------------------------------

    def entry(self, batch: Batch, obj, organism, *, created: bool, changes: dict, label: str) -> None:
        batch.entries.append(
            audit_entry(
                actor=self.by,
                verb=AuditEntry.Verb.CREATE if created else AuditEntry.Verb.UPDATE,
                obj=obj,
                organism=organism,
                changes=changes,
                reason=self.reason,
                actor_label=self.actor_label,
                object_repr=label,
            )
        )

    def _write(self, units: list[FormationRecord], now: datetime) -> Batch:
        batch = Batch()
        organisms = self.write_organisms(units, batch)
        formations = self.write_formations(units, organisms, batch, now)
        actions = self.write_actions(units, formations, batch, now)
        places = self.write_places(units, actions, batch)
        self.write_sessions(units, formations, actions, places, batch, now)
        audit_records(batch.entries)
        if batch.texts:
            lexicon_add(batch.texts)
        return batch

    def write_organisms(self, units, batch: Batch) -> dict[str, Organism]:
        sirets = {unit.siret for unit in units}
        if self.scope is not None:
            return dict.fromkeys(sirets, self.scope)
        found = {siret: self.organisms[siret] for siret in sirets if siret in self.organisms}
        missing = sirets - set(found)
        if missing:
            found.update(
                (o.siret, o)
                for o in Organism.objects.filter(siret__in=missing).only("pk", "siret", "usual_name").order_by()
            )
        new = []
        for unit in units:
            if unit.siret in found:
                batch.outcome("organismes", (unit.siret,), created=False, changed=False)
                continue
            values = unit.organism  # a new organisation stays pending until the Region approves it
            commune = self.communes.find(values["insee"], values["postcode"], values.get("city", ""))
            slug = unique_slug(values["usual_name"] or values["legal_name"])
            while slug in self.slugs:
                slug = unique_slug(f"{slug}-{len(self.slugs)}")
            self.slugs.add(slug)
            organism = Organism(
                siret=unit.siret,
                nda=values["nda"],
                slug=slug,
                usual_name=values["usual_name"] or values["legal_name"],
                legal_name=values["legal_name"] or values["usual_name"],
                street=values["street"],
                postcode=values["postcode"] if re.fullmatch(r"[0-9]{5}", values["postcode"]) else "",
                commune_id=commune[0] if commune else None,
                email=values["email"],
                phone=values["phone"],
                website=values["website"],
                approval_state=Organism.ApprovalState.PENDING,
            )
            found[unit.siret] = organism
            new.append(organism)
            batch.outcome("organismes", (unit.siret,), created=True, changed=True)
        insert_many(Organism, new)
        for organism in new:
            self.entry(
                batch, organism, organism, created=True, changes=diff({}, snapshot(organism)), label=str(organism)
            )
        batch.organisms.update(found)
        return found

    def write_formations(self, units, organisms, batch: Batch, now) -> dict[tuple, Formation]:
        wanted = {(organisms[u.siret].pk, u.numero): u for u in units}
        existing = {
            (f.organism_id, f.external_id): f
            for f in Formation.objects.filter(
                organism_id__in={key[0] for key in wanted}, external_id__in={key[1] for key in wanted}
            ).order_by()
        }
        by_unit, new, changed, names, states = {}, [], [], set(), {}
        for key, unit in wanted.items():
            formation = existing.get(key)
            if formation is None:
                formation = Formation(organism_id=key[0], external_id=unit.numero, **unit.fields)
                new.append(formation)
                states[key] = (True, {})
            else:
                changes = {n: v for n, v in unit.fields.items() if getattr(formation, n) != v}
                if changes:
                    before = snapshot(formation)
                    for name, value in changes.items():
                        setattr(formation, name, value)
                    formation.updated_at = now
                    changed.append(formation)
                    names.update(changes)
                    states[key] = (False, diff(before, snapshot(formation)))
                else:
                    states[key] = (False, {})
            formation.organism = organisms[unit.siret]
            by_unit[(unit.siret, unit.numero)] = formation
        insert_many(Formation, new)
        if changed:
            Formation.objects.bulk_update(changed, [*sorted(names), "updated_at"])
        # ROME codes (many-to-many): compared as sets, rewritten where they differ.
        through = Formation.rome_codes.through
        current: dict[int, set[int]] = {}
        for formation_id, rome_id in through.objects.filter(
            formation_id__in=[f.pk for f in by_unit.values()]
        ).values_list("formation_id", "romecode_id"):
            current.setdefault(formation_id, set()).add(rome_id)
        removed, added = [], []
        for unit in units:
            formation = by_unit[(unit.siret, unit.numero)]
            key = (formation.organism_id, unit.numero)
            formation.job_titles = [self.rome_labels[self.rome[code]] for code in unit.rome]
            want = {self.rome[code] for code in unit.rome}
            have = current.get(formation.pk, set())
            if want != have:
                added.extend(through(formation_id=formation.pk, romecode_id=rome_id) for rome_id in sorted(want))
                created, changes = states[key]
                if not created:
                    removed.append(formation.pk)
                    labels = {pk: code for code, pk in self.rome.items()}
                    changes["rome_codes"] = [sorted(labels[pk] for pk in have), sorted(labels[pk] for pk in want)]
        if removed:
            through.objects.filter(formation_id__in=removed).delete()
        insert_many(through, added)
        for unit in units:
            formation = by_unit[(unit.siret, unit.numero)]
            created, changes = states[(formation.organism_id, unit.numero)]
            batch.outcome("formations", (unit.siret, unit.numero), created=created, changed=bool(changes))
            if created:
                changes = diff({}, snapshot(formation))
            if created or changes:
                self.entry(
                    batch, formation, formation.organism, created=created, changes=changes, label=formation.title
                )
            formation.document_changed = created or bool(changes)
        return by_unit

    def write_actions(self, units, formations, batch: Batch, now) -> dict[tuple, Action]:
        wanted = {}
        for unit in units:
            formation = formations[(unit.siret, unit.numero)]
            for record in unit.actions:
                wanted[(formation.pk, record.numero)] = (unit, formation, record)
        existing = {
            (a.formation_id, a.external_id): a
            for a in Action.objects.filter(
                formation_id__in={key[0] for key in wanted}, external_id__in={key[1] for key in wanted}
            ).order_by()
        }
        wanted_ids = {record.public_id for _, _, record in wanted.values() if record.public_id}
        taken = set(Action.objects.filter(public_id__in=wanted_ids).order_by().values_list("public_id", flat=True))
        by_key, new, changed, names, states = {}, [], [], set(), {}
        for key, (unit, formation, record) in wanted.items():
            action = existing.get(key)
            fields = dict(record.fields)
            if self.republish_actions:
                fields["is_published"] = True
            if action is None:
                action = Action(formation_id=formation.pk, external_id=record.numero, source=self.source, **fields)
                action.is_published = True
                if record.public_id and record.public_id not in taken:
                    action.public_id = record.public_id
                taken.add(action.public_id)
                new.append(action)
                changes = None
            else:
                changes = {n: v for n, v in fields.items() if getattr(action, n) != v}
                if changes:
                    before = snapshot(action)
                    for name, value in changes.items():
                        setattr(action, name, value)
                    changes = diff(before, snapshot(action))
                    names.update(changes)
            action.formation = formation
            document = (
                action_document(action, job_titles=formation.job_titles)
                if action.pk is None or changes or formation.document_changed
                else {}
            )
            if any(getattr(action, n) != v for n, v in document.items()):
                for name, value in document.items():
                    setattr(action, name, value)
                names.update(document)
                batch.texts.update(document.values())
                if action.pk is not None and action not in changed:
                    changed.append(action)
            if changes and action not in changed:
                changed.append(action)
            states[key] = changes
            by_key[(unit.siret, unit.numero, record.numero)] = action
        insert_many(Action, new)
        # Audiences and funders: compared as lists, rewritten where they differ.
        ids = [action.pk for action in by_key.values()]
        audiences: dict[int, list] = {}
        for action_id, code in ActionAudience.objects.filter(action_id__in=ids).values_list("action_id", "code"):
            audiences.setdefault(action_id, []).append(code)
        funders: dict[int, list] = {}
        for action_id, code, places in ActionFunder.objects.filter(action_id__in=ids).values_list(
            "action_id", "code", "funded_places"
        ):
            funders.setdefault(action_id, []).append((code, places))
        rewrite_audiences, rewrite_funders, new_audiences, new_funders = [], [], [], []
        for key, (unit, _, record) in wanted.items():
            action = by_key[(unit.siret, unit.numero, record.numero)]
            created = states[key] is None
            have_audiences, have_funders = sorted(audiences.get(action.pk, [])), sorted(funders.get(action.pk, []))
            if have_audiences != record.audiences:
                if not created:
                    rewrite_audiences.append(action.pk)
                new_audiences.extend(ActionAudience(action_id=action.pk, code=code) for code in record.audiences)
                if not created:
                    states[key]["audiences"] = [have_audiences, record.audiences]
            if have_funders != record.funders:
                if not created:
                    rewrite_funders.append(action.pk)
                new_funders.extend(
                    ActionFunder(action_id=action.pk, code=code, funded_places=places)
                    for code, places in record.funders
                )
                if not created:
                    states[key]["funders"] = [[c for c, _ in have_funders], [c for c, _ in record.funders]]
        if rewrite_audiences:
            ActionAudience.objects.filter(action_id__in=rewrite_audiences).delete()
        insert_many(ActionAudience, new_audiences)
        if rewrite_funders:
            ActionFunder.objects.filter(action_id__in=rewrite_funders).delete()
        insert_many(ActionFunder, new_funders)
        for key, (unit, formation, record) in wanted.items():
            action = by_key[(unit.siret, unit.numero, record.numero)]
            created, changes = states[key] is None, states[key] or {}
            if changes and action not in changed:
                changed.append(action)
            if changes:
                action.updated_at = now
            batch.outcome("actions", (unit.siret, unit.numero, record.numero), created=created, changed=bool(changes))
            batch.actions.add(action.pk)
            label = f"{formation.title} ({action.public_id})"
            if created:
                self.entry(
                    batch, action, formation.organism, created=True, changes=diff({}, snapshot(action)), label=label
                )
            elif changes:
                self.entry(batch, action, formation.organism, created=False, changes=changes, label=label)
        if changed:
            Action.objects.bulk_update(changed, sorted(names | {"updated_at"}))
        return by_key

    def write_places(self, units, actions, batch: Batch) -> dict[tuple, int]:
        """Training places, matched on commune and street: (action key, position in the record) -> place id."""
        records = [(unit, record) for unit in units for record in unit.actions]
        current: dict[int, dict[tuple, TrainingPlace]] = {}
        for place in TrainingPlace.objects.filter(action_id__in=[a.pk for a in actions.values()]).order_by():
            current.setdefault(place.action_id, {})[(place.commune_id, place.street)] = place
        new, changed, positions = [], [], {}
        for unit, record in records:
            action = actions[(unit.siret, unit.numero, record.numero)]
            for n, wanted in enumerate(record.places):
                place = current.get(action.pk, {}).get(wanted.key)
                values = {
                    "name": wanted.name,
                    "postcode": wanted.postcode,
                    "latitude": wanted.latitude,
                    "longitude": wanted.longitude,
                }
                if place is None:
                    place = TrainingPlace(
                        action_id=action.pk, street=wanted.street, commune_id=wanted.commune_id, **values
                    )
                    current.setdefault(action.pk, {})[wanted.key] = place
                    new.append((place, action))
                elif any(getattr(place, name) != value for name, value in values.items()):
                    for name, value in values.items():
                        setattr(place, name, value)
                    changed.append(place)
                positions[(unit.siret, unit.numero, record.numero, n)] = place
        insert_many(TrainingPlace, [place for place, _ in new])
        if changed:
            TrainingPlace.objects.bulk_update(changed, ["name", "postcode", "latitude", "longitude"])
        for place, action in new:
            label = f"{place.street}, {place.postcode}"
            self.entry(
                batch, place, action.formation.organism, created=True, changes=diff({}, snapshot(place)), label=label
            )
        return {key: place.pk for key, place in positions.items()}

    def write_sessions(self, units, formations, actions, places, batch: Batch, now) -> None:
        wanted = {}
        for unit in units:
            for record in unit.actions:
                action = actions[(unit.siret, unit.numero, record.numero)]
                for session in record.sessions:
                    wanted[(action.pk, session.numero)] = (unit, record, action, session)
        existing = {
            (s.action_id, s.external_id): s
            for s in TrainingSession.objects.filter(
                action_id__in={key[0] for key in wanted}, external_id__in={key[1] for key in wanted}
            ).order_by()
        }
        wanted_ids = {s.public_id for _, _, _, s in wanted.values() if s.public_id}
        taken = set(
            TrainingSession.objects.filter(public_id__in=wanted_ids).order_by().values_list("public_id", flat=True)
        )
        new, changed, names = [], [], set()
        for key, (unit, record, action, wanted_session) in wanted.items():
            fields = dict(wanted_session.fields)
            fields["place_id"] = (
                places[(unit.siret, unit.numero, record.numero, wanted_session.place)]
                if wanted_session.place is not None
                else None
            )
            session = existing.get(key)
            organism = action.formation.organism
            if session is None:
                session = TrainingSession(
                    action_id=action.pk,
                    external_id=wanted_session.numero,
                    source=self.source,
                    confirmed_at=wanted_session.confirmed_at or now,
                    **fields,
                )
                if wanted_session.public_id and wanted_session.public_id not in taken:
                    session.public_id = wanted_session.public_id
                taken.add(session.public_id)
                new.append((session, action, wanted_session))
                created, changes = True, {}
            else:
                changes = {n: v for n, v in fields.items() if getattr(session, n) != v}
                created = False
                if changes:
                    before = snapshot(session)
                    for name, value in changes.items():
                        setattr(session, name, value)
                    session.confirmed_at = session.updated_at = now
                    changes = diff(before, snapshot(session))
                    names.update(name for name in changes if name != "confirmed_at")
                    changed.append(session)
                    self.entry(batch, session, organism, created=False, changes=changes, label=_label(action, session))
                batch.sessions.add(session.pk)
            batch.outcome(
                "sessions", (unit.siret, unit.numero, record.numero, wanted_session.numero), created, bool(changes)
            )
        insert_many(TrainingSession, [session for session, _, _ in new])
        for session, action, _ in new:
            batch.sessions.add(session.pk)
            self.entry(
                batch,
                session,
                action.formation.organism,
                created=True,
                changes=diff({}, snapshot(session)),
                label=_label(action, session),
            )
        if changed:
            TrainingSession.objects.bulk_update(changed, sorted(names | {"confirmed_at", "updated_at"}))

    # Archiving ------------------------------------------------------------------------------------------------------

    def archive(self, *, kept: Callable[[tuple], bool]) -> None:
        """Unpublishes the records of this import's scope that the file no longer has: with a source, its actions
        and current sessions; without one, the current sessions of the file's organisations that are theirs (no
        source). `kept(key)` says whether a record the file has but rejected keeps its last written version."""
        today = timezone.localdate()
        if self.source:
            sessions = TrainingSession.objects.filter(source=self.source, is_published=True)
            actions = Action.objects.filter(source=self.source, is_published=True)
        else:
            organisms = [self.scope] if self.scope is not None else list(self.organisms.values())
            sessions = TrainingSession.objects.filter(
                action__formation__organism__in=organisms,
                action__is_published=True,
                is_published=True,
                source="",
            )
            actions = Action.objects.none()
        now = timezone.now()
        entries = []
        for model, queryset, seen, kind, columns in (
            (
                TrainingSession,
                sessions.not_ended(today),
                self.seen_sessions,
                "sessions",
                (
                    "action__formation__organism__siret",
                    "action__formation__external_id",
                    "action__external_id",
                    "external_id",
                ),
            ),
            (
                Action,
                actions,
                self.seen_actions,
                "actions",
                ("formation__organism__siret", "formation__external_id", "external_id"),
            ),
        ):
            ids = [
                row[0]
                for row in queryset.values_list("pk", *columns).iterator(chunk_size=5000)
                if row[0] not in seen and not kept(tuple(row[1:]))
            ]
            for start in range(0, len(ids), 1000):
                chunk = ids[start : start + 1000]
                model.objects.filter(pk__in=chunk).update(is_published=False, updated_at=now)
                for obj in model.objects.filter(pk__in=chunk).select_related(
                    "action__formation__organism" if model is TrainingSession else "formation__organism"
                ):
                    formation = obj.action.formation if model is TrainingSession else obj.formation
                    entries.append(
                        audit_entry(
                            actor=self.by,
                            verb=AuditEntry.Verb.UPDATE,
                            obj=obj,
                            organism=formation.organism,
                            changes={"is_published": [True, False]},
                            reason=f"{self.reason} : absente du fichier, archivée",
                            actor_label=self.actor_label,
                            object_repr=formation.title,
                        )
                    )
            self.report.counts[kind].archived += len(ids)
        audit_records(entries)


class _Probe(Exception):
    """Rolls back a trial write."""


def _label(action: Action, session: TrainingSession) -> str:
    start = session.start_date.strftime("%d/%m/%Y") if session.start_date else "date à venir"
    return f"{action.formation.title} · {start}"
