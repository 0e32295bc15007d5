"""The trainings' figures as a table: `(headers, rows)` with real numbers, written by
`occe.core.spreadsheets.write_xlsx` (an exporter class later: the conversion is mechanical)."""

from occe.core.models import SchoolYear

from . import indicators
from .models import Audience, Training

HEADERS = [
    "Formation",
    "Identifiant",
    "Thème",
    "Public",
    "Durée (h)",
    "Sessions tenues",
    "Sessions annulées",
    "Participants présents",
    "Heures × participants",
]


def training_rows(year: SchoolYear) -> list[dict]:
    """One row per training with a session in the year (the figures page and the export)."""
    figures = {
        "held": indicators.sessions_held(year) or {},
        "cancelled": indicators.sessions_cancelled(year) or {},
        "participants": indicators.participants(year) or {},
        "hours": indicators.hours(year) or {},
    }
    trainings = Training.objects.filter(slug__in=figures["held"]).select_related("theme")
    return [
        {
            "training": training,
            "held": figures["held"].get(training.slug, 0),
            "cancelled": figures["cancelled"].get(training.slug, 0),
            "participants": figures["participants"].get(training.slug, 0),
            "hours": figures["hours"].get(training.slug, 0),
        }
        for training in trainings.order_by("title")
    ]


def audience_rows(year: SchoolYear) -> list[dict]:
    held = indicators.sessions_by_audience(year) or {}
    people = indicators.participants_by_audience(year) or {}
    hours = indicators.hours_by_audience(year) or {}
    return [
        {
            "label": label,
            "held": held.get(value, 0),
            "participants": people.get(value, 0),
            "hours": hours.get(value, 0),
        }
        for value, label in Audience.choices
        if value in held
    ]


def figures_table(year: SchoolYear) -> tuple[list[str], list[list]]:
    rows = [
        [
            row["training"].title,
            row["training"].slug,
            row["training"].theme.name,
            row["training"].get_audience_display(),
            row["training"].hours,
            row["held"],
            row["cancelled"],
            row["participants"],
            row["hours"],
        ]
        for row in training_rows(year)
    ]
    return HEADERS, rows
