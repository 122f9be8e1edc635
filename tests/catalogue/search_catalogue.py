"""A small varied catalogue and a stream of random writes of every kind, through every write path (model saves,
queryset updates, bulk creation, plain SQL, deletions), for the tests of the index kept up to date."""

import random
from datetime import timedelta

import numpy as np
from django.db import connection
from django.utils import timezone

from catalogue.choices import Audience, Funder, RecruitmentState, TeachingMode
from catalogue.models import Action, ActionAudience, ActionFunder, ActionLabel, Formation, TrainingPlace
from catalogue.rules import NOT_GRANTED
from catalogue.search.index import Columns
from organisms.models import Organism
from sessions.models import TrainingSession
from tests.catalogue.factories import (
    ActionFactory,
    ActionLabelFactory,
    CommuneFactory,
    DepartmentFactory,
    ProgrammeFactory,
    TrainingPlaceFactory,
)
from tests.organisms.factories import OrganismFactory
from tests.sessions.factories import TrainingSessionFactory

PLACES = (
    ("94028", "Créteil", "94", 48.7838, 2.4545),
    ("93066", "Saint-Denis", "93", 48.9362, 2.3574),
    ("77284", "Meaux", "77", 48.9601, 2.8788),
    ("75115", "Paris 15e Arrondissement", "75", 48.8401, 2.2931),
)


def communes():
    return [
        CommuneFactory(
            code=code,
            name=name,
            department=DepartmentFactory(code=department, name=f"Département {department}"),
            latitude=latitude,
            longitude=longitude,
        )
        for code, name, department, latitude, longitude in PLACES
    ]


def varied_catalogue(rng: random.Random, *, actions: int = 24) -> None:
    """Actions of every axis, with audiences, funders, labels, on-site places in four departments, and sessions
    past, ongoing, upcoming, undated, full or closed."""
    places = communes()
    organisms = [OrganismFactory() for _ in range(3)]
    programmes = [ProgrammeFactory(), ProgrammeFactory(slug="grande-ecole-du-numerique", name="GEN")]
    for n in range(actions):
        kind = n % 4
        traits = [{}, {"blended": True}, {"remote": True}, {"pro_english": True}][kind]
        action = ActionFactory(
            formation__organism=rng.choice(organisms),
            formation__title=f"Formation {n}",
            hours_total=rng.choice((35, 70, 140, 400)),
            hours_centre=None,
            free_for_jobseekers=rng.random() < 0.5,
            **traits,
        )
        for code in rng.sample(list(Audience.values), k=rng.randint(0, 3)):
            ActionAudience.objects.create(action=action, code=code)
        for code in rng.sample([Funder.REGION, Funder.FRANCE_TRAVAIL, Funder.OPCO], k=rng.randint(0, 2)):
            ActionFunder.objects.create(action=action, code=code)
        if rng.random() < 0.3:
            ActionLabelFactory(action=action, programme=rng.choice(programmes), granted=True)
        place = None
        if action.teaching_mode != TeachingMode.REMOTE:
            place = TrainingPlaceFactory(action=action, commune=rng.choice(places))
        for _ in range(rng.randint(1, 4)):
            new_session(rng, action, place)


def new_session(rng: random.Random, action: Action, place: TrainingPlace | None) -> TrainingSession:
    today = timezone.localdate()
    start = None if rng.random() < 0.1 else today + timedelta(days=rng.randint(-60, 200))
    return TrainingSessionFactory(
        action=action,
        start_date=start,
        end_date=None if start is None else start + timedelta(days=rng.randint(0, 120)),
        rolling_entry=rng.random() < 0.2,
        places_left=rng.choice((None, 0, 3, 12)),
        recruitment_state=rng.choice((RecruitmentState.OPEN, RecruitmentState.OPEN, RecruitmentState.CLOSED)),
        is_remote=place is None,
        place=place,
    )


WRITE_KINDS = 16


def random_write(rng: random.Random, kind: int | None = None) -> str:
    """One write, of a kind (else chosen at random) through its path; returns what it did."""
    today = timezone.localdate()
    sessions = list(TrainingSession.objects.order_by("pk").values_list("pk", flat=True))
    actions = list(Action.objects.order_by("pk"))
    session_id = rng.choice(sessions)
    action = rng.choice(actions)
    kind = rng.randrange(WRITE_KINDS) if kind is None else kind
    if kind == 0:
        session = TrainingSession.objects.get(pk=session_id)
        session.places_left = rng.choice((None, 0, 1, 9))
        session.recruitment_state = rng.choice(RecruitmentState.values)
        session.save()
        return "session places and recruitment (save)"
    if kind == 1:
        start = today + timedelta(days=rng.randint(-40, 90))
        TrainingSession.objects.filter(pk=session_id).update(
            start_date=start, end_date=start + timedelta(days=30), registration_opens=None, registration_closes=None
        )
        return "session dates (queryset update)"
    if kind == 2:
        TrainingSession.objects.filter(pk=session_id).update(is_published=rng.random() < 0.5)
        return "session publication"
    if kind == 3:
        place = action.training_places.first()
        new_session(rng, action, place)
        return "new session"
    if kind == 4:
        TrainingSession.objects.filter(pk=session_id).delete()
        return "session deleted"
    if kind == 5:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Action._meta.db_table} SET is_published = NOT is_published WHERE id = %s", [action.pk]
            )
        return "action publication (plain SQL)"
    if kind == 6:
        code = rng.choice(Audience.values)
        if not ActionAudience.objects.filter(action=action, code=code).delete()[0]:
            ActionAudience.objects.create(action=action, code=code)
        return "audience added or removed"
    if kind == 7:
        code = rng.choice([Funder.REGION, Funder.FRANCE_TRAVAIL, Funder.AGEFIPH])
        if not ActionFunder.objects.filter(action=action, code=code).delete()[0]:
            ActionFunder.objects.create(action=action, code=code)
        return "funder added or removed"
    if kind == 8:
        label = ActionLabel.objects.filter(action=action).first()
        if label is None:
            ActionLabelFactory(action=action, programme=ProgrammeFactory(), granted=True)
        else:
            ActionLabel.objects.filter(pk=label.pk).update(
                state=rng.choice([ActionLabel.State.GRANTED, ActionLabel.State.WITHDRAWN]),
                valid_from=today - timedelta(days=10),
                valid_until=today + timedelta(days=rng.choice((-1, 100))),
            )
        return "label granted or withdrawn"
    if kind == 9:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TrainingPlace._meta.db_table} SET latitude = latitude + %s WHERE action_id = %s",
                [rng.uniform(-0.2, 0.2), action.pk],
            )
        return "place moved (plain SQL)"
    if kind == 10:
        certifying = rng.random() < 0.5
        Formation.objects.filter(pk=action.formation_id).update(
            is_certifying=certifying,
            certification_code="RNCP37674" if certifying else "",
            entry_level=rng.choice((0, 3, 14, 16)),
        )
        return "formation certification and level"
    if kind == 11:
        organism = rng.choice(list(Organism.objects.all()))
        state = rng.choice([Organism.ApprovalState.APPROVED, Organism.ApprovalState.SUSPENDED])
        Organism.objects.filter(pk=organism.pk).update(approval_state=state)
        return "organisation approval"
    if kind == 12:
        chosen = rng.sample(sessions, k=min(len(sessions), 15))
        TrainingSession.objects.filter(pk__in=chosen).update(places_left=rng.choice((0, 4)))
        return "fifteen sessions at once"
    if kind == 13:
        new = ActionFactory(formation__organism=action.formation.organism, formation__title="Nouvelle", remote=True)
        TrainingSession.objects.bulk_create([new_session_row(rng, new) for _ in range(3)])
        return "new action, sessions in bulk"
    if kind == 14:
        Action.objects.filter(pk=action.pk).update(hours_total=rng.choice((None, 35, 800)), hours_centre=None)
        return "action hours"
    session = TrainingSession.objects.get(pk=session_id)
    place = session.action.training_places.first()
    if place is not None:
        session.is_remote = not session.is_remote
        session.place = None if session.is_remote else place
        session.save()
    return "session on site or remote"


def new_session_row(rng: random.Random, action: Action) -> TrainingSession:
    start = timezone.localdate() + timedelta(days=rng.randint(1, 100))
    return TrainingSession(
        action=action, is_published=True, start_date=start, end_date=start + timedelta(days=20), is_remote=True
    )


SESSION_VALUES = ("start", "end", "rolling", "recruiting", "opens", "closes", "places_left", "remote", "department")
ACTION_VALUES = ("axis", "mode", "audiences", "funders", "free", "cpf", "certifying", "level", "hours", "organism")


def contents(c: Columns) -> tuple[dict, dict]:
    """What the index says of each live session and action, by id, whatever the rows' order."""
    sessions = {}
    for row in np.flatnonzero(c.live).tolist():
        values = tuple(getattr(c, name)[row].item() for name in SESSION_VALUES)
        place = tuple(None if np.isnan(v) else round(float(v), 9) for v in (c.latitude[row], c.longitude[row]))
        action = int(c.action_id[c.session_action[row]])
        sessions[int(c.session_id[row])] = (*values, *place, action, int(c.confirmed[row]))
    actions = {}
    for row in np.flatnonzero(c.action_live).tolist():
        labels = {
            (programme, int(c.label_from[row, n]), int(c.label_until[row, n]))
            for n, programme in enumerate(c.label_programmes)
            if c.label_from[row, n] != NOT_GRANTED
        }
        actions[int(c.action_id[row])] = (*(getattr(c, name)[row].item() for name in ACTION_VALUES), labels)
    return sessions, actions
