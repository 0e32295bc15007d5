import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from finances.models import DonationLine, DonationRequest, DonorType, PaymentMethod
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory


def recent(days: int = 30) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


class DonationRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DonationRequest

    cooperative = factory.SubFactory(CooperativeFactory)
    created_by = factory.SubFactory(UserFactory, mandataire=True)
    certified = True

    class Params:
        submitted = factory.Trait(
            status=DonationRequest.Status.SUBMITTED,
            submitted_at=factory.LazyFunction(timezone.now),
        )


class DonationLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DonationLine

    request = factory.SubFactory(DonationRequestFactory)
    position = factory.Sequence(int)
    donor_type = DonorType.PARTICULIER
    last_name = factory.Sequence(lambda n: f"Durand{n}")
    first_name = "Claire"
    address = "3 rue des Lilas"
    postal_code = "92000"
    city = "Nanterre"
    country = "France"
    amount = Decimal("150.00")
    date = factory.LazyFunction(recent)
    payment_method = PaymentMethod.CHEQUE

    class Params:
        company = factory.Trait(
            donor_type=DonorType.ENTREPRISE,
            last_name="",
            first_name="",
            company_name=factory.Sequence(lambda n: f"Boulangerie Martin {n}"),
            legal_form="SARL",
            siren="552081317",
            payment_method=PaymentMethod.VIREMENT,
        )


def submitted_request(lines: int = 2, **kwargs) -> DonationRequest:
    request = DonationRequestFactory(submitted=True, **kwargs)
    for _ in range(lines):
        DonationLineFactory(request=request)
    return request
