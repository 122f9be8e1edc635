import factory
from factory.django import DjangoModelFactory

from accounts.models import User

PASSWORD = "mot-de-passe-de-test-2026"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@example.org")
    first_name = "Camille"
    last_name = "Martin"
    kind = User.Kind.JOBSEEKER
    password = factory.django.Password(PASSWORD)

    class Params:
        adviser = factory.Trait(kind=User.Kind.ADVISER)
        region_agent = factory.Trait(kind=User.Kind.REGION_AGENT, is_staff=True)
