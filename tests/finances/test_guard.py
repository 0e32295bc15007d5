"""Issued receipts and receipted gifts are guarded by the database itself (triggers of migration
finances 0005), on SQLite and PostgreSQL alike: whatever asks, nothing printed changes."""

import io
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from finances import services
from finances.models import DonationLine, DonationRequest, Receipt
from tests.accounts.factories import UserFactory
from tests.finances.factories import (
    DonationLineFactory,
    DonationRequestFactory,
    ReceiptFactory,
    submitted_request,
)


@pytest.fixture
def issued(association, secretary, django_capture_on_commit_callbacks) -> Receipt:
    with django_capture_on_commit_callbacks(execute=True):
        (receipt,) = services.validate(submitted_request(lines=1).pk, secretary)
    receipt.refresh_from_db()
    assert receipt.pdf
    return receipt


def refused(action) -> None:
    """`action` is refused by the database; the test's transaction goes on (savepoint)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        action()


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_issued_receipt_cannot_be_changed_by_any_means(issued):
    receipts = Receipt._base_manager.filter(pk=issued.pk)
    refused(lambda: receipts.update(amount=Decimal("1.00")))
    refused(lambda: receipts.update(last_name="Autre"))
    refused(lambda: receipts.update(gifts=[]))
    refused(lambda: receipts.update(issuer={}))
    refused(lambda: raw("UPDATE finances_receipt SET amount = 1 WHERE id = %s", [issued.pk]))
    refused(lambda: raw("UPDATE finances_receipt SET number = 'X' WHERE id = %s", [issued.pk]))
    refused(lambda: raw("DELETE FROM finances_receipt WHERE id = %s", [issued.pk]))
    refused(lambda: receipts._raw_delete(connection.alias))
    issued.refresh_from_db()
    assert issued.amount == Decimal("150.00") and issued.number.endswith("000001")


def test_its_pdf_is_set_once_and_never_repointed(issued):
    receipts = Receipt._base_manager.filter(pk=issued.pk)
    refused(lambda: receipts.update(pdf="private/autre.pdf"))
    refused(lambda: receipts.update(pdf=""))
    # The same value again (a task that ran twice) is no change.
    receipts.update(pdf=issued.pdf.name)
    # The marked copy exists only for a cancelled receipt.
    refused(lambda: receipts.update(cancelled_pdf="private/annule.pdf"))


def test_cancellation_is_recorded_once_and_never_undone(issued, secretary):
    receipts = Receipt._base_manager.filter(pk=issued.pk)
    refused(lambda: receipts.update(cancel_reason="sans date"))
    receipts.update(cancelled_at=timezone.now(), cancelled_by=secretary, cancel_reason="Erreur")
    refused(lambda: receipts.update(cancelled_at=None))  # un-cancelling
    refused(lambda: receipts.update(cancel_reason="Autre motif"))
    refused(
        lambda: raw("UPDATE finances_receipt SET cancelled_at = NULL WHERE id = %s", [issued.pk])
    )
    receipts.update(cancelled_pdf="private/annule.pdf")
    refused(lambda: receipts.update(cancelled_pdf="private/autre.pdf"))
    issued.refresh_from_db()
    assert issued.is_cancelled and issued.cancel_reason == "Erreur"


def test_the_donors_email_status_stays_free(issued):
    Receipt._base_manager.filter(pk=issued.pk).update(
        email_status=Receipt.EmailStatus.SENT, email_sent_at=timezone.now(), email_error=""
    )
    Receipt._base_manager.filter(pk=issued.pk).update(email_status=Receipt.EmailStatus.FAILED)
    issued.refresh_from_db()
    assert issued.email_status == Receipt.EmailStatus.FAILED


def test_a_receipted_line_is_frozen_and_never_receipted_again(issued):
    line = issued.request.lines.get()
    lines = DonationLine._base_manager.filter(pk=line.pk)
    refused(lambda: lines.update(amount=Decimal("5000")))
    refused(lambda: lines.update(receipt=None))
    refused(lambda: raw("DELETE FROM finances_donationline WHERE id = %s", [line.pk]))
    other = Receipt.objects.create(
        **{f: getattr(issued, f) for f in ["year", "cooperative_id", "request_id", "donor_type"]},
        sequence=99,
        number="AUTRE-99",
        address="x",
        postal_code="1",
        city="c",
        country="France",
        amount=Decimal("1"),
        form=issued.form,
        nature=issued.nature,
        issued_at=timezone.now(),
        issued_by_id=issued.issued_by_id,
    )
    refused(lambda: lines.update(receipt=other))
    # A draft's lines stay free.
    draft_line = DonationLineFactory()
    DonationLine.objects.filter(pk=draft_line.pk).update(amount=Decimal("12.00"))
    draft_line.delete()


def test_a_validated_request_never_goes_back(issued):
    requests = DonationRequest._base_manager.filter(pk=issued.request_id)
    refused(lambda: requests.update(status=DonationRequest.Status.SUBMITTED))
    requests.update(reason="")  # other columns are not the guard's business


def test_validation_refuses_a_line_that_already_has_a_receipt(issued, secretary):
    """The admin once put a validated request back to "submitted": validation issued new
    receipts for lines that had some. Even on a request that reached "submitted" with a
    receipted line, no second receipt is issued."""
    request = DonationRequestFactory(submitted=True, cooperative=issued.cooperative)
    DonationLineFactory(request=request, receipt=issued)
    with pytest.raises(
        services.WorkflowError, match=f"déjà fait l'objet d'un reçu \\({issued.number}\\)"
    ):
        services.validate(request.pk, secretary)
    assert Receipt.objects.count() == 1
    (problem,) = services.line_problems(request).values()
    assert problem == [f"Ce don a déjà fait l'objet du reçu {issued.number}."]


def test_the_admin_never_changes_a_status_nor_an_issued_line(issued, client):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    http_request = RequestFactory().get("/")
    http_request.user = superuser
    request_admin = site._registry[DonationRequest]
    validated = issued.request
    assert "status" in request_admin.get_readonly_fields(http_request, validated)
    assert not request_admin.has_change_permission(http_request, validated)
    assert not request_admin.has_delete_permission(http_request, validated)
    (inline,) = request_admin.get_inline_instances(http_request, validated)
    assert not inline.has_change_permission(http_request, validated)
    assert not inline.has_add_permission(http_request, validated)
    draft = DonationRequestFactory()
    assert request_admin.has_change_permission(http_request, draft)
    assert "status" in request_admin.get_readonly_fields(http_request, draft)

    # Through the admin's own page: the POST that would reopen it changes nothing.
    client.force_login(superuser)
    url = reverse("admin:finances_donationrequest_change", args=[validated.pk])
    response = client.post(url, {"status": "submitted"})
    assert response.status_code == 403
    validated.refresh_from_db()
    assert validated.status == DonationRequest.Status.VALIDATED


def test_a_summary_receipt_prints_the_gifts_frozen_at_issue(
    association, secretary, django_capture_on_commit_callbacks
):
    """Seen before: a total of 600,00 € above lines of 5 000 + 200 + 300, the table being read
    from the editable lines. The table now comes from the receipt, and so does a replacement's."""
    request = DonationRequestFactory(submitted=True, group_by_donor=True)
    for amount in ["100.00", "200.00", "300.00"]:
        DonationLineFactory(
            request=request, last_name="Roux", first_name="Léa", amount=Decimal(amount)
        )
    with django_capture_on_commit_callbacks(execute=True):
        (receipt,) = services.validate(request.pk, secretary)
    receipt.refresh_from_db()
    assert [g["amount"] for g in receipt.gifts] == ["100.00", "200.00", "300.00"]
    with django_capture_on_commit_callbacks(execute=True):
        replacement = services.replace(receipt.pk, secretary, "Adresse", address="9 rue Neuve")
    replacement.refresh_from_db()
    assert replacement.gifts == receipt.gifts and not replacement.lines.exists()
    with replacement.pdf.open("rb") as handle:
        text = " ".join(PdfReader(io.BytesIO(handle.read())).pages[0].extract_text().split())
    assert "*** 600,00 € ***" in text
    assert all(f"{amount},00 €" in text for amount in ["100", "200", "300"])


# --- Bulk writes --------------------------------------------------------------------------


def test_bulk_writes_cannot_change_an_issued_receipt(association):
    receipt = ReceiptFactory()
    with pytest.raises(ValidationError):
        Receipt.objects.filter(pk=receipt.pk).update(amount=Decimal("1"))
    receipt.last_name = "Autre"
    with pytest.raises(ValidationError):
        Receipt.objects.bulk_update([receipt], ["last_name"])
    with pytest.raises(ValidationError):
        Receipt.objects.filter(pk=receipt.pk).delete()
    Receipt.objects.filter(pk=receipt.pk).update(email_error="ok")  # not an issued field
    assert Receipt.objects.get(pk=receipt.pk).amount == Decimal("150.00")
