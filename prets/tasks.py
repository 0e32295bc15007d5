"""Background work of loans: overdue reminders (daily, Celery beat) and notices to borrowers.

Tasks take ids and re-read the database; running one twice sends nothing twice.
"""

import logging
import smtplib

from celery import shared_task
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from occe.core.models import Association

from .models import OverdueReminder, Reservation
from .services import serialize_writers

logger = logging.getLogger(__name__)
EMAIL_TRANSIENT = (smtplib.SMTPException, OSError, TimeoutError)


@shared_task
def remind_overdue_loans() -> int:
    """Every morning: one reminder task per loan still out after its end date."""
    today = timezone.localdate()
    ids = list(Reservation.objects.overdue(today).values_list("pk", flat=True))
    for reservation_id in ids:
        send_overdue_reminder.delay_on_commit(reservation_id)
    return len(ids)


@shared_task(
    bind=True, autoretry_for=EMAIL_TRANSIENT, max_retries=3, retry_backoff=60, acks_late=True
)
def send_overdue_reminder(self, reservation_id: int) -> str:
    """E-mail the borrower the reminder due today (the day after the end date, then every
    7 days). The reminder's row is written in the transaction that sends it: if the mail
    server fails, both roll back and the retry sends it; a second run finds it and stops."""
    today = timezone.localdate()
    with transaction.atomic():
        serialize_writers(Reservation, [reservation_id])
        reservation = Reservation.objects.select_for_update().filter(pk=reservation_id).first()
        if reservation is None or not reservation.is_overdue(today):
            return "skipped"
        number = reservation.reminder_number(today)
        if reservation.reminders.filter(number=number).exists():
            return "skipped"
        recipients = reservation.borrower_emails()
        if not recipients:
            logger.warning("Prêt %s en retard sans destinataire de relance", reservation_id)
            return "no recipient"
        OverdueReminder.objects.create(
            reservation=reservation,
            number=number,
            sent_on=today,
            recipients=", ".join(recipients),
        )
        context = {
            "reservation": reservation,
            "number": number,
            "days_late": reservation.days_late(today),
            "association": Association.get(),
        }
        send_mail(
            f"Prêt en retard : {reservation.resource} (relance n° {number})",
            render_to_string("prets/email/overdue.txt", context),
            None,
            recipients,
        )
    return "sent"


SUBJECTS = {
    "confirmee": "Réservation confirmée : {resource}",
    "refusee": "Réservation refusée : {resource}",
}


@shared_task(autoretry_for=EMAIL_TRANSIENT, max_retries=3, retry_backoff=60)
def notify_borrower(reservation_id: int, template: str) -> str:
    """Tell the coop that its reservation was confirmed or refused."""
    reservation = (
        Reservation.objects.select_related("resource", "copy", "cooperative", "requested_by")
        .filter(pk=reservation_id)
        .first()
    )
    if reservation is None or template not in SUBJECTS:
        return "skipped"
    recipients = reservation.borrower_emails()
    if not recipients:
        return "no recipient"
    context = {"reservation": reservation, "association": Association.get()}
    send_mail(
        SUBJECTS[template].format(resource=reservation.resource),
        render_to_string(f"prets/email/{template}.txt", context),
        None,
        recipients,
    )
    return "sent"
