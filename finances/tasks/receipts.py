"""Background work of the receipts: PDF rendering in batches and e-mails to donors.

Tasks take ids and re-read the database; running one twice (or again after a worker died
mid-batch) renders only what is missing and never touches a number.
"""

import datetime
import logging
import smtplib

from celery import shared_task
from django.core.mail import EmailMessage, send_mail
from django.db import OperationalError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from occe.core.models import Association

from ..models import Receipt, RenderJob
from ..rendering import render_receipts as render_pdfs
from ..rendering import store_atomically

logger = logging.getLogger(__name__)

# Receipts laid out per WeasyPrint pass, chosen by measurement on 2 cores (per receipt: one
# document each ~110-125 ms; batches of 10: ~110 ms, 25: ~70 ms once flex layout was removed,
# 50-200: ~95-100 ms under load while peak memory grows from 140 MB to 360 MB). 25 keeps a
# worker near 200 MB and the progress bar moving.
BATCH_SIZE = 25
TRANSIENT = (OperationalError, OSError, TimeoutError)
EMAIL_TRANSIENT = (smtplib.SMTPException, OSError, TimeoutError)


def needs_rendering(receipt: Receipt) -> bool:
    return bool(receipt.missing_files())


def render_batch(receipt_ids: list[int]) -> int:
    """Render and store the files of these receipts that are missing: the original, and the
    copy marked « ANNULÉ » once cancelled. Each file is set once (database triggers refuse to
    repoint it), so a second run of the same batch finds nothing to do."""
    receipts = [
        r
        for r in Receipt.objects.filter(pk__in=receipt_ids)
        .select_related("cooperative", "replaces", "replaced_by")
        .order_by("pk")
        if needs_rendering(r)
    ]
    sheets = [(receipt, marked) for receipt in receipts for marked in receipt.missing_files()]
    pdfs = render_pdfs(sheets)
    now = timezone.now()
    for receipt, marked in sheets:
        path = store_atomically(receipt.pdf_relative_path(marked), pdfs[(receipt.pk, marked)])
        field = "cancelled_pdf" if marked else "pdf"
        # Only from empty: a concurrent run that stored it first is left as it is.
        Receipt.objects.filter(pk=receipt.pk, **{field: ""}).update(
            **{field: path}, rendered_at=now
        )
        if (
            not marked
            and receipt.email
            and receipt.email_status == Receipt.EmailStatus.PENDING
            and not receipt.is_cancelled
        ):
            # Queued only now that the PDF exists: a late PDF never leaves an e-mail waiting.
            send_receipt_email.delay(receipt.pk)
    return len(receipts)


def enqueue_batches(job_id: int, receipt_ids: list[int]) -> None:
    """Queue the rendering of these receipts in batches, after the current transaction."""
    for start in range(0, len(receipt_ids), BATCH_SIZE):
        # Each e-mail to a donor is queued by the rendering task, once its PDF is stored.
        render_receipts.delay_on_commit(job_id, receipt_ids[start : start + BATCH_SIZE])


@shared_task(
    name="finances.tasks.render_receipts",
    bind=True,
    autoretry_for=TRANSIENT,
    max_retries=3,
    retry_backoff=2,
    acks_late=True,
)
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


def update_progress(job_id: int) -> RenderJob | None:
    """Count the job's receipts whose files are all stored (never receipts of other jobs)."""
    job = RenderJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    done = job.total - len(job.missing_ids())
    fields = {"done": done}
    if done > job.done:
        fields["progressed_at"] = timezone.now()
    if done >= job.total:
        fields["finished_at"] = job.finished_at or timezone.now()
    RenderJob.objects.filter(pk=job_id).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)
    return job


@shared_task(name="finances.tasks.sweep_stale_jobs")
def sweep_stale_jobs(stale_after_seconds: float | None = None) -> int:
    """Queue again the missing PDFs of jobs that made no progress for a while (their tasks were
    lost with a worker killed outright), at most `RenderJob.MAX_SWEEPS` times; then the job is
    marked failed and the secretariat relaunches it from the request's page. Run by beat every
    minute; returns the number of jobs re-queued."""
    stale_after = (
        RenderJob.STALE_AFTER
        if stale_after_seconds is None
        else datetime.timedelta(seconds=stale_after_seconds)
    )
    threshold = timezone.now() - stale_after
    requeued = 0
    for job_id in RenderJob.objects.filter(
        finished_at__isnull=True, failed=0, progressed_at__lte=threshold
    ).values_list("pk", flat=True):
        with transaction.atomic():
            job = RenderJob.objects.select_for_update().get(pk=job_id)
            missing = job.missing_ids()
            if not missing:
                update_progress(job.pk)
                continue
            if job.sweeps >= RenderJob.MAX_SWEEPS:
                RenderJob.objects.filter(pk=job.pk).update(
                    failed=F("failed") + 1,
                    error=f"{len(missing)} PDF toujours manquants après "
                    f"{job.sweeps} relances automatiques.",
                )
                continue
            # The job counts as progressing again: the next sweep waits a full period.
            RenderJob.objects.filter(pk=job.pk).update(
                sweeps=F("sweeps") + 1, progressed_at=timezone.now()
            )
            enqueue_batches(job.pk, missing)
            requeued += 1
    if requeued:
        logger.warning("%s production(s) de PDF relancée(s) par le balayage", requeued)
    return requeued


class EmailNotSent(Exception):
    """Why a donor's e-mail is tried again later (PDF not produced yet, mail server error)."""


@shared_task(
    name="finances.tasks.send_receipt_email",
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
        if not receipt.pdf:
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


@shared_task(
    name="finances.tasks.notify_mandataires",
    autoretry_for=EMAIL_TRANSIENT,
    max_retries=3,
    retry_backoff=True,
)
def notify_mandataires(request_id: int, subject: str, template: str) -> int:
    """Tell a request's mandataires (and its author, if a mandataire) about a decision."""
    from cooperatives.models import Mandate

    from ..models import DonationRequest

    donation_request = DonationRequest.objects.select_related("created_by", "cooperative").get(
        pk=request_id
    )
    emails = list(
        Mandate.objects.current()
        .filter(cooperative=donation_request.cooperative_id, user__is_active=True)
        .values_list("user__email", flat=True)
    )
    if (
        donation_request.created_by.email not in emails
        and donation_request.created_by.is_mandataire
    ):
        emails.append(donation_request.created_by.email)
    if not emails:
        return 0
    association = Association.get()
    body = render_to_string(
        template, {"donation_request": donation_request, "association": association}
    )
    send_mail(f"{association.short_name} — {subject}", body, None, emails)
    return len(emails)
