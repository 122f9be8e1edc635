"""Relevance of the text search (issue 13, ADR 0013): ROME codes typed, synonyms region staff edit, whole words
before prefixes, corrections shown with their accents."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.groups import ADMINISTRATOR, VIEWER
from catalogue.models import Action, SearchSynonym
from catalogue.search.engine import Query, search
from catalogue.search.text import accented_corrections, forget_synonyms, synonyms_from_rows
from tests.accounts.factories import UserFactory
from tests.catalogue.factories import ActionFactory, RomeCodeFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_synonyms():
    """Each test reads the synonym list of its own database."""
    forget_synonyms()
    yield
    forget_synonyms()


def action(title, **fields):
    created = ActionFactory(formation__title=title, **fields)
    TrainingSessionFactory(action=created)
    return created


def titles(q: str) -> list[str]:
    """Titles of the first page, in the order shown."""
    outcome = search(Query(q=q), today=timezone.localdate())
    by_id = dict(
        Action.objects.filter(pk__in=[h.action_id for h in outcome.hits]).values_list("pk", "formation__title")
    )
    return [by_id[hit.action_id] for hit in outcome.hits]


def test_a_rome_code_typed_finds_the_trainings_of_its_formations():
    coded = action("Concepteur d'applications", formation__content="Projets en équipe.")
    coded.formation.rome_codes.add(RomeCodeFactory(code="M1861", label="Intégrateur / Intégratrice web"))
    action("Assistant comptable")
    assert titles("M1861") == ["Concepteur d'applications"]
    assert titles("m1861") == ["Concepteur d'applications"]  # as typed, in any case
    assert titles("M1861 projets") == ["Concepteur d'applications"]  # with other words: all of them
    assert titles("M1861 comptable") == []
    assert titles("M1805") == []  # a code no training has


def test_synonyms_find_the_words_trainings_use():
    action("Bureautique et outils collaboratifs", formation__content="Traitement de texte et tableur.")
    action("Développeur web")
    # The list seeded by the migration: "excel" and "word" are office software.
    assert SearchSynonym.objects.filter(word="excel").exists()
    assert titles("excel") == ["Bureautique et outils collaboratifs"]
    assert titles("word") == ["Bureautique et outils collaboratifs"]
    outcome = search(Query(q="excel"), today=timezone.localdate())
    assert outcome.text.synonyms == {"excel": ["tableur", "bureautique"]}  # said on the page


def test_a_synonym_edited_by_staff_is_used_once_read_again():
    action("Cybersécurité des PME")
    assert titles("pirate") == []
    SearchSynonym.objects.create(word="Pirate", equivalents="cybersécurité\nsécurité informatique")
    forget_synonyms()  # a process reads the list again after SEARCH_SYNONYMS_SECONDS
    assert titles("pirate") == ["Cybersécurité des PME"]


def test_synonym_rows_are_folded_and_one_word():
    synonyms = synonyms_from_rows(
        [("Excel", "Tableur\n\nBureautique\ntableur"), ("deux mots", "ignoré"), ("seul", "seul")]
    )
    assert synonyms.equivalents == {"excel": ("tableur", "bureautique"), "seul": ()}


@pytest.mark.postgresql
def test_a_short_word_finds_whole_words_first():
    action("Gîtes ruraux et accueil touristique", formation__content="Gestion d'un gîte.")
    action("Développeur web", formation__content="Gestion de versions avec Git ; tests.")
    found = titles("git")
    assert found[0] == "Développeur web"  # the word itself before words that merely start with it


def test_a_correction_is_shown_as_the_trainings_spell_it():
    action("Développeur web")
    outcome = search(Query(q="developeur"), today=timezone.localdate())
    assert outcome.text.corrections == {"developeur": ["developpeur"]}  # the lexicon holds folded words
    shown = accented_corrections(outcome.text, [hit.action_id for hit in outcome.hits])
    assert shown == {"developeur": ["développeur"]}


def test_the_page_shows_corrections_with_accents_and_synonyms(client):
    action("Développeur web")
    html = client.get("/formations/", {"q": "developeur"}).content.decode()
    assert "« developeur » → développeur" in html
    action("Bureautique", formation__content="Tableur.")
    html = client.get("/formations/", {"q": "excel"}).content.decode()
    assert "« excel » → tableur, bureautique" in html


def test_region_administrators_edit_the_synonyms_in_the_admin(client):
    administrator = UserFactory(region_agent=True, email="admin@region.example.org")
    administrator.groups.add(Group.objects.get(name=ADMINISTRATOR))
    viewer = UserFactory(region_agent=True, email="viewer@region.example.org")
    viewer.groups.add(Group.objects.get(name=VIEWER))
    client.force_login(viewer)
    assert client.get("/admin/catalogue/searchsynonym/").status_code == 403
    client.force_login(administrator)
    assert client.get("/admin/catalogue/searchsynonym/").status_code == 200
    response = client.post(
        "/admin/catalogue/searchsynonym/add/", {"word": "tableau", "equivalents": "tableur\nbureautique"}
    )
    assert response.status_code == 302
    assert SearchSynonym.objects.get(word="tableau").equivalents == "tableur\nbureautique"
    response = client.post("/admin/catalogue/searchsynonym/add/", {"word": "deux mots", "equivalents": "x"})
    assert "Le mot tapé est un seul mot, sans espace." in response.content.decode()
