"""Change history (django-simple-history) shown as events: who, when, what changed.

The changes are computed in Python between consecutive records of the same object, so a page
showing N records runs one query, not one per record (`diff_against` would query each time).
"""

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal

from . import formats

ACTIONS = {"+": "création", "~": "modification", "-": "suppression"}


def _display(field, value, names: dict | None = None) -> str:
    if value is None or value == "":
        return "—"
    if names is not None:
        # A foreign key: the object's name (a user, a receipt's number), never its id.
        return names.get(value, "—")
    choices = dict(field.flatchoices) if field.choices else None
    if choices is not None:
        return str(choices.get(value, value))
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal):
        return formats.number(value, 2)
    if isinstance(value, datetime.date):
        return formats.date_fr(value)
    return str(value)


def history_events(
    records: Iterable,
    model,
    subject: str | Callable = "",
    exclude: Iterable[str] = (),
) -> list[dict]:
    """One event per record, oldest first given records ordered by `history_date`.

    Each event: date, user, action, subject, changes = [{"field", "old", "new"}]. Updates that
    changed none of the shown fields are left out.
    """
    excluded = {"id", *exclude}
    fields = [
        f
        for f in model._meta.concrete_fields
        if f.editable and not f.auto_created and f.name not in excluded
    ]
    records = list(records)
    names = _related_names(records, fields)
    previous: dict = {}
    events = []
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        changes = []
        if before is not None:
            for field in fields:
                old, new = getattr(before, field.attname), getattr(record, field.attname)
                if old != new:
                    changes.append(
                        {
                            "field": str(field.verbose_name),
                            "old": _display(field, old, names.get(field.name)),
                            "new": _display(field, new, names.get(field.name)),
                        }
                    )
            if not changes and record.history_type == "~":
                continue
        events.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "action": ACTIONS.get(record.history_type, record.history_type),
                "subject": subject(record) if callable(subject) else subject,
                "changes": changes,
            }
        )
    return events


def _related_names(records: list, fields: list) -> dict[str, dict]:
    """{foreign key name: {id: str(object)}}, one query per foreign key of the model."""
    names = {}
    for field in fields:
        if not field.is_relation:
            continue
        ids = {getattr(record, field.attname) for record in records} - {None}
        objects = field.related_model._base_manager.in_bulk(ids) if ids else {}
        names[field.name] = {pk: str(obj) for pk, obj in objects.items()}
    return names


def newest_first(*event_lists: list[dict], limit: int = 50) -> list[dict]:
    events = [event for events in event_lists for event in events]
    events.sort(key=lambda event: event["date"], reverse=True)
    return events[:limit]
