import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from formations.models import (
    Attendance,
    Audience,
    Registration,
    Session,
    SessionPart,
    StaffTraining,
    Theme,
    Training,
)
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ["name"]

    name = "Gestion de l'argent"


class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Training

    title = factory.Sequence(lambda n: f"Gérer l'argent de la coopérative {n}")
    theme = factory.SubFactory(ThemeFactory)
    audience = Audience.MANDATAIRES
    hours = Decimal("2")
    trainer = "Karim Benhamou"


class SessionFactory(factory.django.DjangoModelFactory):
    """A session of one part in three weeks (`parts=n` for more, one week apart)."""

    class Meta:
        model = Session
        skip_postgeneration_save = True

    training = factory.SubFactory(TrainingFactory)
    capacity = 20
    minimum = 0
    registration_deadline = factory.LazyFunction(lambda: in_days(14))

    @factory.post_generation
    def parts(self, create, extracted, **kwargs):
        if not create:
            return
        for n in range(extracted if extracted is not None else 1):
            SessionPart.objects.create(
                session=self,
                date=in_days(21 + 7 * n),
                start_time=datetime.time(9, 0),
                end_time=datetime.time(12, 0),
                place="Locaux de l'OCCE, Nanterre",
            )


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(SessionFactory)
    user = factory.SubFactory(UserFactory)
    cooperative = factory.SubFactory(CooperativeFactory)
    status = Registration.Status.CONFIRMED
    registered_by = factory.SelfAttribute("user")


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    registration = factory.SubFactory(RegistrationFactory)
    part = factory.LazyAttribute(lambda o: o.registration.session.parts.first())
    present = True
    recorded_by = factory.SubFactory(UserFactory, animation=True, totp=False)


class StaffTrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffTraining

    title = "Sauveteur secouriste au travail"
    organisation = "KEREA – Efficience santé au travail"
    date = factory.LazyFunction(timezone.localdate)
    audience = StaffTraining.Audience.SALARIES
    participants = 3
    hours = Decimal("14")


def held_session(present: int = 2, absent: int = 1, **kwargs) -> Session:
    """A session that took place (first part last week), with attendance recorded."""
    session = SessionFactory(
        registration_deadline=in_days(-14), status=Session.Status.TENUE, **kwargs
    )
    session.parts.update(date=in_days(-7))
    for n in range(present + absent):
        AttendanceFactory(registration__session=session, present=n < present)
    return session
