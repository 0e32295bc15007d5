import datetime
from decimal import Decimal

import factory

from cooperatives.models import (
    AccompanimentEntry,
    Affiliation,
    Circonscription,
    Cooperative,
    FeePayment,
    Mandate,
    uai_check_letter,
)
from occe.core.models import SchoolYear
from tests.accounts.factories import UserFactory


def make_uai(n: int) -> str:
    digits = f"{(920000 + n) % 10_000_000:07d}"
    return digits + uai_check_letter(digits)


class CirconscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Circonscription
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Circonscription {n}")
    ien = factory.Faker("name", locale="fr_FR")


class CooperativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cooperative

    number = factory.Sequence(lambda n: f"92{n:04d}")
    uai = factory.Sequence(make_uai)
    name = factory.Sequence(lambda n: f"École Jules Ferry {n}")
    type = Cooperative.Type.ELEMENTAIRE
    address = "1 rue de l'École"
    postal_code = "92000"
    commune = "Nanterre"
    circonscription = factory.SubFactory(CirconscriptionFactory)


class MandateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mandate

    cooperative = factory.SubFactory(CooperativeFactory)
    user = factory.SubFactory(UserFactory, mandataire=True)
    start_date = datetime.date(2020, 9, 1)


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation
        skip_postgeneration_save = True

    cooperative = factory.SubFactory(CooperativeFactory)
    school_year = factory.LazyFunction(SchoolYear.objects.current)
    classes = 8
    pupils = 200
    adults = 12

    class Params:
        submitted = factory.Trait(status=Affiliation.Status.SUBMITTED)
        validated = factory.Trait(
            status=Affiliation.Status.VALIDATED,
            validated_at=factory.LazyFunction(
                lambda: datetime.datetime(2025, 10, 1, tzinfo=datetime.UTC)
            ),
        )

    @factory.post_generation
    def fees(self, create, extracted, **kwargs):
        self.compute_fee()
        if create:
            self.save()


class AccompanimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccompanimentEntry

    cooperative = factory.SubFactory(CooperativeFactory)
    channel = AccompanimentEntry.Channel.TELEPHONE
    topic = AccompanimentEntry.Topic.BANQUE
    staff = factory.SubFactory(UserFactory, secretariat=True)


class FeePaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeePayment

    affiliation = factory.SubFactory(AffiliationFactory, validated=True)
    date = factory.LazyFunction(datetime.date.today)
    method = FeePayment.Method.CHEQUE
    amount = Decimal("5.00")
    recorded_by = factory.SubFactory(UserFactory, secretariat=True)
