"""Background work of the receipts: PDF rendering in batches and e-mails to donors.

Tasks take ids and re-read the database; running one twice (or again after a worker died
mid-batch) renders only what is missing and never touches a number.
"""

import logging
import smtplib

from celery import shared_task
from django.core.mail import EmailMessage
from django.db import OperationalError
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from occe.core.models import Association

from .models import Receipt, RenderJob
from .rendering import render_receipts as render_pdfs
from .rendering import store_atomically

logger = logging.getLogger(__name__)

# Receipts laid out per WeasyPrint pass, chosen by measurement on 2 cores (per receipt: one
# document each ~110-125 ms; batches of 10: ~110 ms, 25: ~70 ms once flex layout was removed,
# 50-200: ~95-100 ms under load while peak memory grows from 140 MB to 360 MB). 25 keeps a
# worker near 200 MB and the progress bar moving.
BATCH_SIZE = 25
TRANSIENT = (OperationalError, OSError, TimeoutError)
EMAIL_TRANSIENT = (smtplib.SMTPException, OSError, TimeoutError)


def needs_rendering(receipt: Receipt) -> bool:
    return receipt.pdf.name != receipt.pdf_relative_path()


def render_batch(receipt_ids: list[int]) -> int:
    """Render and store the PDFs of these receipts that are missing or outdated."""
    receipts = [
        r
        for r in Receipt.objects.filter(pk__in=receipt_ids)
        .select_related("cooperative", "replaces", "replaced_by")
        .prefetch_related("lines")
        .order_by("pk")
        if needs_rendering(r)
    ]
    pdfs = render_pdfs(receipts)
    now = timezone.now()
    for receipt in receipts:
        path = store_atomically(receipt.pdf_relative_path(), pdfs[receipt.pk])
        # A plain UPDATE: the file and its date are not issued fields.
        Receipt.objects.filter(pk=receipt.pk).update(pdf=path, rendered_at=now)
    return len(receipts)


@shared_task(bind=True, autoretry_for=TRANSIENT, max_retries=3, retry_backoff=2, acks_late=True)
def render_receipts(self, job_id: int, receipt_ids: list[int]) -> int:
    try:
        rendered = render_batch(receipt_ids)
    except TRANSIENT as exc:
        if self.request.retries >= self.max_retries:
            RenderJob.objects.filter(pk=job_id).update(failed=F("failed") + 1, error=str(exc))
        raise
    except Exception as exc:
        RenderJob.objects.filter(pk=job_id).update(failed=F("failed") + 1, error=str(exc))
        raise
    update_progress(job_id)
    return rendered


def update_progress(job_id: int) -> None:
    job = RenderJob.objects.filter(pk=job_id).first()
    if job is None:
        return
    done = (
        Receipt.objects.filter(request_id=job.request_id, rendered_at__gte=job.created_at)
        .exclude(pdf="")
        .count()
    )
    done = min(done, job.total)
    fields = {"done": done}
    if done >= job.total:
        fields["finished_at"] = timezone.now()
    RenderJob.objects.filter(pk=job_id).update(**fields)


@shared_task(autoretry_for=TRANSIENT, max_retries=3, retry_backoff=True)
def send_request_emails(request_id: int) -> int:
    """Queue one e-mail per receipt waiting to be sent; each send is rate-limited."""
    ids = list(
        Receipt.objects.filter(
            request_id=request_id,
            cancelled_at__isnull=True,
            email_status__in=[Receipt.EmailStatus.PENDING, Receipt.EmailStatus.FAILED],
        )
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        send_receipt_email.delay(pk)
    return len(ids)


class PdfNotReady(Exception):
    pass


@shared_task(
    bind=True,
    rate_limit="30/m",  # bounded rate: mail servers throttle bursts from one sender
    max_retries=5,
    default_retry_delay=20,
)
def send_receipt_email(self, receipt_id: int) -> str:
    receipt = Receipt.objects.select_related("cooperative").get(pk=receipt_id)
    if receipt.email_status == Receipt.EmailStatus.SENT or not receipt.email:
        return receipt.email_status
    if receipt.is_cancelled:
        return receipt.email_status
    if not receipt.pdf or needs_rendering(receipt):
        raise self.retry(exc=PdfNotReady(receipt.number), countdown=10)
    association = Association.get()
    body = render_to_string(
        "finances/email/donor.txt", {"receipt": receipt, "association": association}
    )
    message = EmailMessage(
        f"{association.short_name} — votre reçu fiscal n° {receipt.number}",
        body,
        None,
        [receipt.email],
    )
    with receipt.pdf.open("rb") as handle:
        message.attach(receipt.filename, handle.read(), "application/pdf")
    try:
        message.send()
    except EMAIL_TRANSIENT as exc:
        Receipt.objects.filter(pk=receipt.pk).update(
            email_status=Receipt.EmailStatus.FAILED, email_error=str(exc)[:250]
        )
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc) from exc
        return Receipt.EmailStatus.FAILED
    Receipt.objects.filter(pk=receipt.pk).update(
        email_status=Receipt.EmailStatus.SENT, email_sent_at=timezone.now(), email_error=""
    )
    return Receipt.EmailStatus.SENT
