"""Factories of the CRFS and the controls (issue 8)."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from finances.models import Control, ControlAction, Crfs
from occe.core.models import SchoolYear
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory


def last_year() -> SchoolYear:
    return SchoolYear.objects.current().previous()


class CrfsFactory(factory.django.DjangoModelFactory):
    """A balanced CRFS, books and bank agreeing, with quitus: no flag. Traits: `submitted`,
    `accepted`."""

    class Meta:
        model = Crfs

    cooperative = factory.SubFactory(CooperativeFactory)
    school_year = factory.LazyFunction(last_year)
    format = Crfs.Format.ONLINE
    opening_balance = Decimal("1500.00")
    income_total = Decimal("4200.50")
    expense_total = Decimal("3900.25")
    closing_balance = Decimal("1800.25")
    bank_balance = Decimal("1850.25")
    pending_amount = Decimal("50.00")
    approval_date = factory.LazyAttribute(
        lambda o: o.school_year.end_date + datetime.timedelta(days=20)
    )
    verifier1_name = "Paul Martin"
    verifier1_quality = "enseignant"
    verifier2_name = "Léa Bernard"
    verifier2_quality = "parent d'élève"
    quitus = True
    quitus_date = factory.LazyAttribute(lambda o: o.approval_date)

    class Params:
        submitted = factory.Trait(
            status=Crfs.Status.SUBMITTED, submitted_at=factory.LazyFunction(timezone.now)
        )
        accepted = factory.Trait(
            status=Crfs.Status.ACCEPTED,
            submitted_at=factory.LazyFunction(timezone.now),
            decided_at=factory.LazyFunction(timezone.now),
        )


class ControlFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Control
        skip_postgeneration_save = True

    cooperative = factory.SubFactory(CooperativeFactory)
    school_year = factory.LazyFunction(last_year)
    reason_paper = True
    created_by = factory.SubFactory(UserFactory, administrateur=True)

    @factory.post_generation
    def assigned(self, create, extracted, **kwargs):
        if create:
            self.assigned.set(extracted or [self.created_by])


class ControlActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ControlAction

    control = factory.SubFactory(ControlFactory)
    description = "Tenir le cahier de comptabilité à jour"
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
