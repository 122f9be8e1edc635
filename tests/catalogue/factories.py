import factory
from factory.django import DjangoModelFactory

from catalogue.choices import Audience, Axis, Funder, RemoteKind, TeachingMode
from catalogue.models import (
    Action,
    ActionAudience,
    ActionFunder,
    ActionLabel,
    Commune,
    Department,
    Formation,
    Programme,
    RomeCode,
    TrainingPlace,
)
from catalogue.search.text import simplify
from catalogue.services import search_documents_refresh
from tests.organisms.factories import OrganismFactory


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    code = "94"
    name = "Val-de-Marne"
    region_code = "11"


class CommuneFactory(DjangoModelFactory):
    """Créteil by default, with its real centre; pass other codes and coordinates for other places."""

    class Meta:
        model = Commune
        django_get_or_create = ["code"]

    code = "94028"
    name = "Créteil"
    search_name = factory.LazyAttribute(lambda commune: simplify(commune.name))
    department = factory.SubFactory(DepartmentFactory)
    postcodes = "94000"
    population = 93000
    latitude = 48.7838
    longitude = 2.4545


class RomeCodeFactory(DjangoModelFactory):
    class Meta:
        model = RomeCode
        django_get_or_create = ["code"]

    code = "M1855"
    label = "Développeur / Développeuse web"


class FormationFactory(DjangoModelFactory):
    class Meta:
        model = Formation

    organism = factory.SubFactory(OrganismFactory)
    title = "Développeur web et web mobile"
    objectives = "Concevoir des sites web accessibles."
    content = "HTML, CSS, JavaScript, bases de données."

    class Params:
        certifying = factory.Trait(is_certifying=True, certification_code="RNCP37674")


class ActionFactory(DjangoModelFactory):
    """A published on-site action; traits give the programme axes."""

    class Meta:
        model = Action
        skip_postgeneration_save = True

    formation = factory.SubFactory(FormationFactory)
    is_published = True
    teaching_mode = TeachingMode.ON_SITE
    hours_centre = 400
    hours_company = 0
    hours_total = 400

    class Params:
        blended = factory.Trait(axis=Axis.BLENDED, teaching_mode=TeachingMode.BLENDED)
        remote = factory.Trait(axis=Axis.REMOTE, teaching_mode=TeachingMode.REMOTE, remote_kind=RemoteKind.SPOC)
        pro_english = factory.Trait(
            axis=Axis.PRO_ENGLISH, teaching_mode=TeachingMode.REMOTE, english_sector="logistique"
        )
        draft = factory.Trait(is_published=False)

    @factory.post_generation
    def documents(obj, create, extracted, **kwargs):
        """Writes the search documents, as every write path of the portal does."""
        if create:
            search_documents_refresh(action_ids=[obj.pk])


class ActionAudienceFactory(DjangoModelFactory):
    class Meta:
        model = ActionAudience

    action = factory.SubFactory(ActionFactory)
    code = Audience.JOBSEEKER


class ActionFunderFactory(DjangoModelFactory):
    class Meta:
        model = ActionFunder

    action = factory.SubFactory(ActionFactory)
    code = Funder.REGION
    funded_places = 12


class TrainingPlaceFactory(DjangoModelFactory):
    class Meta:
        model = TrainingPlace

    action = factory.SubFactory(ActionFactory)
    street = "1 rue Pasteur"
    postcode = "94000"
    commune = factory.SubFactory(CommuneFactory)
    latitude = factory.SelfAttribute("commune.latitude")
    longitude = factory.SelfAttribute("commune.longitude")


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ["slug"]

    slug = "deuxieme-chance-numerique-idf"
    name = "2ème chance numérique Île-de-France"


class ActionLabelFactory(DjangoModelFactory):
    class Meta:
        model = ActionLabel

    action = factory.SubFactory(ActionFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    state = ActionLabel.State.REQUESTED

    class Params:
        granted = factory.Trait(
            state=ActionLabel.State.GRANTED,
            valid_from=factory.Faker("past_date", start_date="-300d"),
        )
