"""Registrations: seats, waiting list, promotion, deadline, cancellation of a session."""

import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import RequestFactory

from formations import services, tasks
from formations.models import Registration, Session
from formations.navigation import home_cards
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory

from .factories import RegistrationFactory, SessionFactory, in_days

pytestmark = pytest.mark.usefixtures("association")


def register(session, user=None, by=None):
    user = user or UserFactory()
    return services.register(session.pk, user, CooperativeFactory(), by=by or user)


def test_past_capacity_people_go_to_the_waiting_list(django_capture_on_commit_callbacks):
    session = SessionFactory(capacity=2)
    with django_capture_on_commit_callbacks(execute=True):
        first, second, third = (register(session) for _ in range(3))
    assert [r.status for r in (first, second, third)] == ["confirmed", "confirmed", "waiting"]
    session.refresh_from_db()
    assert session.status == Session.Status.COMPLETE
    # Confirmations only for the two confirmed people, each with the calendar file.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.user.email, second.user.email])
    assert all(m.attachments[0][0] == "formation.ics" for m in mail.outbox)


def test_a_cancellation_promotes_the_first_waiting_person_and_tells_them(
    django_capture_on_commit_callbacks,
):
    session = SessionFactory(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        seated = register(session)
        first_waiting = register(session)
        second_waiting = register(session)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        promoted = services.cancel_registration(seated.pk)

    assert promoted == [first_waiting]
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == "confirmed" and first_waiting.promoted_at
    assert second_waiting.status == "waiting"
    assert [m.to for m in mail.outbox] == [[first_waiting.user.email]]
    assert "Une place s'est libérée" in mail.outbox[0].body
    session.refresh_from_db()
    assert session.status == Session.Status.COMPLETE


def test_a_cancellation_without_waiting_list_reopens_the_session():
    session = SessionFactory(capacity=1)
    seated = register(session)
    services.cancel_registration(seated.pk)
    session.refresh_from_db()
    assert session.status == Session.Status.OUVERTE
    assert services.cancel_registration(seated.pk) == []  # twice: nothing more happens


def test_more_places_move_the_waiting_list_up():
    session = SessionFactory(capacity=1)
    register(session)
    waiting = register(session)
    Session.objects.filter(pk=session.pk).update(capacity=2)
    assert services.session_saved(session.pk) == [waiting]


def test_one_registration_per_person_and_session():
    session = SessionFactory()
    teacher = UserFactory()
    register(session, teacher)
    with pytest.raises(services.RegistrationError, match="déjà inscrit"):
        register(session, teacher)


def test_after_the_deadline_only_staff_can_register_someone():
    session = SessionFactory(registration_deadline=in_days(-1))
    with pytest.raises(services.RegistrationError, match="closes"):
        register(session)
    registration = register(session, by=UserFactory(animation=True))
    assert registration.status == "confirmed"


def test_a_cancelled_session_takes_nobody():
    session = SessionFactory(status=Session.Status.ANNULEE)
    with pytest.raises(services.RegistrationError):
        register(session, by=UserFactory(secretariat=True))


@pytest.mark.django_db(transaction=True)
def test_capacity_holds_under_concurrent_registrations():
    """Ten teachers register at once for five seats. On PostgreSQL the threads really run in
    parallel and the session's row lock serialises them; SQLite serialises writers (the loop
    retries "database is locked"). Either way: five seats, five on the waiting list."""
    from occe.core.models import Association

    Association.get()
    session = SessionFactory(capacity=5)
    teachers = [UserFactory() for _ in range(10)]
    coop = CooperativeFactory()
    barrier = threading.Barrier(len(teachers))
    errors = []

    def worker(teacher):
        try:
            barrier.wait(timeout=10)
            for attempt in range(40):
                try:
                    services.register(session.pk, teacher, coop, by=teacher)
                    return
                except Exception as exc:
                    if connection.vendor == "postgresql" or "locked" not in str(exc):
                        raise
                    threading.Event().wait(0.05 * (attempt + 1))
            raise AssertionError("verrou SQLite jamais obtenu")
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(t,)) for t in teachers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    statuses = list(Registration.objects.filter(session=session).values_list("status", flat=True))
    assert statuses.count("confirmed") == 5
    assert statuses.count("waiting") == 5
    assert Session.objects.get(pk=session.pk).status == Session.Status.COMPLETE


def test_sessions_below_their_minimum_after_the_deadline_are_proposed_not_cancelled():
    animator = UserFactory(animation=True)
    short = SessionFactory(minimum=5, registration_deadline=in_days(-1))
    RegistrationFactory.create_batch(2, session=short)
    empty = SessionFactory(minimum=3, registration_deadline=in_days(-1))
    enough = SessionFactory(minimum=2, registration_deadline=in_days(-1))
    RegistrationFactory.create_batch(2, session=enough)
    still_open = SessionFactory(minimum=5, registration_deadline=in_days(3))
    started = SessionFactory(minimum=5, registration_deadline=in_days(-10))
    started.parts.update(date=in_days(-1))

    proposed = set(Session.objects.proposed_for_cancellation())

    assert proposed == {short, empty}
    assert still_open not in proposed and started not in proposed
    assert Session.objects.get(pk=short.pk).status == Session.Status.OUVERTE  # not automatic
    request = RequestFactory().get("/")
    request.user = animator
    card = {card.label: card for card in home_cards(request)}["Sessions sous le minimum d'inscrits"]
    assert card.value == 2 and card.url.endswith("?proposees=true")
    request.user = UserFactory()  # a teacher: their registrations only
    assert [card.label for card in home_cards(request)] == ["Mes inscriptions aux formations"]


def test_cancelling_a_session_tells_each_registrant_once_with_reason_and_other_sessions(
    django_capture_on_commit_callbacks,
):
    session = SessionFactory(capacity=1)
    other = SessionFactory(training=session.training)
    seated = RegistrationFactory(session=session)
    waiting = RegistrationFactory(session=session, status="waiting")
    RegistrationFactory(session=session, status="cancelled")

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_session(session.pk, "Nombre d'inscrits insuffisant.")

    assert sorted(m.to[0] for m in mail.outbox) == sorted([seated.user.email, waiting.user.email])
    body = mail.outbox[0].body
    assert "Motif : Nombre d'inscrits insuffisant." in body
    other_date = other.parts.get().date
    from occe.core.formats import date_fr

    assert date_fr(other_date) in body
    assert tasks.send_session_cancellation(session.pk) == 0  # a second run sends nothing
    assert len(mail.outbox) == 2
    with pytest.raises(services.RegistrationError):
        services.cancel_session(session.pk, "encore")


def test_reminders_go_two_days_before_once():
    soon = SessionFactory()
    soon.parts.update(date=in_days(2))
    later = SessionFactory()
    today = RegistrationFactory(session=soon)
    RegistrationFactory(session=soon, status="waiting")
    RegistrationFactory(session=later)

    assert list(tasks.reminders_due()) == [today]
    assert tasks.send_due_reminders() == 1
    assert [m.to for m in mail.outbox] == [[today.user.email]]
    assert "Rappel" in mail.outbox[0].body
    assert tasks.send_due_reminders() == 0
    assert tasks.send_reminder(today.pk) is False
    assert len(mail.outbox) == 1


def test_reminders_are_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["formations-reminders"]
    assert entry["task"] == "formations.tasks.send_due_reminders"
    assert tasks.send_due_reminders.name == entry["task"]


def test_a_failed_send_is_not_recorded_so_the_retry_sends_it(monkeypatch):
    registration = RegistrationFactory()
    from django.core.mail import EmailMessage

    def broken(self, *args, **kwargs):
        raise OSError("serveur injoignable")

    monkeypatch.setattr(EmailMessage, "send", broken)
    with pytest.raises(OSError):
        tasks._send_once(
            registration.pk,
            "reminder_sent_at",
            lambda r, a: EmailMessage("x", "y", None, [r.user.email]),
        )
    registration.refresh_from_db()
    assert registration.reminder_sent_at is None
