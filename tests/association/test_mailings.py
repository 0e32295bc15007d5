"""The generic mailing (occe/core/mailings.py), through its first user, the newsletter."""

import datetime
import time

import pytest
from django.core import mail
from django.db import IntegrityError
from django.db.models import Count
from django.utils import timezone

from occe.association.models import Newsletter, NewsletterRecipient
from occe.core import mailings
from occe.core.mailings import Mailing, Recipient, resume_mailings, send_batch

from .factories import NewsletterFactory

pytestmark = pytest.mark.django_db
S = Recipient.Status


def newsletter_to(count: int, **extra) -> Newsletter:
    newsletter = NewsletterFactory(**extra)
    newsletter.add_recipients((f"mandataire{i}@exemple.fr", f"M {i}") for i in range(count))
    return newsletter


def statuses(newsletter) -> dict:
    return dict(
        newsletter.recipients.values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )


def test_every_recipient_gets_it_once_in_batches(settings, django_capture_on_commit_callbacks):
    settings.MAILING_BATCH_SIZE = 3
    newsletter = newsletter_to(7)
    with django_capture_on_commit_callbacks(execute=True):
        assert newsletter.start()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"mandataire{i}@exemple.fr" for i in range(7)
    )
    newsletter.refresh_from_db()
    assert newsletter.status == Mailing.Status.DONE and newsletter.finished_at
    assert (newsletter.total, newsletter.sent, newsletter.failed) == (7, 7, 0)
    # Starting again, or a batch task run twice, sends nothing more.
    assert not newsletter.start()
    Newsletter.objects.filter(pk=newsletter.pk).update(status=Mailing.Status.SENDING)
    assert send_batch(Newsletter, newsletter.pk) == 0
    assert len(mail.outbox) == 7


def test_one_row_per_address_whatever_the_case():
    newsletter = newsletter_to(0)
    assert newsletter.add_recipients([("A@exemple.fr", "A"), ("a@exemple.fr", "a")]) == 1
    assert newsletter.add_recipients([("a@EXEMPLE.fr", "A")]) == 1
    with pytest.raises(IntegrityError):
        NewsletterRecipient.objects.create(mailing=newsletter, email="a@exemple.fr")


def test_a_row_left_sending_by_a_dead_batch_is_never_sent_again(
    django_capture_on_commit_callbacks,
):
    newsletter = newsletter_to(3)
    first = newsletter.recipients.order_by("pk").first()
    # A worker died after claiming this row: its lease has expired.
    NewsletterRecipient.objects.filter(pk=first.pk).update(status=S.SENDING)
    Newsletter.objects.filter(pk=newsletter.pk).update(
        status=Mailing.Status.SENDING,
        lease_token="mort",
        lease_until=timezone.now() - datetime.timedelta(seconds=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_mailings() == 1
    assert first.email not in [m.to[0] for m in mail.outbox]
    assert len(mail.outbox) == 2
    first.refresh_from_db()
    assert first.status == S.UNCERTAIN and "pas renvoyé" in first.error
    newsletter.refresh_from_db()
    assert (newsletter.sent, newsletter.uncertain, newsletter.status) == (2, 1, "envoyee")
    # Retrying the failures leaves the uncertain one alone.
    assert newsletter.retry_failures() == 0


def test_only_one_batch_of_a_mailing_runs_at_a_time():
    newsletter = newsletter_to(2)
    Newsletter.objects.filter(pk=newsletter.pk).update(
        status=Mailing.Status.SENDING,
        lease_token="autre",
        lease_until=timezone.now() + datetime.timedelta(seconds=60),
    )
    assert send_batch(Newsletter, newsletter.pk) == 0
    assert resume_mailings() == 0
    assert not mail.outbox
    # The batch the lease was handed to runs.
    assert send_batch(Newsletter, newsletter.pk, token="autre") == 2


def test_refused_addresses_fail_with_the_reason_and_only_they_are_retried(
    smtp_settings, django_capture_on_commit_callbacks
):
    sink = smtp_settings
    sink.refuse_once = {"mandataire1@exemple.fr", "mandataire3@exemple.fr"}
    newsletter = newsletter_to(5)
    with django_capture_on_commit_callbacks(execute=True):
        newsletter.start()
    newsletter.refresh_from_db()
    assert (newsletter.sent, newsletter.failed, newsletter.status) == (3, 2, "envoyee")
    failed = newsletter.recipients.get(email="mandataire1@exemple.fr")
    assert failed.status == S.FAILED and "550" in failed.error and "refusée" in failed.error
    with django_capture_on_commit_callbacks(execute=True):
        assert newsletter.retry_failures() == 2
    newsletter.refresh_from_db()
    assert (newsletter.sent, newsletter.failed) == (5, 0)
    assert set(sink.received.values()) == {1} and len(sink.received) == 5


def test_one_smtp_connection_per_batch_at_a_bounded_rate(
    smtp_settings, settings, django_capture_on_commit_callbacks
):
    settings.MAILING_BATCH_SIZE = 4
    settings.MAILING_RATE_PER_MINUTE = 240  # one message every 0.25 s
    newsletter = newsletter_to(8)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        newsletter.start()
    elapsed = time.monotonic() - started
    assert len(smtp_settings.connections) == 2
    assert sum(smtp_settings.received.values()) == 8
    assert elapsed >= 7 * 0.25 * 0.9  # seven waits between eight messages, give or take


def test_an_unreachable_server_claims_nothing_and_says_why(settings):
    from .conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = (
        "127.0.0.1",
        free_port(),
        False,
    )
    newsletter = newsletter_to(2)
    Newsletter.objects.filter(pk=newsletter.pk).update(status=Mailing.Status.SENDING)
    assert send_batch(Newsletter, newsletter.pk) == 0
    newsletter.refresh_from_db()
    assert "injoignable" in newsletter.last_error
    assert statuses(newsletter) == {S.PENDING: 2}
    assert newsletter.status == Mailing.Status.SENDING
    # Not restarted before its back-off lease expires, then restarted by `resume_mailings`.
    assert resume_mailings() == 0
    Newsletter.objects.filter(pk=newsletter.pk).update(lease_until=timezone.now())
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert resume_mailings() == 1
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_claim_each_recipient_once():
    """Four threads (four connections) send the same rows at once: the conditional claim lets
    exactly one of them send each message (SQLite and PostgreSQL)."""
    import threading

    from django.core.mail import get_connection
    from django.db import connection as db_connection

    newsletter = newsletter_to(40)
    Newsletter.objects.filter(pk=newsletter.pk).update(
        status=Mailing.Status.SENDING,
        lease_token="partage",
        lease_until=timezone.now() + datetime.timedelta(minutes=5),
    )
    ids = list(newsletter.recipients.values_list("pk", flat=True))
    barrier = threading.Barrier(4)
    sent = []

    def run():
        try:
            barrier.wait()
            mailing = Newsletter.objects.get(pk=newsletter.pk)
            with get_connection() as smtp:
                sent.append(sum(mailings._send_one(mailing, pk, smtp) for pk in ids))
        finally:
            db_connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent) == 40 and len(sent) == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"mandataire{i}@exemple.fr" for i in range(40)
    )
