"""What a session produces: its calendar file (.ics), the attendance sheet of a part and the
certificate of attendance of a participant (PDF)."""

import datetime
from decimal import Decimal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from icalendar import Calendar, Event

from occe.core.models import Association
from occe.core.pdf import render_pdf

from .models import Registration, Session, SessionPart

PARIS = ZoneInfo("Europe/Paris")


def part_uid(part: SessionPart) -> str:
    """Stable across e-mails, so a calendar updates (or cancels) the same event."""
    domain = urlsplit(settings.SITE_URL).hostname or "occe.local"
    return f"formation-session-{part.session_id}-partie-{part.pk}@{domain}"


def session_calendar(session: Session, cancelled: bool = False) -> bytes:
    """One VEVENT per part, in Paris time; STATUS:CANCELLED once the session is cancelled."""
    calendar = Calendar()
    calendar.add("prodid", "-//OCCE//Formations//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    parts = session.parts_list()
    now = datetime.datetime.now(datetime.UTC)
    for number, part in enumerate(parts, start=1):
        event = Event()
        event.add("uid", part_uid(part))
        event.add("dtstamp", now)
        event.add("dtstart", datetime.datetime.combine(part.date, part.start_time, PARIS))
        event.add("dtend", datetime.datetime.combine(part.date, part.end_time, PARIS))
        summary = f"Formation : {session.training.title}"
        if len(parts) > 1:
            summary += f" ({number}/{len(parts)})"
        event.add("summary", summary)
        event.add("location", part.place or "Visioconférence")
        if part.visio_url:
            event.add("url", part.visio_url)
        description = [session.training.description] if session.training.description else []
        if part.visio_url:
            description.append(f"Lien de visioconférence : {part.visio_url}")
        if description:
            event.add("description", "\n\n".join(description))
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def attendance_sheet(part: SessionPart, registrations: list[Registration]) -> bytes:
    session = part.session
    return render_pdf(
        "formations/pdf/attendance_sheet.html",
        {
            "association": Association.get(),
            "session": session,
            "part": part,
            "registrations": registrations,
            "number": session.parts_list().index(part) + 1,
            "parts_count": len(session.parts_list()),
        },
    )


def attended_parts(registration: Registration) -> list[SessionPart]:
    present = {a.part_id for a in registration.attendances.all() if a.present}
    return [part for part in registration.session.parts_list() if part.pk in present]


def certificate(registration: Registration) -> bytes:
    parts = attended_parts(registration)
    return render_pdf(
        "formations/pdf/certificate.html",
        {
            "association": Association.get(),
            "registration": registration,
            "session": registration.session,
            "parts": parts,
            "hours": sum((p.hours for p in parts), Decimal("0")),
            "today": datetime.date.today(),
        },
    )


def certificate_filename(registration: Registration) -> str:
    return f"attestation-formation-{registration.session.training.slug}-{registration.pk}.pdf"
