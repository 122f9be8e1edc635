import factory
from django.utils import timezone
from factory.django import DjangoModelFactory
from stdnum import luhn

from organisms.models import Invitation, Membership, Organism
from tests.accounts.factories import UserFactory


def valid_siret(n: int) -> str:
    """The n-th SIRET with a valid checksum (SIREN and SIRET Luhn digits)."""
    siren = f"{n:08d}"
    siren += luhn.calc_check_digit(siren)
    body = f"{siren}0001"
    return body + luhn.calc_check_digit(body)


class OrganismFactory(DjangoModelFactory):
    """An approved organisation by default; `pending` and `suspended` traits."""

    class Meta:
        model = Organism

    siret = factory.Sequence(lambda n: valid_siret(10_000_000 + n))
    nda = factory.Sequence(lambda n: f"1194{n:07d}")
    slug = factory.Sequence(lambda n: f"organisme-{n}")
    usual_name = factory.Sequence(lambda n: f"Organisme {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.usual_name} SAS")
    approval_state = Organism.ApprovalState.APPROVED

    class Params:
        pending = factory.Trait(approval_state=Organism.ApprovalState.PENDING)
        suspended = factory.Trait(approval_state=Organism.ApprovalState.SUSPENDED)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory, kind="organism_member")
    organism = factory.SubFactory(OrganismFactory)
    role = Membership.Role.ADMIN


class InvitationFactory(DjangoModelFactory):
    """A pending invitation, sent now by an administrator of its organisation."""

    class Meta:
        model = Invitation

    organism = factory.SubFactory(OrganismFactory)
    email = factory.Sequence(lambda n: f"invitee-{n}@example.org")
    invited_by = factory.LazyAttribute(
        lambda o: MembershipFactory(organism=o.organism, role=Membership.Role.ADMIN).user
    )
    sent_at = factory.LazyFunction(timezone.now)
