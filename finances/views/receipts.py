"""Receipts: private downloads (one PDF, or a request's ZIP), cancellation, e-mail retries."""

import io
import zipfile

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from occe.accounts.access import require

from .. import services
from ..forms import CancelForm
from ..models import Receipt
from ..tasks import send_receipt_email
from .requests import get_request, sees_receipts


def get_receipt(request, pk) -> Receipt:
    return get_object_or_404(
        Receipt.objects.visible_to(request.user).select_related("request"), pk=pk
    )


@sees_receipts
def receipt_pdf(request, pk):
    receipt = get_receipt(request, pk)
    if not receipt.pdf:
        raise Http404("Le PDF de ce reçu est en cours de production.")
    return FileResponse(
        receipt.pdf.open("rb"),
        as_attachment=True,
        filename=receipt.filename,
        content_type="application/pdf",
    )


@sees_receipts
def request_zip(request, pk):
    donation_request = get_request(request, pk)
    receipts = [r for r in donation_request.receipts.order_by("sequence") if r.pdf]
    if not receipts:
        raise Http404("Aucun PDF n'est encore disponible.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for receipt in receipts:
            with receipt.pdf.open("rb") as handle:
                archive.writestr(receipt.filename, handle.read())
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    filename = f"recus-demande-{donation_request.pk}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@sees_receipts
def receipt_cancel(request, pk):
    receipt = get_receipt(request, pk)
    require(request.user.is_secretariat)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez le motif de l'annulation.")
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
    receipt = get_receipt(request, pk)
    require(request.user.is_secretariat)
    if not receipt.email or receipt.is_cancelled:
        messages.error(request, "Ce reçu ne peut pas être envoyé par courriel.")
    else:
        Receipt.objects.filter(pk=receipt.pk).update(
            email_status=Receipt.EmailStatus.PENDING, email_error=""
        )
        send_receipt_email.delay_on_commit(receipt.pk)
        messages.success(request, f"Envoi du reçu {receipt.number} relancé.")
    return redirect("finances:request_detail", pk=receipt.request_id)
