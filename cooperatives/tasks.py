import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone

from occe.core.models import Association, SchoolYear

from .models import Affiliation, Cooperative, Mandate, ReminderBatch

# Errors worth another try: the SMTP server or the network, not a bug.
EMAIL_TRANSIENT = (smtplib.SMTPException, ConnectionError, TimeoutError)


def absolute_url(name: str, *args) -> str:
    """A link for an e-mail: SITE_URL + the page's path."""
    return settings.SITE_URL + reverse(name, args=args)


def mandataire_emails(cooperative_ids) -> dict[int, list[str]]:
    """Current mandataires' addresses (active accounts), by cooperative id."""
    emails: dict[int, list[str]] = {}
    mandates = (
        Mandate.objects.current()
        .filter(cooperative__in=cooperative_ids, user__is_active=True)
        .order_by("kind", "pk")
        .values_list("cooperative_id", "user__email")
    )
    for cooperative_id, email in mandates:
        emails.setdefault(cooperative_id, []).append(email)
    return emails


def reminder_message(
    cooperative: Cooperative, year: SchoolYear, association: Association
) -> tuple[str, str]:
    """Subject and body of the affiliation reminder (the secretariat previews the same)."""
    deadline = association.affiliation_deadline
    if deadline and not year.start_date <= deadline <= year.end_date:
        deadline = None  # last year's date, not updated yet: better say nothing
    body = render_to_string(
        "cooperatives/email/reminder.txt",
        {
            "coop": cooperative,
            "year": year,
            "association": association,
            "deadline": deadline,
            "link": absolute_url("cooperatives:affiliation", cooperative.pk, year.label),
        },
    )
    subject = f"{association.short_name} — affiliation {year} de votre coopérative"
    return subject, body


@shared_task(autoretry_for=EMAIL_TRANSIENT, max_retries=3, retry_backoff=True)
def send_affiliation_reminders(batch_id: int) -> int:
    """E-mail the mandataires of the cooperatives the batch targets. Safe to run twice:
    cooperatives already reminded by this batch are skipped."""
    batch = ReminderBatch.objects.select_related("school_year").get(pk=batch_id)
    association = Association.get()
    pending = list(
        Cooperative.objects.to_remind(batch.school_year, batch.target)
        .exclude(pk__in=batch.reminded.values("pk"))
        .order_by("number")
    )
    emails = mandataire_emails([coop.pk for coop in pending])
    sent = 0
    with get_connection() as connection:  # one SMTP session for the whole batch
        for cooperative in pending:
            if cooperative.pk not in emails:
                continue
            subject, body = reminder_message(cooperative, batch.school_year, association)
            EmailMessage(subject, body, to=emails[cooperative.pk], connection=connection).send()
            batch.reminded.add(cooperative)
            sent += 1
    batch.finished_at = timezone.now()
    batch.save(update_fields=["finished_at"])
    return sent


@shared_task(autoretry_for=EMAIL_TRANSIENT, max_retries=3, retry_backoff=True)
def notify_affiliation_validated(affiliation_id: int) -> int:
    """Tell the mandataires that the affiliation is validated, with the attestation's link.

    Runs at most once per validation: the row is locked and marked in the transaction that
    sends (a second run finds it marked; an SMTP error rolls back, and the retry sends)."""
    with transaction.atomic():
        affiliation = (
            Affiliation.objects.select_for_update()
            .select_related("cooperative", "school_year")
            .filter(pk=affiliation_id)
            .first()
        )
        if (
            affiliation is None
            or not affiliation.is_validated
            or affiliation.validation_notified_at is not None
        ):
            return 0
        cooperative, year = affiliation.cooperative, affiliation.school_year
        to = mandataire_emails([cooperative.pk]).get(cooperative.pk, [])
        if to:
            association = Association.get()
            body = render_to_string(
                "cooperatives/email/validated.txt",
                {
                    "affiliation": affiliation,
                    "coop": cooperative,
                    "association": association,
                    "attestation": absolute_url(
                        "cooperatives:attestation", cooperative.pk, year.label
                    ),
                    "link": absolute_url("cooperatives:affiliation", cooperative.pk, year.label),
                },
            )
            subject = f"{association.short_name} — affiliation {year} validée"
            EmailMessage(subject, body, to=to).send()
        Affiliation.objects.filter(pk=affiliation.pk).update(validation_notified_at=timezone.now())
    return len(to)


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, smtplib.SMTPException),
    max_retries=3,
    retry_backoff=True,
)
def notify_mandataires(mandate_ids: list[int]) -> int:
    """Tell existing accounts they were given a mandate (new accounts get their invitation
    instead), over one SMTP connection."""
    association = Association.get()
    template = get_template("cooperatives/email/mandate_notice.txt")
    messages = [
        EmailMessage(
            f"{association.short_name} — vous êtes {mandate.get_kind_display().lower()} de "
            f"la coopérative {mandate.cooperative.number}",
            template.render(
                {"mandate": mandate, "association": association, "site_url": settings.SITE_URL}
            ),
            to=[mandate.user.email],
        )
        for mandate in Mandate.objects.filter(pk__in=mandate_ids, user__is_active=True)
        .select_related("user", "cooperative")
        .order_by("pk")
    ]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
