"""Background work of the receipts: PDF rendering in batches and e-mails to donors.

Tasks take ids and re-read the database; running one twice (or again after a worker died
mid-batch) renders only what is missing and never touches a number.
"""

import logging
import smtplib

from celery import shared_task
from django.core.mail import EmailMessage, send_mail
from django.db import OperationalError, transaction
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
        if (
            receipt.email
            and receipt.email_status == Receipt.EmailStatus.PENDING
            and not receipt.is_cancelled
        ):
            # Queued only now that the PDF exists: a late PDF never leaves an e-mail waiting.
            send_receipt_email.delay(receipt.pk)
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


class EmailNotSent(Exception):
    """Why a donor's e-mail is tried again later (PDF not produced yet, mail server error)."""


@shared_task(
    bind=True,
    rate_limit="30/m",  # bounded rate: mail servers throttle bursts from one sender
    max_retries=5,
    default_retry_delay=20,
)
def send_receipt_email(self, receipt_id: int) -> str:
    """Send a receipt to its donor, once: a second run (a duplicate task, a retry after a
    worker died) finds it sent and does nothing. Marked failed when the retries run out."""
    outcome, error = _send_once(receipt_id)
    if outcome != "retry":
        return outcome
    if self.request.retries >= self.max_retries:
        Receipt.objects.filter(
            pk=receipt_id,
            email_status__in=[Receipt.EmailStatus.PENDING, Receipt.EmailStatus.FAILED],
        ).update(email_status=Receipt.EmailStatus.FAILED, email_error=error[:250])
        return Receipt.EmailStatus.FAILED
    raise self.retry(exc=EmailNotSent(error))


def _send_once(receipt_id: int) -> tuple[str, str]:
    """("sent" | "skipped" | "retry", error). The receipt's row stays locked while the message
    is sent, so two concurrent runs cannot both send it; a rollback (worker killed) leaves it
    waiting, never marked sent without being sent."""
    waiting = (Receipt.EmailStatus.PENDING, Receipt.EmailStatus.FAILED)
    with transaction.atomic():
        # A write first: it locks the row (PostgreSQL) or the database (SQLite) until the
        # commit, and a second run waits here, then matches nothing once the first has sent.
        claimed = Receipt.objects.filter(
            pk=receipt_id, email_status__in=waiting, cancelled_at__isnull=True
        ).update(email_error="")
        receipt = Receipt.objects.select_related("cooperative").filter(pk=receipt_id).first()
        if not claimed or receipt is None or not receipt.email:
            return "skipped", ""
        if not receipt.pdf or needs_rendering(receipt):
            return "retry", f"Le PDF du reçu {receipt.number} n'a pas été produit."
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
            error = str(exc)
        else:
            Receipt.objects.filter(pk=receipt.pk).update(
                email_status=Receipt.EmailStatus.SENT, email_sent_at=timezone.now(), email_error=""
            )
            return Receipt.EmailStatus.SENT, ""
    # Visible on the page while the retries go on.
    Receipt.objects.filter(pk=receipt_id).update(
        email_status=Receipt.EmailStatus.FAILED, email_error=error[:250]
    )
    return "retry", error


@shared_task(autoretry_for=EMAIL_TRANSIENT, max_retries=3, retry_backoff=True)
def notify_mandataires(request_id: int, subject: str, template: str) -> int:
    """Tell a request's mandataires (and its author, if a mandataire) about a decision."""
    from cooperatives.models import Mandate

    from .models import DonationRequest

    request = DonationRequest.objects.select_related("created_by", "cooperative").get(pk=request_id)
    emails = list(
        Mandate.objects.current()
        .filter(cooperative=request.cooperative_id, user__is_active=True)
        .values_list("user__email", flat=True)
    )
    if request.created_by.email not in emails and request.created_by.is_mandataire:
        emails.append(request.created_by.email)
    if not emails:
        return 0
    association = Association.get()
    body = render_to_string(template, {"donation_request": request, "association": association})
    send_mail(f"{association.short_name} — {subject}", body, None, emails)
    return len(emails)
