"""Upload limits, frozen issuer, year prefix, history, guarded bulk writes, e-mails to donors,
and the request page at scale."""

import datetime
import io
import smtplib
import threading
import zipfile
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.db.models.signals import post_init
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from finances import services, tasks
from finances.forms import LINE_FIELDS, RequestForm
from finances.imports import gift_from_record, read_any_table
from finances.models import DONOR_FIELDS, ISSUED_FIELDS, DonationLine, DonationRequest, Receipt
from occe.core.spreadsheets import SpreadsheetError
from tests.accounts.factories import UserFactory
from tests.finances.factories import DonationLineFactory, DonationRequestFactory, submitted_request
from tests.finances.test_receipts import pdf_text

TOO_LARGE = "Le fichier dépasse la taille maximale de 10 Mo."


def validate(request, user, capture):
    with capture(execute=True):
        return services.validate(request.pk, user)


def html(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


# --- Uploads ----------------------------------------------------------------------------------


def big_file(name):
    return SimpleUploadedFile(name, b"x" * (10 * 1024 * 1024 + 1))


def test_a_request_import_over_the_size_limit_is_refused(world, association, login):
    client = login(world.users["mandataire"])
    request = DonationRequestFactory(cooperative=world.own_coop)
    response = client.post(
        reverse("finances:request_import", args=[request.pk]),
        {"file": big_file("dons.xlsx")},
        follow=True,
    )
    assert TOO_LARGE in html(response)
    assert not request.lines.exists()


def test_a_trousse_csv_over_the_size_limit_is_refused(world, login):
    client = login(world.users["secretariat"])
    response = client.post(reverse("finances:trousse_upload"), {"file": big_file("t.csv")})
    assert response.status_code == 200
    assert TOO_LARGE in html(response)


def test_a_csv_in_an_unknown_encoding_is_refused_in_french():
    with pytest.raises(SpreadsheetError, match="Encodage du fichier non reconnu"):
        read_any_table(b"Nom;Montant\n\x81\x8d;10\n", "trousse.csv")


@pytest.mark.parametrize("filename", ["trousse.csv", "trousse.xlsx"])
def test_too_many_rows_is_an_error_not_a_silent_cut(filename):
    rows = [[f"Nom{i}", "10"] for i in range(501)]
    if filename.endswith(".csv"):
        data = ("Nom;Montant\n" + "\n".join(";".join(r) for r in rows)).encode()
    else:
        from tests.finances.test_views import build_xlsx

        data = build_xlsx(["Nom", "Montant"], rows)
    with pytest.raises(SpreadsheetError, match="au plus 500 lignes"):
        read_any_table(data, filename)


def test_csv_headers_match_like_excel_ones():
    headers, rows = read_any_table("Nom ; Montant\nRoux;25\n".encode("cp1252"), "t.csv")
    assert headers == ["Nom", "Montant"] and rows == [["Roux", "25"]]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "1e20", float("nan"), 10**10])
def test_non_finite_or_huge_amounts_are_refused_on_the_line(value):
    fields, errors = gift_from_record({"last_name": "Roux", "amount": value, "date": "01/02/2025"})
    assert fields["amount"] is None
    assert any("montant" in e for e in errors), errors


# --- Trousse à projets ------------------------------------------------------------------------


def test_a_trousse_export_becomes_one_request_only(world, association, secretary):
    from finances.models import TrousseImport

    imported = TrousseImport.objects.create(headers=[], rows=[], created_by=secretary)
    gift = {
        "donor_type": "particulier",
        "last_name": "Roux",
        "first_name": "Paul",
        "address": "5 allée Verte",
        "postal_code": "92200",
        "city": "Neuilly",
        "country": "France",
        "amount": Decimal("25"),
        "date": timezone.localdate() - datetime.timedelta(days=3),
    }
    request = services.import_trousse(imported.pk, world.own_coop, [gift], secretary)
    assert request.status == DonationRequest.Status.SUBMITTED
    assert request.submitted_by == secretary and request.submitted_at
    with pytest.raises(services.WorkflowError, match="déjà été importé"):
        services.import_trousse(imported.pk, world.own_coop, [gift], secretary)
    assert DonationRequest.objects.filter(channel="trousse").count() == 1


# --- Issue: SIREN/RNA, frozen issuer, year prefix ---------------------------------------------


def test_receipts_need_the_associations_siren_or_rna(association, secretary):
    association.siren = association.rna = ""
    association.save()
    request = submitted_request(lines=1)
    with pytest.raises(services.WorkflowError, match="renseignez le SIREN ou le RNA"):
        services.validate(request.pk, secretary)
    assert not Receipt.objects.exists()


def png(colour) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="image.png")


def test_a_receipt_keeps_the_issuer_it_was_issued_with(
    association, secretary, django_capture_on_commit_callbacks
):
    association.signature.save("signature.png", png("blue"))
    request = submitted_request(lines=1)
    (receipt,) = validate(request, secretary, django_capture_on_commit_callbacks)
    frozen = receipt.issuer["signature"]
    assert frozen.startswith("private/finances/") and frozen != association.signature.name

    association.signatory_name = "Nouveau Président"
    association.name = "Autre association"
    association.address = "1 place Neuve"
    association.signature.delete()
    association.save()
    request.cooperative.name = "École renommée"
    request.cooperative.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(receipt.pk, secretary, "Erreur")

    text = pdf_text(receipt)
    assert "ANNULÉ" in text
    assert "Marie Dupont" in text and "Nouveau Président" not in text
    assert "10 rue de Paris" in text and "1 place Neuve" not in text
    assert "École renommée" not in text
    receipt.refresh_from_db()
    with receipt.cancelled_pdf.open("rb") as handle:
        assert b"/Image" in handle.read()  # the frozen signature, though the setting is gone
    receipt.issuer = {**receipt.issuer, "signatory_name": "Autre"}
    with pytest.raises(ValidationError):
        receipt.save()
    assert "issuer" in ISSUED_FIELDS


def test_the_prefix_of_the_first_issue_holds_for_the_whole_year(
    association, secretary, django_capture_on_commit_callbacks
):
    association.receipt_number_prefix = "92-"
    association.save()
    (first,) = validate(submitted_request(lines=1), secretary, django_capture_on_commit_callbacks)
    association.receipt_number_prefix = "OCCE-"
    association.save()
    (second,) = validate(submitted_request(lines=1), secretary, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        replacement = services.replace(first.pk, secretary, "Erreur")
    year = timezone.localdate().year
    assert first.number == f"92-{year}-000001"
    assert second.number == f"92-{year}-000002"
    assert replacement.number == f"92-{year}-000003"


# --- History and immutability -----------------------------------------------------------------


def test_who_did_what_is_kept_and_shown_to_staff(
    world, association, login, django_capture_on_commit_callbacks
):
    request = DonationRequestFactory(
        cooperative=world.own_coop, created_by=world.users["mandataire"]
    )
    line = DonationLineFactory(request=request)
    mandataire = login(world.users["mandataire"])
    data = {
        "demande-group_by_donor": "",
        "demande-email_donors": "",
        "demande-certified": "on",
        "lignes-TOTAL_FORMS": "1",
        "lignes-INITIAL_FORMS": "1",
        "lignes-0-id": line.pk,
        **{
            f"lignes-0-{name}": (
                getattr(line, name).isoformat() if name == "date" else getattr(line, name)
            )
            for name in LINE_FIELDS
            if name != "request"  # added to the list by the inline formset
        },
        "lignes-0-amount": "175.00",
        "soumettre": "1",
    }
    mandataire.post(reverse("finances:request_edit", args=[request.pk]), data)
    request.refresh_from_db()
    assert request.status == "submitted"
    assert request.submitted_by == world.users["mandataire"]
    changed = DonationLine.history.filter(id=line.pk).order_by("-history_date").first()
    assert changed.amount == Decimal("175.00")
    assert changed.history_user == world.users["mandataire"]
    submitted = request.history.order_by("-history_date").first()
    assert submitted.status == "submitted" and submitted.history_user == world.users["mandataire"]

    detail = reverse("finances:request_detail", args=[request.pk])
    page = html(login(world.users["animation"]).get(detail))
    assert "Historique de la demande" in page
    assert "montant : « 150,00 » → « 175,00 »" in page
    assert "Historique de la demande" not in html(login(world.users["mandataire"]).get(detail))


def test_bulk_writes_cannot_change_an_issued_receipt(
    association, secretary, django_capture_on_commit_callbacks
):
    (receipt,) = validate(submitted_request(lines=1), secretary, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        Receipt.objects.filter(pk=receipt.pk).update(amount=Decimal("1"))
    receipt.last_name = "Autre"
    with pytest.raises(ValidationError):
        Receipt.objects.bulk_update([receipt], ["last_name"])
    with pytest.raises(ValidationError):
        Receipt.objects.filter(pk=receipt.pk).delete()
    Receipt.objects.filter(pk=receipt.pk).update(email_error="ok")  # not an issued field
    assert Receipt.objects.get(pk=receipt.pk).amount == Decimal("150.00")


def test_staff_editing_a_draft_never_certify_for_the_mandataire(world, association, login):
    request = DonationRequestFactory(
        cooperative=world.own_coop, created_by=world.users["mandataire"], certified=False
    )
    staff = login(world.users["secretariat"])
    url = reverse("finances:request_edit", args=[request.pk])
    assert "certified" not in staff.get(url).context["form"].fields
    staff.post(
        url,
        {
            "demande-certified": "on",
            "lignes-TOTAL_FORMS": "0",
            "lignes-INITIAL_FORMS": "0",
        },
    )
    request.refresh_from_db()
    assert not request.certified
    assert "certified" in RequestForm(can_certify=True).fields


def test_one_list_of_donor_fields():
    assert LINE_FIELDS[: len(DONOR_FIELDS)] == DONOR_FIELDS
    assert set(DONOR_FIELDS) <= set(ISSUED_FIELDS)


# --- E-mails ----------------------------------------------------------------------------------


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
        services.schedule_rendering(request, [receipt.pk])  # what « Relancer » does
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


# --- Pages ------------------------------------------------------------------------------------


def test_a_pdf_not_ready_sends_back_to_the_request_with_a_message(world, association, login):
    request = submitted_request(lines=1, cooperative=world.own_coop)
    (receipt,) = services.validate(request.pk, world.users["secretariat"])  # no PDF yet
    client = login(world.users["mandataire"])
    detail = reverse("finances:request_detail", args=[request.pk])
    for url in [
        reverse("finances:receipt_pdf", args=[receipt.pk]),
        reverse("finances:request_zip", args=[request.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response.url == detail
        assert "en cours de production" in html(client.get(detail))


def test_the_zip_is_streamed_from_a_file(
    world, association, login, django_capture_on_commit_callbacks
):
    request = submitted_request(lines=2, cooperative=world.own_coop)
    validate(request, world.users["secretariat"], django_capture_on_commit_callbacks)
    response = login(world.users["mandataire"]).get(
        reverse("finances:request_zip", args=[request.pk])
    )
    assert isinstance(response, FileResponse)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == 2
    assert all(archive.read(name).startswith(b"%PDF") for name in archive.namelist())


@pytest.mark.parametrize("year", ["9999", "1000", "-5"])
def test_registers_refuse_an_absurd_year_without_error(world, login, year):
    response = login(world.users["secretariat"]).get(
        reverse("finances:registers"), {"period": "civile", "year": year}
    )
    assert response.status_code == 200


def test_a_long_request_is_paginated_with_messages_on_their_lines(world, association, login):
    request = DonationRequestFactory(cooperative=world.own_coop, submitted=True)
    DonationLine.objects.bulk_create(
        DonationLineFactory.build(request=request, position=i) for i in range(150)
    )
    last = request.lines.order_by("position").last()
    last.date = timezone.localdate() + datetime.timedelta(days=3)
    last.save()
    client = login(world.users["secretariat"])
    url = reverse("finances:request_detail", args=[request.pk])
    first_page = client.get(url)
    assert len(first_page.context["lines"]) == 100
    assert "150 dons" in html(first_page)
    assert "dans le futur" not in html(first_page)
    second = client.get(url, {"page": 2})
    assert len(second.context["lines"]) == 50
    assert "La date du don est dans le futur." in html(second)


def test_duplicate_search_loads_only_the_same_donors_lines(association):
    day = timezone.localdate() - datetime.timedelta(days=10)
    other = DonationRequestFactory(submitted=True)
    DonationLine.objects.bulk_create(
        DonationLineFactory.build(request=other, last_name=f"Autre{i}", date=day, position=i)
        for i in range(200)
    )
    DonationLineFactory(request=other, last_name="Durand", date=day)
    request = DonationRequestFactory(submitted=True)
    line = DonationLineFactory(request=request, last_name="Durand", date=day)
    loaded = []

    def count(sender, instance, **kwargs):
        loaded.append(instance)

    post_init.connect(count, sender=DonationLine)
    try:
        warnings = services.staff_warnings(request, [line])
        services.line_problems(request, [line])
    finally:
        post_init.disconnect(count, sender=DonationLine)
    assert warnings[line] == [f"Même don dans la demande n° {other.pk}."]
    assert len(loaded) <= 2


def test_the_unusual_amount_is_the_associations_setting(association):
    association.receipt_unusual_amount = Decimal("100")
    association.save()
    request = submitted_request(lines=1)
    (line,) = request.lines.all()
    (warning,) = services.staff_warnings(request, [line])[line]
    assert warning.replace("\xa0", " ") == "Montant inhabituel (≥ 100,00 €)."
