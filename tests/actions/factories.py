import datetime

import factory
from django.utils import timezone

from actions.models import (
    Action,
    BudgetLine,
    ClassRegistration,
    Edition,
    Intervenant,
    Intervention,
    Round,
)
from occe.core.models import SchoolYear
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action
        django_get_or_create = ["title"]

    title = factory.Sequence(lambda n: f"Action {n}")


class EditionFactory(factory.django.DjangoModelFactory):
    """This year's edition, registrations open, 8 classes with interventions."""

    class Meta:
        model = Edition

    action = factory.SubFactory(ActionFactory)
    school_year = factory.LazyFunction(SchoolYear.objects.current)
    mode = Edition.Mode.EN_CLASSE
    levels = factory.LazyFunction(lambda: ["CE2", "CM1", "CM2"])
    registration_opens = factory.LazyFunction(lambda: in_days(-10))
    registration_closes = factory.LazyFunction(lambda: in_days(20))
    capacity = 8
    interventions_per_class = 7


class ClassRegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassRegistration

    edition = factory.SubFactory(EditionFactory)
    cooperative = factory.SubFactory(CooperativeFactory)
    teacher = factory.SubFactory(UserFactory)
    registered_by = factory.SelfAttribute("teacher")
    class_name = factory.Sequence(lambda n: f"CM1 {n}")
    levels = factory.LazyFunction(lambda: ["CM1"])
    pupils = 24


class IntervenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intervenant

    name = factory.Sequence(lambda n: f"Intervenant {n}")
    kind = Intervenant.Kind.ANIMATEUR


class InterventionFactory(factory.django.DjangoModelFactory):
    """An intervention in a registered class, in a week, 9h–11h."""

    class Meta:
        model = Intervention

    registration = factory.SubFactory(ClassRegistrationFactory)
    edition = factory.SelfAttribute("registration.edition")
    cooperative = factory.SelfAttribute("registration.cooperative")
    intervenant = factory.SubFactory(IntervenantFactory)
    starts_at = factory.LazyFunction(lambda: at(in_days(7), 9))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    subject = "Story-board"


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    edition = factory.SubFactory(EditionFactory)
    kind = BudgetLine.Kind.DEPENSE
    category = BudgetLine.Category.HONORAIRES
    label = "Cachets des comédiens"
    amount = 1000


class RoundFactory(factory.django.DjangoModelFactory):
    """An open round for cycle 3."""

    class Meta:
        model = Round

    edition = factory.SubFactory(EditionFactory, mode="a_distance")
    cycle = 3
    number = factory.Sequence(lambda n: n % 10 + 1)
    challenges = "Défi 1 : combien de carrés dans un échiquier ?"
    opens_on = factory.LazyFunction(lambda: in_days(-3))
    closes_on = factory.LazyFunction(lambda: in_days(10))
