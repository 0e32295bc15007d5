"""Change history (django-simple-history) shown as events: who, when, what changed.

The changes are computed in Python between consecutive records of the same object, so a page
showing N records runs one query, not one per record (`diff_against` would query each time);
the objects a foreign key points to are shown by name, fetched with one query per model.

`bulk_create_recorded` writes many objects and their « création » records, the records copied
by the database itself.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from django.db import connections, router
from django.utils import timezone

from . import formats

ACTIONS = {"+": "création", "~": "modification", "-": "suppression"}


def display_value(field, value, names: dict | None = None) -> str:
    """A field's value as people read it. For a foreign key, `names` maps ids to names."""
    if value is None or value == "":
        return "—"
    if field.many_to_one and names is not None:
        return names.get(value, f"n° {value}")
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


def _related_names(records: list, fields: list) -> dict[str, dict]:
    """{field name: {id: name}} for the foreign keys of `fields`, one query per related model."""
    keys = [f for f in fields if f.many_to_one]
    ids = defaultdict(set)
    for record in records:
        for field in keys:
            value = getattr(record, field.attname)
            if value is not None:
                ids[field.related_model].add(value)
    names = {
        model: {pk: str(obj) for pk, obj in model._default_manager.in_bulk(pks).items()}
        for model, pks in ids.items()
    }
    return {field.name: names.get(field.related_model, {}) for field in keys}


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
                            "old": display_value(field, old, names.get(field.name)),
                            "new": display_value(field, new, names.get(field.name)),
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


def newest_first(*event_lists: list[dict], limit: int = 50) -> list[dict]:
    events = [event for events in event_lists for event in events]
    events.sort(key=lambda event: event["date"], reverse=True)
    return events[:limit]


# The columns simple_history adds to a historical table, beside the tracked model's own.
_RECORD_FIELDS = {"history_id", "history_date", "history_change_reason", "history_type"}


def bulk_create_recorded(
    objs: Sequence, model, *, user=None, reason: str | None = None, batch_size: int = 500
) -> list:
    """`bulk_create` of `objs`, then their « création » records in the historical table, each
    batch copied from the rows just written by one `INSERT … SELECT`.

    It records what simple_history's `bulk_create_with_history` records (same fields, one date,
    the user and the reason given), without building a historical object per row in Python:
    that was half the time of a 6 250-row import. Needs the primary keys back from the insert
    (SQLite and PostgreSQL give them).
    """
    created = model._default_manager.bulk_create(objs, batch_size=batch_size)
    if not created:
        return created
    record_model = model.history.model
    fields = {f.name: f for f in model._meta.concrete_fields}
    copied, extra = [], []
    for field in record_model._meta.concrete_fields:
        if field.name in _RECORD_FIELDS or field.name == "history_user":
            continue
        source = fields.get(field.name)
        if source is None:
            extra.append(field.name)
        else:
            copied.append((field.column, source.column))
    if extra:
        raise ValueError(f"{record_model.__name__}: champs d'historique inattendus {extra}")
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    user_column = record_model._meta.get_field("history_user").column
    targets = [quote(target) for target, _ in copied]
    targets += [quote(c) for c in ("history_date", "history_type", "history_change_reason")]
    sources = [quote(source) for _, source in copied] + ["%s", "%s", "%s"]
    targets.append(quote(user_column))
    sources.append("%s")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = getattr(user, "pk", user)
    pk_column = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(created), batch_size):
            pks = [obj.pk for obj in created[start : start + batch_size]]
            if None in pks:
                raise ValueError("bulk_create n'a pas rendu les clés primaires.")
            cursor.execute(
                f"INSERT INTO {quote(record_model._meta.db_table)} ({', '.join(targets)}) "
                f"SELECT {', '.join(sources)} FROM {quote(model._meta.db_table)} "
                f"WHERE {pk_column} IN ({', '.join(['%s'] * len(pks))})",
                [now, "+", reason, user_id, *pks],
            )
    return created
