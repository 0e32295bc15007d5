"""What personal data each app keeps, why, for how long, and what erases it when that time ends.

Each app declares its rules in `<app>/retention.py` (found at start-up, as the admin finds
`admin.py`)::

    @retention_rule(
        "finances.donateurs",
        label="Identité des donateurs sur les reçus fiscaux",
        purpose="Justifier les reçus émis auprès de l'administration fiscale.",
        duration="6 ans après la fin de l'année d'émission du reçu",
        order=10,
    )
    def anonymise_donors(today: datetime.date) -> int:
        ...  # erase what has expired on `today`; return how many records it changed

A rule without a function is only described (the « Données personnelles » page lists every
rule). The monthly task (`occe.ops.tasks.retention`) runs every rule and records the counts
(`RetentionRun`); rules must be idempotent: a second run on the same day changes nothing.

The same modules may declare what they hold about one person (`@person_data`) for the export
and the anonymisation on request (see occe/ops/privacy.py).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class RetentionRule:
    key: str
    label: str
    purpose: str
    duration: str
    apply: Callable[[datetime.date], int] | None = None
    order: int = 100


_rules: dict[str, RetentionRule] = {}
_discovered = False


def retention_rule(key: str, *, label: str, purpose: str, duration: str, order: int = 100):
    """Declare a rule; decorate the function that applies it (`today -> count`)."""

    def decorator(function):
        _rules[key] = RetentionRule(key, label, purpose, duration, function, order)
        return function

    return decorator


def describe(key: str, *, label: str, purpose: str, duration: str, order: int = 100) -> None:
    """A rule nothing has to erase (kept while it serves, or erased by its owner's action)."""
    _rules[key] = RetentionRule(key, label, purpose, duration, None, order)


def discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("retention")
        _discovered = True


def rules() -> list[RetentionRule]:
    discover()
    return sorted(_rules.values(), key=lambda rule: (rule.order, rule.key))


def apply_all(today: datetime.date) -> dict[str, int]:
    """Run every rule for `today`; the counts by rule key (no personal data)."""
    return {rule.key: rule.apply(today) for rule in rules() if rule.apply is not None}


# Accounts an app still needs (a current mandate…): never deactivated nor anonymised by the
# retention task. Each function returns a queryset of user ids.
_account_keepers: list[Callable] = []


def keeps_accounts(function):
    """Declare, in an app's retention.py, which accounts it still needs."""
    _account_keepers.append(function)
    return function


def kept_account_ids() -> set[int]:
    discover()
    kept: set[int] = set()
    for function in _account_keepers:
        kept.update(function())
    return kept


# What apps hold under an e-mail address without an account (donors…), for the export and the
# anonymisation of one person (occe/ops/privacy.py).
_person_sources: dict[str, Callable] = {}
_person_erasers: dict[str, Callable] = {}


def person_data(key: str):
    """`function(email, user_or_None) -> (rows: list[dict], files: [(stored, archive name)])`."""

    def decorator(function):
        _person_sources[key] = function
        return function

    return decorator


def person_eraser(key: str):
    """`function(email, user_or_None, today) -> (erased: int, kept: str)`: erase what no legal
    duty keeps, say in French what stays and until when."""

    def decorator(function):
        _person_erasers[key] = function
        return function

    return decorator


def person_sources() -> list[tuple[str, Callable]]:
    discover()
    return sorted(_person_sources.items())


def person_erasers() -> list[tuple[str, Callable]]:
    discover()
    return sorted(_person_erasers.items())
