"""Factories of the grants: sessions, applications in each state (traits), payments,
Trousse à projets pay-backs, insurance claims."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from finances.models import (
    BudgetLine,
    GrantApplication,
    GrantPayment,
    GrantSession,
    InsuranceClaim,
    TroussePayback,
)
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory

DAY = datetime.timedelta(days=1)


class GrantSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GrantSession

    kind = "aap"
    title = factory.Sequence(lambda n: f"Commission AAP n° {n}")
    date = factory.LazyFunction(lambda: timezone.localdate() + 30 * DAY)
    deadline = factory.LazyFunction(lambda: timezone.localdate() + 10 * DAY)
    envelope = Decimal("5000")

    class Params:
        review = factory.Trait(status=GrantSession.Status.REVIEW)


class GrantApplicationFactory(factory.django.DjangoModelFactory):
    """A balanced application: 300 € of expenses, 100 € of the coop's own money, 200 € asked."""

    class Meta:
        model = GrantApplication
        skip_postgeneration_save = True

    session = factory.SubFactory(GrantSessionFactory)
    cooperative = factory.SubFactory(CooperativeFactory)
    requested_by = factory.SubFactory(UserFactory, mandataire=True)
    kind = factory.SelfAttribute("session.kind")
    title = factory.Sequence(lambda n: f"Projet jardin n° {n}")
    description = "Un jardin potager dans la cour, entretenu par les élèves."
    classes = 2
    pupils = 48
    amount_requested = Decimal("200")

    class Params:
        submitted = factory.Trait(
            status=GrantApplication.Status.SUBMITTED,
            submitted_at=factory.LazyFunction(timezone.now),
        )
        review = factory.Trait(
            status=GrantApplication.Status.REVIEW,
            submitted_at=factory.LazyFunction(timezone.now),
            session=factory.SubFactory(GrantSessionFactory, review=True),
        )
        granted = factory.Trait(
            status=GrantApplication.Status.GRANTED,
            granted_amount=Decimal("150"),
            submitted_at=factory.LazyFunction(timezone.now),
            decided_at=factory.LazyFunction(timezone.now),
            session=factory.SubFactory(GrantSessionFactory, status=GrantSession.Status.DECIDED),
        )

    @factory.post_generation
    def budget(self, create, extracted, **kwargs):
        if not create:
            return
        lines = (
            extracted
            if extracted is not None
            else [
                ("depense", "Graines et outils", Decimal("300")),
                ("recette", "Fonds propres de la coopérative", Decimal("100")),
            ]
        )
        BudgetLine.objects.bulk_create(
            [BudgetLine(application=self, side=s, label=label, amount=a) for s, label, a in lines]
        )


class GrantPaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GrantPayment

    application = factory.SubFactory(GrantApplicationFactory, granted=True)
    date = factory.LazyFunction(timezone.localdate)
    amount = Decimal("50")
    reference = factory.Sequence(lambda n: f"VIR-{n:05d}")
    recorded_by = factory.SubFactory(UserFactory, secretariat=True)


class TroussePaybackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TroussePayback

    cooperative = factory.SubFactory(CooperativeFactory)
    title = factory.Sequence(lambda n: f"Classe découverte n° {n}")
    collected = Decimal("1500")
    fees = Decimal("60")
    paid_back = Decimal("1440")
    date = factory.LazyFunction(timezone.localdate)


class InsuranceClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsuranceClaim

    cooperative = factory.SubFactory(CooperativeFactory)
    event_date = factory.LazyFunction(timezone.localdate)
    nature = InsuranceClaim.Nature.BRIS
    amount_claimed = Decimal("320")
