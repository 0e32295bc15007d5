"""Background work of the receipts: PDF rendering in batches and e-mails to donors.

The rendering of some receipts is one core Job (kind RENDER_JOB, linked to their request) whose
batches are separate tasks. Tasks take ids and re-read the database; running one twice (or again
after a worker died mid-batch) renders only what is missing and never touches a number.
"""

import datetime
import logging
import smtplib

from celery import shared_task
from django.core.mail import EmailMessage, send_mail
from django.db import OperationalError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from occe.core.jobs import JobKind, JobTask, register
from occe.core.models import Association, Job

from ..models import RENDER_JOB, Receipt
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


def missing_receipts(job: Job) -> list[int]:
    """The job's receipts whose files (original, or marked copy once cancelled) are not all
    stored yet: the receipts' files are the truth, the job's count follows them."""
    receipts = Receipt.objects.filter(pk__in=job.parameters.get("receipts", [])).only(
        "pk", "pdf", "cancelled_pdf", "cancelled_at"
    )
    return sorted(r.pk for r in receipts if r.missing_files())


@register
class RenderReceipts(JobKind):
    """The PDFs of some receipts of a request (all of them on validation, the marked copy on a
    cancellation, the new receipt on a replacement): `parameters["receipts"]`, one batch task
    per BATCH_SIZE receipts, progress = receipts whose files are stored / receipts of the job."""

    name = RENDER_JOB
    label = "Production des PDF des reçus"
    # A batch of 25 receipts takes seconds: minutes without progress mean its task was lost
    # (say a worker killed with its children). A job still waiting counts the same: the
    # re-queued batches of a job merely queued behind another only find their PDFs made.
    stale_after = datetime.timedelta(minutes=3)
    waits_at_most = stale_after
    # Automatic resumptions (sweeper every 2 minutes): a quarter of an hour, longer than a job
    # waits behind the largest request (10 000 receipts take about 6 minutes on 2 cores).
    max_attempts = 5
    finishes_on_return = False  # the batch that stores the last PDF finishes the job

    def enqueue(self, job: Job) -> None:
        queue_batches(job.pk, job.parameters["receipts"])

    def resume(self, job: Job) -> None:
        """Queue again only the receipts whose PDF is still missing."""
        missing = missing_receipts(job)
        if not missing:
            update_progress(job.pk)
            return
        self.mark_resumed(job)
        queue_batches(job.pk, missing)

    def url(self, job: Job) -> str | None:
        return reverse("finances:request_detail", args=[job.object_id]) if job.object_id else None


def queue_batches(job_id: int, receipt_ids: list[int]) -> None:
    """Queue the rendering of these receipts in batches, after the current transaction."""
    for start in range(0, len(receipt_ids), BATCH_SIZE):
        # Each e-mail to a donor is queued by the rendering task, once its PDF is stored.
        render_receipts.delay_on_commit(job_id, receipt_ids[start : start + BATCH_SIZE])


# Named apart from the RenderJob batches (`finances.tasks.render_receipts`) this replaced: a
# message of those still queued at the upgrade is dropped, its job resumed by the sweeper.
@shared_task(
    base=JobTask,
    name="finances.tasks.render_receipt_batch",
    autoretry_for=TRANSIENT,
    max_retries=3,
    retry_backoff=2,
)
def render_receipts(job_id: int, receipt_ids: list[int]) -> int:
    """One batch of a rendering job (JobTask: the job is marked running when the first batch
    starts, failed with a French message when one gives up)."""
    rendered = render_batch(receipt_ids)
    update_progress(job_id)
    return rendered


def update_progress(job_id: int) -> Job | None:
    """Count the job's receipts whose files are all stored (never receipts of other jobs);
    finish the job once none is missing."""
    job = Job.objects.filter(pk=job_id, kind=RENDER_JOB).first()
    if job is None:
        return None
    missing = missing_receipts(job)
    if not missing:
        if job.status != Job.Status.DONE:
            job.finish()
        return job
    # Never backwards: a batch that counted before another stored its PDFs may write last.
    job.done = max(job.done, job.total - len(missing))
    Job.objects.filter(pk=job.pk).update(
        done=Greatest(F("done"), job.done), heartbeat_at=timezone.now()
    )
    return job


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
