"""Receipts: private downloads (one PDF, or a request's ZIP), cancellation, e-mail retries."""

import tempfile
import zipfile

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from occe.accounts.access import require

from .. import services
from ..forms import CancelForm
from ..models import Receipt
from ..tasks import send_receipt_email
from .requests import get_donation_request, sees_receipts

ZIP_IN_MEMORY = 5 * 1024 * 1024
CHUNK = 64 * 1024


def get_receipt(request, pk) -> Receipt:
    """Read: a receipt outside the user's scope is a 404."""
    return get_object_or_404(
        Receipt.objects.visible_to(request.user).select_related("request"), pk=pk
    )


def get_rw_receipt(request, pk) -> Receipt:
    """Read-write: a 404 outside the user's scope, a 403 for a user who may only read it."""
    receipt = get_receipt(request, pk)
    require(receipt.can_be_managed_by(request.user))
    return receipt


@sees_receipts
def receipt_pdf(request, pk):
    receipt = get_receipt(request, pk)
    # Once cancelled, only the copy marked « ANNULÉ » is handed out (the original is archived).
    if not receipt.served_pdf:
        messages.info(
            request,
            f"Le PDF du reçu {receipt.number} est en cours de production : réessayez dans "
            "quelques instants.",
        )
        return redirect("finances:request_detail", pk=receipt.request_id)
    return FileResponse(
        receipt.served_pdf.open("rb"),
        as_attachment=True,
        filename=receipt.filename,
        content_type="application/pdf",
    )


@sees_receipts
def request_zip(request, pk):
    donation_request = get_donation_request(request, pk)
    receipts = [r for r in donation_request.receipts.order_by("sequence") if r.served_pdf]
    if not receipts:
        messages.info(
            request, "Les PDF des reçus sont en cours de production : réessayez dans un instant."
        )
        return redirect("finances:request_detail", pk=donation_request.pk)
    # Thousands of receipts: the archive goes to disk past a few megabytes, not to memory.
    archive_file = tempfile.SpooledTemporaryFile(max_size=ZIP_IN_MEMORY)  # noqa: SIM115 - closed by FileResponse
    with zipfile.ZipFile(archive_file, "w", zipfile.ZIP_DEFLATED) as archive:
        for receipt in receipts:
            with (
                receipt.served_pdf.open("rb") as source,
                archive.open(receipt.filename, "w") as target,
            ):
                while chunk := source.read(CHUNK):
                    target.write(chunk)
    archive_file.seek(0)
    return FileResponse(
        archive_file,
        as_attachment=True,
        filename=f"recus-demande-{donation_request.pk}.zip",
        content_type="application/zip",
    )


@require_POST
@sees_receipts
def receipt_cancel(request, pk):
    receipt = get_rw_receipt(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        if "reason" in form.errors:
            messages.error(request, "Indiquez le motif de l'annulation.")
        for field, errors in form.errors.items():
            if field != "reason":
                messages.error(request, f"{form.fields[field].label} : {' '.join(errors)}")
        return redirect("finances:request_detail", pk=receipt.request_id)
    try:
        if form.cleaned_data["replace"]:
            replacement = services.replace(
                receipt.pk, request.user, form.cleaned_data["reason"], **form.changes()
            )
            messages.success(
                request,
                f"Reçu {receipt.number} annulé et remplacé par le reçu {replacement.number}.",
            )
        else:
            services.cancel(receipt.pk, request.user, form.cleaned_data["reason"])
            messages.success(request, f"Reçu {receipt.number} annulé.")
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    return redirect("finances:request_detail", pk=receipt.request_id)


@require_POST
@sees_receipts
def receipt_email_retry(request, pk):
    receipt = get_rw_receipt(request, pk)
    if not receipt.email or receipt.is_cancelled:
        messages.error(request, "Ce reçu ne peut pas être envoyé par courriel.")
    else:
        Receipt.objects.filter(pk=receipt.pk).update(
            email_status=Receipt.EmailStatus.PENDING, email_error="", email_queued_at=timezone.now()
        )
        send_receipt_email.delay_on_commit(receipt.pk)
        messages.success(request, f"Envoi du reçu {receipt.number} relancé.")
    return redirect("finances:request_detail", pk=receipt.request_id)
