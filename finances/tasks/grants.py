"""Background work of the grants: the decision letter, rendered as a PDF and e-mailed to the
coop's mandataires once the decision is committed."""

import smtplib

from celery import shared_task
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cooperatives.models import Mandate
from occe.core.models import Association
from occe.core.pdf import render_pdf

from .. import imports_grants  # noqa: F401  (registers the importer the import job runs)
from ..models import GrantApplication


def decision_letter_pdf(application: GrantApplication) -> bytes:
    return render_pdf(
        "finances/grants/pdf/letter.html",
        {
            "application": application,
            "association": Association.get(),
            "today": timezone.localdate(),
        },
    )


@shared_task(
    name="finances.tasks.send_decision_letter",
    # A mail server that is down or throttling: try again later, a bounded number of times
    # (the row is claimed only once the message is sent, so a retry never sends it twice).
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    max_retries=5,
)
def send_decision_letter(application_id: int) -> str:
    """Send the decision letter once: the row is claimed (letter_sent_at still empty) and kept
    locked while the message goes out, so a second run finds it sent and does nothing."""
    with transaction.atomic():
        application = (
            GrantApplication.objects.select_for_update()
            .select_related("cooperative", "session")
            .filter(pk=application_id, letter_sent_at__isnull=True, decided_at__isnull=False)
            .first()
        )
        if application is None:
            return "skipped"
        recipients = list(
            Mandate.objects.current()
            .filter(cooperative=application.cooperative)
            .values_list("user__email", flat=True)
        )
        if not recipients:
            return "skipped"
        association = Association.get()
        body = render_to_string(
            "finances/grants/email/decision.txt",
            {"application": application, "association": association},
        )
        message = EmailMessage(
            f"{association.short_name} — décision sur votre demande « {application.title} »",
            body,
            None,
            recipients,
        )
        message.attach(
            f"decision-{application.pk}.pdf", decision_letter_pdf(application), "application/pdf"
        )
        message.send()
        GrantApplication.objects.filter(pk=application.pk).update(letter_sent_at=timezone.now())
    return "sent"
