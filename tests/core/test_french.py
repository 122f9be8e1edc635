"""Plain French: a date shaped right but absent from the calendar is said plainly, in forms and imports alike;
zero and one take the singular."""

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse

from core.dates import DateField, impossible_date_message
from core.french import counted
from tests.catalogue.factories import ActionFactory, FormationFactory
from tests.sessions.factories import TrainingSessionFactory


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2027", "Le 31/02/2027 n'existe pas."),
        ("2027-02-31", "Le 31/02/2027 n'existe pas."),
        ("29/02/2027", "Le 29/02/2027 n'existe pas."),
        ("31/4/27", "Le 31/04/2027 n'existe pas."),
        ("12/13/2027", "Le 12/13/2027 n'existe pas."),
        ("29/02/2028", None),  # a leap year
        ("demain", None),  # not shaped as a date: the general message applies
        ("", None),
    ],
)
def test_impossible_dates(text, message):
    assert impossible_date_message(text) == message


def test_date_field_messages():
    field = DateField()
    with pytest.raises(ValidationError) as impossible:
        field.clean("2027-02-31")
    assert impossible.value.messages == ["Le 31/02/2027 n'existe pas."]
    with pytest.raises(ValidationError) as shapeless:
        field.clean("bientôt")
    assert shapeless.value.messages == ["Saisissez une date valide, au format JJ/MM/AAAA."]


@pytest.mark.django_db
def test_session_form_says_the_day_does_not_exist(client, member_a, organism_a):
    client.force_login(member_a)
    session = TrainingSessionFactory(action=ActionFactory(formation=FormationFactory(organism=organism_a)))
    response = client.post(
        reverse("backoffice:session_edit", args=[session.public_id]),
        {"start_date": "2027-02-31", "end_date": "", "recruitment_state": "1", "is_remote": "on"},
    )
    assert "Le 31/02/2027 n&#x27;existe pas." in response.content.decode()


@pytest.mark.parametrize(("count", "text"), [(0, "0 session créée"), (1, "1 session créée"), (2, "2 sessions créées")])
def test_french_counts_are_singular_for_zero_and_one(count, text):
    assert counted(count, "session créée", "sessions créées") == text
    template = Template('{% load french %}{{ n }} session{{ n|pluriel }}, {{ n }} journ{{ n|pluriel:"al,aux" }}')
    several = count >= 2
    assert template.render(Context({"n": count})) == (
        f"{count} session{'s' if several else ''}, {count} journ{'aux' if several else 'al'}"
    )
