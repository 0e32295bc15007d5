"""Background work of the association's pages: meeting convocations (newsletters are sent by
the generic mailing tasks of occe/core/mailings.py)."""

import smtplib

from celery import shared_task
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import timezone

from occe.core.models import Association

from .calendar import meeting_ics
from .models import Attendance, Meeting

CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError)


@shared_task(autoretry_for=CONNECTION_ERRORS, max_retries=3, retry_backoff=True)
def send_convocations(meeting_id: int) -> int:
    """E-mail the convocation and its .ics to each attendee with an address, once: each
    attendance is claimed (convoked_at set) before its message leaves, so a second run, or a
    second click, reaches only the attendees added since."""
    meeting = Meeting.objects.get(pk=meeting_id)
    waiting = meeting.attendances.filter(convoked_at__isnull=True).select_related("person__user")
    waiting = [a for a in waiting if a.person.contact_email]
    if not waiting:
        return 0
    association = Association.get()
    ics = meeting_ics(meeting)
    body = render_to_string(
        "association/email/convocation.txt", {"meeting": meeting, "association": association}
    )
    subject = f"{association.short_name} — convocation : {meeting.name}"
    sent = 0
    with get_connection() as connection:  # one SMTP session for every attendee
        for attendance in waiting:
            claimed = Attendance.objects.filter(pk=attendance.pk, convoked_at__isnull=True).update(
                convoked_at=timezone.now()
            )
            if not claimed:
                continue
            message = EmailMessage(
                subject, body, to=[attendance.person.contact_email], connection=connection
            )
            message.attach("reunion.ics", ics, "text/calendar")
            try:
                message.send()
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException):
                # Refused before acceptance: not delivered, so a later click may try again.
                Attendance.objects.filter(pk=attendance.pk).update(convoked_at=None)
                continue
            sent += 1
    return sent
