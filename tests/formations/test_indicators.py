"""The trainings' figures for the annual report, from known data."""

import datetime
from decimal import Decimal

import pytest

from formations import indicators
from formations.models import Session
from occe.core.indicators import registry
from occe.core.models import SchoolYear

from .factories import (
    AttendanceFactory,
    RegistrationFactory,
    SessionFactory,
    StaffTrainingFactory,
    TrainingFactory,
)

pytestmark = pytest.mark.django_db


def session_on(training, day: datetime.date, status=Session.Status.TENUE, parts=1, **kwargs):
    session = SessionFactory(training=training, status=status, parts=parts, **kwargs)
    for n, part in enumerate(session.parts.order_by("pk")):
        part.date = day + datetime.timedelta(days=30 * n)
        part.save()
    return session


@pytest.fixture
def year():
    return SchoolYear.objects.get_or_create(start_year=2024)[0]


@pytest.fixture
def department(year):
    """THEA: one session of 2 parts (4 h + 5 h), 3 teachers (one missed the second day);
    mandataires: 2 sessions held (2 h), one cancelled, one the year before."""
    thea = TrainingFactory(title="THEA", audience="enseignants", hours=Decimal("9"))
    session = session_on(thea, datetime.date(2024, 11, 13), parts=2)
    first, second = session.parts.order_by("date")
    first.end_time = datetime.time(13)
    first.save()
    second.start_time, second.end_time = datetime.time(9), datetime.time(14)
    second.save()
    for n in range(3):
        registration = RegistrationFactory(session=session)
        AttendanceFactory(registration=registration, part=first)
        AttendanceFactory(registration=registration, part=second, present=n < 2)
    mandataires = TrainingFactory(title="Nouveaux mandataires", audience="nouveaux_mandataires")
    teacher = RegistrationFactory().user
    for day in (datetime.date(2024, 9, 20), datetime.date(2024, 10, 8)):
        held = session_on(mandataires, day)
        held.parts.update(end_time=datetime.time(11))
        AttendanceFactory(registration__session=held, registration__user=teacher)
        AttendanceFactory(registration__session=held)
    session_on(mandataires, datetime.date(2024, 10, 15), status=Session.Status.ANNULEE)
    before = session_on(mandataires, datetime.date(2024, 6, 3))
    AttendanceFactory(registration__session=before)
    StaffTrainingFactory(date=datetime.date(2024, 11, 20), participants=3, hours=Decimal("14"))
    StaffTrainingFactory(date=datetime.date(2025, 1, 15), participants=2, hours=Decimal("12"))
    return {"thea": thea, "mandataires": mandataires}


def test_per_training_figures(year, department):
    assert indicators.sessions_held(year) == {"thea": 1, "nouveaux_mandataires": 2}
    assert indicators.sessions_cancelled(year) == {"thea": 0, "nouveaux_mandataires": 1}
    # Distinct people present: the teacher of both mandataires sessions counts once.
    assert indicators.participants(year) == {"thea": 3, "nouveaux_mandataires": 3}
    # THEA: 3 × 4 h + 2 × 5 h; mandataires: 4 presences × 2 h.
    assert indicators.hours(year) == {
        "thea": Decimal("22.00"),
        "nouveaux_mandataires": Decimal("8.00"),
    }
    assert indicators.duration(year)["thea"] == Decimal("9")


def test_per_audience_totals_and_staff_figures(year, department):
    assert indicators.sessions_by_audience(year) == {"enseignants": 1, "nouveaux_mandataires": 2}
    assert indicators.participants_by_audience(year)["nouveaux_mandataires"] == 3
    assert indicators.total_sessions_held(year) == 3
    assert indicators.total_sessions_cancelled(year) == 1
    assert indicators.total_participants(year) == 6
    assert indicators.total_hours(year) == Decimal("30.00")
    assert indicators.staff_trainings(year) == 2
    assert indicators.staff_participants(year) == 5
    assert indicators.staff_hours(year) == Decimal("66.00")


def test_a_year_without_data_is_not_zero(year):
    assert indicators.sessions_held(year) is None
    assert indicators.participants(year) is None
    assert indicators.total_participants(year) is None
    assert indicators.staff_trainings(year) is None
    assert indicators.staff_hours(year) is None


def test_the_keys_reach_the_report_registry(year, department, django_assert_max_num_queries):
    figures = {}
    with django_assert_max_num_queries(40):
        for key, item in registry().items():
            if key.startswith("formations"):
                figures |= item.compute(year)
    assert figures["formations.thea.sessions"] == 1
    assert figures["formations.thea.participants"] == 3
    assert figures["formations.thea.heures"] == Decimal("22.00")
    assert figures["formations.nouveaux_mandataires.sessions_annulees"] == 1
    assert figures["formations.publics.enseignants.participants"] == 3
    assert figures["formations_equipe.nombre"] == 2
    assert all(key == key.lower() and key.isascii() for key in figures)
