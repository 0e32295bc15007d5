"""E-mails: receipts to donors (sent once, after their PDF, retried) and the mandataires
told of decisions by a task."""

import datetime
import smtplib
import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from finances import services, tasks
from finances.models import Receipt
from tests.accounts.factories import UserFactory
from tests.finances.factories import DonationLineFactory, DonationRequestFactory, submitted_request
from tests.finances.test_views import html


def validate(request, user, capture):
    with capture(execute=True):
        return services.validate(request.pk, user)


def emailed_request(**kwargs):
    request = DonationRequestFactory(submitted=True, email_donors=True, **kwargs)
    DonationLineFactory(request=request, email="donateur@exemple.fr")
    return request


def test_a_late_pdf_still_gets_its_email(
    association, secretary, django_capture_on_commit_callbacks, monkeypatch
):
    request = emailed_request()

    def broken(receipts):
        raise RuntimeError("moteur PDF en panne")

    with monkeypatch.context() as patch:
        patch.setattr("finances.tasks.receipts.render_pdfs", broken)
        with pytest.raises(RuntimeError):
            validate(request, secretary, django_capture_on_commit_callbacks)
    receipt = Receipt.objects.get(request=request)
    assert receipt.email_status == "pending" and not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_rendering(request, [receipt.pk])  # a new rendering job
    receipt.refresh_from_db()
    assert receipt.email_status == "sent"
    assert [m.to for m in mail.outbox if "reçu fiscal" in m.subject] == [["donateur@exemple.fr"]]


def test_an_email_whose_pdf_never_comes_ends_failed(association, secretary, monkeypatch):
    request = emailed_request()
    receipts = services.validate(request.pk, secretary)  # on_commit never runs: no PDF
    monkeypatch.setattr(tasks.send_receipt_email, "max_retries", 0)  # the last try
    tasks.send_receipt_email.delay(receipts[0].pk)
    receipt = Receipt.objects.get(pk=receipts[0].pk)
    assert receipt.email_status == "failed" and "PDF" in receipt.email_error
    assert not mail.outbox


def test_a_stuck_or_failed_email_can_be_retried_from_the_page(world, association, login):
    request = emailed_request(cooperative=world.own_coop)
    (receipt,) = services.validate(request.pk, world.users["secretariat"])
    staff = login(world.users["secretariat"])
    url = reverse("finances:request_detail", args=[request.pk])
    assert "Réessayer" not in html(staff.get(url))  # just queued
    Receipt.objects.filter(pk=receipt.pk).update(
        email_queued_at=timezone.now() - datetime.timedelta(hours=2)
    )
    assert "Réessayer" in html(staff.get(url))


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_send_once(association, monkeypatch, settings):
    """Two workers take the same e-mail at once: the receipt's row lock makes the second one
    wait and find it sent. (On SQLite whole writes are serialized, which the retry loop
    absorbs.)"""
    from django.core.mail import EmailMessage

    request = emailed_request()
    receipt = services.validate(request.pk, UserFactory(secretariat=True))[0]
    from finances.tasks import render_batch

    render_batch([receipt.pk])  # the PDF (and a first e-mail, which is forgotten below)
    Receipt.objects.filter(pk=receipt.pk).update(email_status="pending", email_sent_at=None)
    sent = []
    original = EmailMessage.send

    def slow_send(self, *args, **kwargs):
        sent.append(self.to)
        threading.Event().wait(0.5)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", slow_send)
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            barrier.wait(timeout=10)
            for attempt in range(40):
                try:
                    tasks.receipts._send_once(receipt.pk)
                    return
                except Exception as exc:
                    if connection.vendor == "postgresql" or "locked" not in str(exc):
                        raise
                    threading.Event().wait(0.05 * (attempt + 1))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sent == [["donateur@exemple.fr"]]
    assert Receipt.objects.get(pk=receipt.pk).email_status == "sent"


def test_mandataires_are_told_by_a_task_with_ids(world, association, monkeypatch):
    calls = []
    monkeypatch.setattr(
        tasks.notify_mandataires, "delay_on_commit", lambda *args: calls.append(args)
    )
    request = submitted_request(lines=1, cooperative=world.own_coop)
    services.send_back(request, world.users["secretariat"], "Adresse manquante")
    assert calls == [(request.pk, "demande de reçus à corriger", "finances/email/to_correct.txt")]
    assert not mail.outbox
    assert smtplib.SMTPException in tasks.notify_mandataires.autoretry_for
    assert tasks.notify_mandataires.max_retries == 3
    tasks.notify_mandataires.run(*calls[0])
    assert world.users["mandataire"].email in mail.outbox[0].to
