"""E-mails of the trainings, sent in the background, each once.

Each message is claimed by a conditional UPDATE of its `*_sent_at` column in the transaction
that sends it: a second run (duplicate task, retry) matches nothing and sends nothing; a failed
send rolls the claim back so the retry sends it.
"""

import datetime
import smtplib
from collections.abc import Callable

from celery import shared_task
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from occe.core.models import Association

EMAIL_TRANSIENT = (smtplib.SMTPException, OSError, TimeoutError)
REMINDER_DAYS = 2


def _send_once(registration_id: int, field: str, build: Callable, **conditions) -> bool:
    from .models import Registration

    with transaction.atomic():
        claimed = Registration.objects.filter(
            pk=registration_id, **{f"{field}__isnull": True}, **conditions
        ).update(**{field: timezone.now()})
        if not claimed:
            return False
        registration = (
            Registration.objects.select_related("user", "cooperative", "session__training")
            .prefetch_related("session__parts", "attendances")
            .get(pk=registration_id)
        )
        message = build(registration, Association.get())
        message.send()  # an error rolls the claim back: the retry sends it
    return True


def _message(registration, association, subject: str, template: str, **context) -> EmailMessage:
    body = render_to_string(
        template,
        {"registration": registration, "session": registration.session, "association": association}
        | context,
    )
    return EmailMessage(
        f"{association.short_name} — {subject}", body, None, [registration.user.email]
    )


@shared_task(autoretry_for=EMAIL_TRANSIENT, max_retries=3, retry_backoff=True)
def send_confirmation(registration_id: int, promoted: bool = False) -> bool:
    """Confirmation (or « une place s'est libérée ») with the session's calendar file."""
    from .documents import session_calendar

    def build(registration, association):
        title = registration.session.training.title
        subject = f"place confirmée : {title}" if promoted else f"inscription confirmée : {title}"
        message = _message(
            registration,
            association,
            subject,
            "formations/email/confirmation.txt",
            promoted=promoted,
        )
        message.attach("formation.ics", session_calendar(registration.session), "text/calendar")
        return message

    return _send_once(
        registration_id,
        "confirmation_sent_at",
        build,
        status="confirmed",
        session__status__in=["ouverte", "complete", "close"],
    )


@shared_task(autoretry_for=EMAIL_TRANSIENT, max_retries=3, retry_backoff=True)
def send_reminder(registration_id: int) -> bool:
    def build(registration, association):
        return _message(
            registration,
            association,
            f"rappel : {registration.session.training.title}",
            "formations/email/reminder.txt",
        )

    return _send_once(
        registration_id,
        "reminder_sent_at",
        build,
        status="confirmed",
        session__status__in=["ouverte", "complete", "close"],
    )


def reminders_due(today: datetime.date | None = None):
    """Confirmed registrations whose session starts in two days (or sooner, if a run was
    missed), not reminded yet."""
    from .models import Registration, Session

    today = today or timezone.localdate()
    return (
        Registration.objects.confirmed()
        .filter(reminder_sent_at__isnull=True)
        .filter(
            session__status__in=[
                Session.Status.OUVERTE,
                Session.Status.COMPLETE,
                Session.Status.CLOSE,
            ]
        )
        .with_first_day()
        .filter(first_day__gt=today, first_day__lte=today + datetime.timedelta(REMINDER_DAYS))
    )


@shared_task
def send_due_reminders() -> int:
    """Daily (Celery beat): queue the reminders of the sessions starting in two days."""
    ids = list(reminders_due().values_list("pk", flat=True))
    for registration_id in ids:
        send_reminder.delay(registration_id)
    return len(ids)


@shared_task(autoretry_for=EMAIL_TRANSIENT, max_retries=3, retry_backoff=True)
def send_session_cancellation(session_id: int) -> int:
    """Tell every registrant (confirmed or waiting) of a cancelled session, with the reason and
    the other sessions of the same training still open."""
    from .documents import session_calendar
    from .models import Registration, Session, SessionPart

    session = Session.objects.get(pk=session_id)
    others = list(
        Session.objects.filter(training_id=session.training_id)
        .exclude(pk=session_id)
        .filter(status__in=[Session.Status.OUVERTE, Session.Status.COMPLETE])
        .filter(registration_deadline__gte=timezone.localdate())
        .prefetch_related(Prefetch("parts", queryset=SessionPart.objects.order_by("date")))
        .order_by("registration_deadline", "pk")
    )

    def build(registration, association):
        message = _message(
            registration,
            association,
            f"session annulée : {registration.session.training.title}",
            "formations/email/session_cancelled.txt",
            others=others,
        )
        if registration.is_confirmed:
            ics = session_calendar(registration.session, cancelled=True)
            message.attach("annulation.ics", ics, "text/calendar")
        return message

    sent = 0
    ids = Registration.objects.active().filter(session_id=session_id).values_list("pk", flat=True)
    for registration_id in list(ids):
        sent += _send_once(
            registration_id, "cancellation_sent_at", build, session__status="annulee"
        )
    return sent


@shared_task(autoretry_for=EMAIL_TRANSIENT, max_retries=3, retry_backoff=True)
def send_certificates(session_id: int) -> int:
    """Each participant present at least once gets their certificate of attendance."""
    from .documents import certificate, certificate_filename
    from .models import Registration

    def build(registration, association):
        message = _message(
            registration,
            association,
            f"attestation de présence : {registration.session.training.title}",
            "formations/email/certificate.txt",
        )
        message.attach(
            certificate_filename(registration), certificate(registration), "application/pdf"
        )
        return message

    ids = (
        Registration.objects.confirmed()
        .filter(session_id=session_id, attendances__present=True)
        .distinct()
        .values_list("pk", flat=True)
    )
    return sum(
        _send_once(registration_id, "certificate_sent_at", build, session__status="tenue")
        for registration_id in list(ids)
    )
