"""Overdue loans: the daily task e-mails the borrower the day after the end date, then every
7 days, each reminder once."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from freezegun import freeze_time

from prets import tasks
from prets.models import OverdueReminder
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import MandateFactory

from .factories import ReservationFactory

pytestmark = pytest.mark.django_db
END = datetime.date(2025, 3, 14)  # the loan was due back on Friday 14 March 2025


@pytest.fixture
def loan():
    mandataire = UserFactory(mandataire=True, email="claire@exemple.fr")
    coop = MandateFactory(user=mandataire, cooperative__name="École Jean Jaurès").cooperative
    MandateFactory(cooperative=coop, kind="co", user__email="co@exemple.fr")
    with freeze_time("2025-02-20"):
        return ReservationFactory(
            cooperative=coop,
            requested_by=mandataire,
            start_date=datetime.date(2025, 3, 1),
            end_date=END,
            handed_over=True,
        )


@pytest.fixture
def run_daily(django_capture_on_commit_callbacks):
    def run(day: str) -> list:
        """The beat task on that day (and the tasks it queues); the e-mails sent."""
        mail.outbox.clear()
        with freeze_time(day), django_capture_on_commit_callbacks(execute=True):
            tasks.remind_overdue_loans()
        return list(mail.outbox)

    return run


def test_reminders_the_day_after_then_every_seven_days_each_once(loan, run_daily):
    assert run_daily("2025-03-14 08:00") == []  # due today: not late yet

    (first,) = run_daily("2025-03-15 07:30")
    assert first.to == ["claire@exemple.fr", "co@exemple.fr"]
    assert "relance n° 1" in first.subject
    assert "devait être rendu le 14 mars 2025 : il a 1 jour de retard" in first.body
    assert "École Jean Jaurès" in first.body

    assert run_daily("2025-03-15 18:00") == []  # the same day again: nothing
    for day in range(16, 22):
        assert run_daily(f"2025-03-{day} 07:30") == []

    (second,) = run_daily("2025-03-22 07:30")
    assert "relance n° 2" in second.subject and "8 jours de retard" in second.body
    assert "Ceci est la relance n° 2." in second.body
    (third,) = run_daily("2025-03-29 07:30")
    assert "relance n° 3" in third.subject
    assert list(loan.reminders.values_list("number", "sent_on")) == [
        (1, datetime.date(2025, 3, 15)),
        (2, datetime.date(2025, 3, 22)),
        (3, datetime.date(2025, 3, 29)),
    ]


def test_a_missed_day_sends_the_reminder_due_then_not_the_skipped_ones(loan, run_daily):
    (late,) = run_daily("2025-03-24 07:30")  # the worker was down for ten days
    assert "relance n° 2" in late.subject
    assert run_daily("2025-03-25 07:30") == []


def test_a_returned_loan_is_not_reminded(loan, run_daily):
    loan.status, loan.returned_on = "rendue", datetime.date(2025, 3, 16)
    loan.save()
    assert run_daily("2025-03-17 07:30") == []


def test_a_failed_send_is_tried_again(loan, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("serveur de courrier injoignable")

    monkeypatch.setattr(tasks, "send_mail", broken)
    with freeze_time("2025-03-15 07:30"), pytest.raises(OSError):
        tasks.send_overdue_reminder.run(loan.pk)
    assert not OverdueReminder.objects.exists()  # rolled back: the next run sends it
    assert tasks.send_overdue_reminder.max_retries == 3
    monkeypatch.undo()
    with freeze_time("2025-03-15 09:00"):
        assert tasks.send_overdue_reminder.run(loan.pk) == "sent"
        assert tasks.send_overdue_reminder.run(loan.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_staff_reserving_on_a_coops_behalf_are_not_reminded(loan, run_daily):
    loan.requested_by = UserFactory(secretariat=True, email="secretariat@exemple.fr")
    loan.save()
    (reminder,) = run_daily("2025-03-15 07:30")
    assert sorted(reminder.to) == ["claire@exemple.fr", "co@exemple.fr"]


def test_the_daily_task_is_scheduled():
    schedule = settings.CELERY_BEAT_SCHEDULE["prets-relances-retard"]
    assert schedule["task"] == tasks.remind_overdue_loans.name
    assert (schedule["schedule"].hour, schedule["schedule"].minute) == ({7}, {30})
