import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalogue.models import Action
from organisms.models import Organism
from organisms.validators import validate_siret
from tests.catalogue.factories import ActionFactory
from tests.organisms.factories import OrganismFactory, valid_siret


def test_valid_siret_passes():
    validate_siret(valid_siret(12345678))
    validate_siret("73282932000074")  # a real public SIRET


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("7328293200007", "Le SIRET doit comporter exactement 14 chiffres."),
        ("7328293200007A", "Le SIRET doit comporter exactement 14 chiffres."),
        ("73282932000075", "Ce SIRET n'est pas valide : vérifiez les chiffres saisis."),
    ],
)
def test_invalid_siret_is_refused_in_french(value, message):
    with pytest.raises(ValidationError) as error:
        validate_siret(value)
    assert error.value.messages == [message]


@pytest.mark.django_db
def test_one_organism_per_siret():
    organism = OrganismFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganismFactory(siret=organism.siret)


@pytest.mark.django_db
def test_nda_shape_is_enforced_by_the_database():
    assert OrganismFactory(nda="112A1234567").pk  # Corsica
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganismFactory(nda="1175555557")


@pytest.mark.django_db
def test_full_clean_reports_the_checksum():
    organism = OrganismFactory.build(siret="73282932000075")
    with pytest.raises(ValidationError) as error:
        organism.full_clean()
    assert error.value.message_dict["siret"] == ["Ce SIRET n'est pas valide : vérifiez les chiffres saisis."]


@pytest.mark.django_db
def test_only_approved_organisms_publish():
    for state in Organism.ApprovalState:
        ActionFactory(formation__organism=OrganismFactory(approval_state=state))

    published = Action.objects.published()
    assert [a.formation.organism.approval_state for a in published] == [Organism.ApprovalState.APPROVED]
    assert Organism.objects.approved().count() == 1
