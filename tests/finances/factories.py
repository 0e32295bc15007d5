import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from finances import services
from finances.models import DonationLine, DonationRequest, DonorType, PaymentMethod, Receipt
from finances.tasks import render_batch
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


class ReceiptFactory(factory.Factory):
    """A receipt issued through the services, as staff issue it: a submitted request of `gifts`
    gifts validated by `issued_by` (numbered, issuer frozen, lines linked, history written).

    Keyword arguments other than the declarations below are the gifts' fields, e.g.
    `ReceiptFactory(amount=Decimal("30"), request__cooperative=coop)`; `gifts=2,
    last_name="Roux", request__group_by_donor=True` gives one summary receipt. The PDF is
    rendered only with `rendered=True` (tasks queued on commit never run inside a test's
    transaction). Returns the first receipt of the request; `issued(receipt)` lists them all.
    Needs the association's issuer settings (the `association` fixture).
    """

    class Meta:
        model = Receipt

    request = factory.SubFactory(DonationRequestFactory, submitted=True)
    issued_by = factory.SubFactory(UserFactory, secretariat=True)
    gifts = 1
    rendered = False

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("Un reçu n'existe qu'émis : utilisez ReceiptFactory().")

    @classmethod
    def _create(cls, model_class, request, issued_by, gifts, rendered, **line_fields):
        for _ in range(gifts):
            DonationLineFactory(request=request, **line_fields)
        try:
            receipts = services.validate(request.pk, issued_by)
        except services.WorkflowError as exc:
            problems = services.line_problems(request)
            raise services.WorkflowError(f"{exc} {list(problems.values())}") from exc
        if rendered:
            render_batch([receipt.pk for receipt in receipts])
        return Receipt.objects.get(pk=receipts[0].pk)


def issued(receipt: Receipt) -> list[Receipt]:
    """Every receipt issued with this one (the same request), in numbering order."""
    return list(Receipt.objects.filter(request_id=receipt.request_id).order_by("sequence"))
