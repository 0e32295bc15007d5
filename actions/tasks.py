"""E-mails of the actions, sent in the background after the commit that changed a status."""

import smtplib

from celery import shared_task
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from occe.core.models import Association

EMAIL_TRANSIENT = (smtplib.SMTPException, OSError, TimeoutError)


@shared_task(autoretry_for=EMAIL_TRANSIENT, max_retries=3, retry_backoff=True)
def send_status_change(registration_id: int, status: str) -> bool:
    """Tell the teacher their class's new status. Nothing is sent when the status has changed
    again since (the later change sends its own message)."""
    from .models import ClassRegistration

    registration = (
        ClassRegistration.objects.select_related("teacher", "cooperative", "edition__action")
        .filter(pk=registration_id, status=status)
        .first()
    )
    if registration is None or not registration.teacher.email:
        return False
    association = Association.get()
    body = render_to_string(
        "actions/email/status_change.txt",
        {"registration": registration, "association": association},
    )
    subject = (
        f"{association.short_name} — {registration.edition.action.title} : "
        f"{registration.get_status_display().lower()}"
    )
    EmailMessage(subject, body, None, [registration.teacher.email]).send()
    return True
