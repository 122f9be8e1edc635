from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalogue.admin import FormationAdminForm
from catalogue.choices import Axis, TeachingMode
from catalogue.models import Action, Formation
from tests.catalogue.factories import (
    ActionAudienceFactory,
    ActionFactory,
    ActionLabelFactory,
    CommuneFactory,
    FormationFactory,
    RomeCodeFactory,
)

pytestmark = pytest.mark.django_db


def refused(**action_fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionFactory(**action_fields)


def test_each_axis_with_its_teaching_mode():
    assert ActionFactory(blended=True).axis == Axis.BLENDED
    assert ActionFactory(remote=True).remote_kind == "spoc"
    assert ActionFactory(pro_english=True).english_sector == "logistique"


def test_axis_and_teaching_mode_must_agree():
    refused(axis=Axis.BLENDED, teaching_mode=TeachingMode.ON_SITE)
    refused(axis=Axis.REMOTE, teaching_mode=TeachingMode.BLENDED, remote_kind="spoc")
    refused(axis=Axis.PRO_ENGLISH, teaching_mode=TeachingMode.ON_SITE, english_sector="tourisme")


def test_remote_axis_needs_its_kind_and_only_it():
    refused(axis=Axis.REMOTE, teaching_mode=TeachingMode.REMOTE, remote_kind="")
    refused(remote_kind="spoc")


def test_english_axis_needs_a_sector_and_only_it():
    refused(axis=Axis.PRO_ENGLISH, teaching_mode=TeachingMode.REMOTE, english_sector="")
    refused(english_sector="tourisme")


def test_price_and_hours():
    refused(price=Decimal("-1"))
    refused(hours_total=100, hours_centre=150)
    refused(hours_total=100, hours_company=101)
    assert ActionFactory(hours_total=None, hours_centre=500).pk


def test_constraint_messages_are_in_french():
    action = ActionFactory.build(formation=FormationFactory(), axis=Axis.BLENDED, teaching_mode=TeachingMode.ON_SITE)
    with pytest.raises(ValidationError) as error:
        action.full_clean()
    assert "L'axe « formation hybride » suppose une modalité mixte." in str(error.value)


def test_certification_code_shape_and_only_when_certifying():
    assert FormationFactory(certifying=True).certification_code == "RNCP37674"
    with pytest.raises(IntegrityError), transaction.atomic():
        FormationFactory(is_certifying=True, certification_code="ABC12")
    with pytest.raises(IntegrityError), transaction.atomic():
        FormationFactory(is_certifying=False, certification_code="RS5519")


def test_nsf_code_shape():
    assert FormationFactory(nsf_code="326t").pk
    with pytest.raises(IntegrityError), transaction.atomic():
        FormationFactory(nsf_code="32")


def test_one_audience_code_once_per_action():
    audience = ActionAudienceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionAudienceFactory(action=audience.action, code=audience.code)


def test_granted_label_needs_a_start_and_ordered_dates(organism_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionLabelFactory(state="granted", valid_from=None)
    label = ActionLabelFactory(granted=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionLabelFactory(action=label.action, programme=label.programme)


def test_rome_and_commune_code_shapes():
    with pytest.raises(IntegrityError), transaction.atomic():
        RomeCodeFactory(code="M185")
    with pytest.raises(IntegrityError), transaction.atomic():
        CommuneFactory(code="9402")
    assert CommuneFactory(code="2A004", name="Ajaccio", latitude=41.93, longitude=8.74).pk


def test_at_most_five_rome_codes_in_the_admin_form():
    formation = FormationFactory()
    codes = [RomeCodeFactory(code=f"M18{n:02d}", label=f"Métier {n}") for n in range(6)]
    data = {
        "organism": formation.organism.pk,
        "title": "Intitulé",
        "objectives": "Objectifs",
        "content": "Contenu",
        "entry_level": 0,
        "exit_level": 0,
        "rome_codes": [code.pk for code in codes],
    }
    form = FormationAdminForm(data=data, instance=formation)
    assert not form.is_valid()
    assert form.errors["rome_codes"] == ["Une formation porte 5 codes ROME au plus (6 choisis)."]
    data["rome_codes"] = data["rome_codes"][:5]
    assert FormationAdminForm(data=data, instance=formation).is_valid()


def test_public_ids_are_not_sequential():
    first, second = ActionFactory(), ActionFactory()
    assert len(first.public_id) == 10
    assert first.public_id != second.public_id
    assert not first.public_id.isdigit()
    assert Action.objects.published().count() == 2
    assert Formation.objects.count() == 2
