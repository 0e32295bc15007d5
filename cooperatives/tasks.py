import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from occe.core.models import Association

from .models import Affiliation, Cooperative, Mandate, ReminderBatch


def cooperatives_to_remind(school_year):
    done = Affiliation.objects.filter(
        school_year=school_year,
        status__in=[Affiliation.Status.SUBMITTED, Affiliation.Status.VALIDATED],
    ).values("cooperative")
    return Cooperative.objects.active().exclude(pk__in=done)


@shared_task(autoretry_for=(ConnectionError, TimeoutError), max_retries=3, retry_backoff=True)
def send_affiliation_reminders(batch_id: int) -> int:
    """E-mail the mandataires of every cooperative not affiliated yet. Safe to run twice:
    cooperatives already reminded by this batch are skipped."""
    batch = ReminderBatch.objects.select_related("school_year").get(pk=batch_id)
    association = Association.get()
    pending = cooperatives_to_remind(batch.school_year).exclude(pk__in=batch.reminded.values("pk"))
    mandates = (
        Mandate.objects.current()
        .filter(cooperative__in=pending)
        .filter(Q(user__is_active=True))
        .select_related("user", "cooperative")
    )
    by_coop: dict[Cooperative, list[str]] = {}
    for mandate in mandates:
        by_coop.setdefault(mandate.cooperative, []).append(mandate.user.email)
    sent = 0
    with get_connection() as connection:  # one SMTP session for the whole batch
        for cooperative, emails in by_coop.items():
            body = render_to_string(
                "cooperatives/email/reminder.txt",
                {"coop": cooperative, "year": batch.school_year, "association": association},
            )
            EmailMessage(
                f"{association.short_name} — affiliation {batch.school_year} de votre coopérative",
                body,
                to=emails,
                connection=connection,
            ).send()
            batch.reminded.add(cooperative)
            sent += 1
    batch.finished_at = timezone.now()
    batch.save(update_fields=["finished_at"])
    return sent


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
