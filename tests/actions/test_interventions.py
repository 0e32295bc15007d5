"""Interventions: an intervenant is never booked twice at overlapping times (checked in a
locked transaction, and refused by PostgreSQL itself, also under concurrency); the calendar
page and the .ics file."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from icalendar import Calendar

from actions import services
from actions.models import ClassRegistration, Intervenant, Intervention
from tests.accounts.factories import UserFactory

from .factories import (
    ClassRegistrationFactory,
    IntervenantFactory,
    InterventionFactory,
    at,
    in_days,
)
from .processes import race_processes

pytestmark = pytest.mark.django_db
DAY = in_days(7)


def planned(registration, intervenant, start, end, **kwargs) -> Intervention:
    return Intervention(
        edition=registration.edition,
        registration=registration,
        cooperative=registration.cooperative,
        intervenant=intervenant,
        starts_at=at(DAY, *start),
        ends_at=at(DAY, *end),
        **kwargs,
    )


def test_an_overlapping_intervention_is_refused_in_french(client):
    first = InterventionFactory(starts_at=at(DAY, 9), ends_at=at(DAY, 11))
    other_class = ClassRegistrationFactory(edition=first.edition)
    client.force_login(UserFactory(animation=True))
    url = reverse("actions:intervention_create", args=[first.edition.pk])
    data = {
        "registration": other_class.pk,
        "intervenant": first.intervenant.pk,
        "date": DAY.isoformat(),
        "start_time": "10:30",
        "end_time": "12:00",
        "subject": "Bruitage",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "intervient déjà de" in response.content.decode()
    assert Intervention.objects.count() == 1

    # Back to back is fine: the first ends at 11:00.
    response = client.post(url, data | {"start_time": "11:00"})
    assert response.status_code == 302
    assert Intervention.objects.count() == 2


def test_a_cancelled_intervention_frees_the_slot():
    first = InterventionFactory(starts_at=at(DAY, 9), ends_at=at(DAY, 11))
    services.set_intervention_status(first, Intervention.Status.ANNULEE)
    second = planned(first.registration, first.intervenant, (9,), (11,))
    services.save_intervention(second)
    # Restoring the cancelled one would now double-book: refused.
    with pytest.raises(services.ActionError, match="intervient déjà"):
        services.set_intervention_status(first, Intervention.Status.PLANIFIEE)


def _plan(registration_id, intervenant_id, start, end):
    """A process's planning: the intervention's pk, or the French refusal."""

    def target():
        registration = ClassRegistration.objects.get(pk=registration_id)
        intervenant = Intervenant.objects.get(pk=intervenant_id)
        try:
            return services.save_intervention(planned(registration, intervenant, start, end)).pk
        except services.ActionError as error:
            return str(error)

    return target


@pytest.mark.django_db(transaction=True)
def test_two_plannings_of_one_intervenant_at_once_exactly_one_wins():
    """Two processes (two workers) plan the same intervenant on overlapping times at the same
    moment: one is saved, the other is told why in French; a third, on another intervenant's
    time, is not held up."""
    registration = ClassRegistrationFactory()
    intervenant, other = IntervenantFactory(), IntervenantFactory()
    results = race_processes(
        [
            _plan(registration.pk, intervenant.pk, (9,), (11,)),
            _plan(registration.pk, intervenant.pk, (10,), (12,)),
            _plan(registration.pk, intervenant.pk, (10, 30), (11, 30)),
            _plan(registration.pk, other.pk, (10,), (12,)),
        ]
    )
    mine = results[:3]
    assert sum(isinstance(r, int) for r in mine) == 1, results
    assert sum(isinstance(r, str) and "intervient déjà" in r for r in mine) == 2, results
    assert isinstance(results[3], int), results
    assert Intervention.objects.filter(intervenant=intervenant).count() == 1
    assert Intervention.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no exclusion constraint: the locked check is proven by the race above",
)
def test_postgresql_refuses_overlaps_even_without_the_check(monkeypatch):
    """The check is skipped (monkeypatched before the processes fork, so in each of them):
    the exclusion constraint alone refuses the loser, turned into the same French message."""
    registration = ClassRegistrationFactory()
    intervenant = IntervenantFactory()
    monkeypatch.setattr(Intervention.objects.__class__, "overlapping", lambda self, *a: self.none())
    results = race_processes(
        [
            _plan(registration.pk, intervenant.pk, (9,), (11,)),
            _plan(registration.pk, intervenant.pk, (10,), (12,)),
        ]
    )
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert sum(isinstance(r, str) and "intervient déjà" in r for r in results) == 1, results
    assert Intervention.objects.count() == 1
    with (
        pytest.raises(IntegrityError, match="intervention_no_double_booking"),
        transaction.atomic(),
    ):
        planned(registration, intervenant, (10,), (10, 30)).save()


def test_an_intervention_outside_actions_has_a_theme(client):
    intervenant = IntervenantFactory()
    registration = ClassRegistrationFactory()
    client.force_login(UserFactory(animation=True))
    response = client.post(
        reverse("actions:intervention_create_other"),
        {
            "theme": "Jeux coopératifs",
            "cooperative": registration.cooperative.pk,
            "intervenant": intervenant.pk,
            "date": DAY.isoformat(),
            "start_time": "14:00",
            "end_time": "15:30",
        },
    )
    assert response.status_code == 302
    intervention = Intervention.objects.get()
    assert intervention.edition is None and intervention.theme == "Jeux coopératifs"
    assert intervention.cooperative == registration.cooperative


def test_the_class_page_lists_its_interventions_and_staff_mark_them_held(client):
    intervention = InterventionFactory(subject="Trucage")
    teacher = intervention.registration.teacher
    client.force_login(teacher)
    page = client.get(reverse("actions:registration_detail", args=[intervention.registration_id]))
    assert "Trucage" in page.content.decode()
    client.force_login(UserFactory(animation=True))
    client.post(
        reverse("actions:intervention_status", args=[intervention.pk]), {"status": "realisee"}
    )
    intervention.refresh_from_db()
    assert intervention.status == Intervention.Status.REALISEE


def test_calendar_page_and_ics(client):
    intervention = InterventionFactory(
        starts_at=at(DAY, 9), ends_at=at(DAY, 11), subject="Story-board"
    )
    cancelled = InterventionFactory(
        intervenant=intervention.intervenant,
        starts_at=at(DAY, 9),
        ends_at=at(DAY, 11),
        status=Intervention.Status.ANNULEE,
    )
    client.force_login(UserFactory(administrateur=True))
    page = client.get(
        reverse("actions:interventions"),
        {"mois": DAY.strftime("%Y-%m"), "intervenant": intervention.intervenant.pk},
    )
    assert page.status_code == 200
    assert intervention.cooperative.name in page.content.decode()

    response = client.get(reverse("actions:intervenant_ics", args=[intervention.intervenant.pk]))
    assert response["Content-Type"] == "text/calendar"
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 2
    by_uid = {str(e["uid"]): e for e in events}
    event = by_uid[f"intervention-{intervention.pk}@{_domain()}"]
    assert event.decoded("dtstart") == intervention.starts_at
    assert event.decoded("dtend") - event.decoded("dtstart") == datetime.timedelta(hours=2)
    assert "Story-board" in str(event["summary"])
    assert str(by_uid[f"intervention-{cancelled.pk}@{_domain()}"]["status"]) == "CANCELLED"


def _domain() -> str:
    from urllib.parse import urlsplit

    from django.conf import settings

    return urlsplit(settings.SITE_URL).hostname or "occe.local"
