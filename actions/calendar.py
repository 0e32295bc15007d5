"""An intervenant's interventions as a calendar file (.ics) for their diary."""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from icalendar import Calendar, Event

from .models import Intervenant, Intervention

STATUS = {
    Intervention.Status.PLANIFIEE: "CONFIRMED",
    Intervention.Status.REALISEE: "CONFIRMED",
    Intervention.Status.ANNULEE: "CANCELLED",
}


def intervention_uid(intervention: Intervention) -> str:
    """Stable, so that a re-imported calendar updates the same events."""
    domain = urlsplit(settings.SITE_URL).hostname or "occe.local"
    return f"intervention-{intervention.pk}@{domain}"


def intervenant_calendar(intervenant: Intervenant) -> bytes:
    """One VEVENT per intervention of the intervenant (cancelled ones marked CANCELLED)."""
    calendar = Calendar()
    calendar.add("prodid", "-//OCCE//Actions pédagogiques//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Interventions — {intervenant.name}")
    now = datetime.datetime.now(datetime.UTC)
    interventions = intervenant.interventions.select_related(
        "cooperative", "edition__action", "registration"
    ).order_by("starts_at")
    for intervention in interventions:
        event = Event()
        event.add("uid", intervention_uid(intervention))
        event.add("dtstamp", now)
        event.add("dtstart", intervention.local_start)
        event.add("dtend", intervention.local_end)
        summary = intervention.title
        if intervention.subject:
            summary += f" : {intervention.subject}"
        if intervention.registration_id:
            summary += f" — {intervention.registration.class_name}"
        event.add("summary", summary)
        coop = intervention.cooperative
        event.add("location", f"{coop.name}, {coop.commune}")
        if intervention.notes:
            event.add("description", intervention.notes)
        event.add("status", STATUS[intervention.status])
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
