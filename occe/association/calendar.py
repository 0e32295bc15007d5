"""The .ics attached to a meeting's convocation (icalendar)."""

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from .models import Meeting


def meeting_ics(meeting: Meeting) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//OCCE gestion//Réunions//FR")
    calendar.add("version", "2.0")
    # PUBLISH: an entry to add to one's calendar, not an invitation expecting an answer.
    calendar.add("method", "PUBLISH")
    event = Event()
    host = settings.SITE_URL.split("://")[-1].split("/")[0] or "occe"
    event.add("uid", f"reunion-{meeting.pk}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", meeting.name)
    event.add("location", meeting.place or meeting.visio_url)
    if meeting.visio_url:
        event.add("url", meeting.visio_url)
    description = meeting.agenda
    if meeting.visio_url:
        description = f"{description}\n\nVisioconférence : {meeting.visio_url}".strip()
    if description:
        event.add("description", description)
    calendar.add_component(event)
    return calendar.to_ical()
