"""The figures of the annual activity report, contributed by each app.

Each app declares its figures in `<app>/indicators.py` with the `@indicator` decorator; the
report (occe/reports) reads them through `registry()`, never through the apps' internals. The
keys are the stable, documented keys of the `Indicateurs` sheet (lower-case ASCII, dotted).

    @indicator("cooperatives.total", "Coopératives affiliées", section="cooperatives")
    def total(year: SchoolYear) -> int | None: ...

A key ending in `.*` or containing `*` is a family: the function returns `{slug: value}` and one
figure is made per item (`prets.*.jours` -> `prets.camera.jours`, …). A function returns None
when the application holds no data for that year ("non renseigné" in the report, an empty cell
in the workbook), never 0 by default.

A family gives its items' display names with `names`: a dict `{slug: name}` (the labels of a
choice field) or a function of the year returning one (the trainings' titles), so that the
report shows « Premiers secours », never the slug. A slug may hold dots (`reunions.*` gives
`departemental.ca`); a key with several `*` (`actions.*.budget.contributions.*`) takes one
dotted part of the slug for each (`thea.dsden`). `names` names each part by its path
(`departemental`: « Départemental », `departemental.ca`: « CA »): the report shows
« Départemental — CA », and its tables name their rows by the first part.

Several figures often share one computation (the year's affiliations give a dozen figures):
such a helper is decorated with `@shared`, and computes once per arguments inside
`shared_figures()` (the report's collection opens one), normally elsewhere (the apps' pages).
"""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.utils.module_loading import autodiscover_modules


class Unit:
    COUNT = "count"  # an integer
    AMOUNT = "amount"  # euros, two decimals
    NUMBER = "number"  # a decimal quantity (hours, days)
    TEXT = "text"


_MEMO: ContextVar[dict | None] = ContextVar("shared_figures", default=None)


@contextmanager
def shared_figures() -> Iterator[None]:
    """Inside it, each `@shared` helper computes once per arguments (one report's figures).
    Nested, it keeps the outer one's results (a listing read during the report's figures)."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def shared(function: Callable) -> Callable:
    """A helper whose result several figures read: computed once per arguments inside
    `shared_figures()`. Its result is shared: callers must not modify it."""

    @functools.wraps(function)
    def wrapper(*args):
        memo = _MEMO.get()
        if memo is None:
            return function(*args)
        key = (function, *args)
        if key not in memo:
            memo[key] = function(*args)
        return memo[key]

    return wrapper


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    section: str
    unit: str
    function: Callable
    names: Callable | dict | None = None

    @property
    def is_family(self) -> bool:
        return "*" in self.key

    @property
    def family_prefix(self) -> str:
        """`formations.` for `formations.*.sessions`: what comes before an item's slug."""
        return self.key.partition("*")[0]

    def compute(self, year) -> dict[str, int | Decimal | str | None]:
        """{key: value} for this year (one entry, or one per item for a family)."""
        return {key: value for key, _, value in self.items(year)}

    def items(self, year) -> list[tuple[str, str, int | Decimal | str | None]]:
        """[(key, item slug, value)] for this year: ("", slug "") for a single figure."""
        value = self.function(year)
        if not self.is_family:
            return [(self.key, "", value)]
        return [(self.item_key(slug), slug, item) for slug, item in (value or {}).items()]

    def item_key(self, slug: str) -> str:
        """The key of an item: with several `*`, the slug gives one dotted part for each
        (`actions.*.budget.contributions.*`, `thea.dsden` -> `actions.thea.budget.…dsden`)."""
        stars = self.key.count("*")
        if stars == 1:
            return self.key.replace("*", slug)
        parts = slug.split(".")
        if len(parts) != stars:
            raise ValueError(f"{self.key} : « {slug} » devrait avoir {stars} parties")
        pieces = self.key.split("*")
        return (
            "".join(piece + part for piece, part in zip(pieces, parts, strict=False)) + pieces[-1]
        )

    def item_names(self, year) -> dict[str, str]:
        """{slug: display name} of a family's items ({} when it gives none)."""
        if self.names is None:
            return {}
        if isinstance(self.names, dict):
            return dict(self.names)
        return dict(shared(self.names)(year))  # once per year for the family's figures


_REGISTRY: dict[str, Indicator] = {}


def indicator(
    key: str,
    label: str,
    *,
    section: str,
    unit: str = Unit.COUNT,
    names: Callable | dict | None = None,
) -> Callable:
    def register(function: Callable) -> Callable:
        if key in _REGISTRY and _REGISTRY[key].function is not function:
            raise ValueError(f"Indicateur déclaré deux fois : {key}")
        _REGISTRY[key] = Indicator(key, label, section, unit, function, names)
        return function

    return register


def choice_names(choices) -> dict[str, str]:
    """`names` of a family keyed by a choice field's values: its French labels."""
    return {str(value): str(label) for value, label in choices}


def registry() -> dict[str, Indicator]:
    """Every declared indicator, the apps' `indicators` modules imported first."""
    if apps.ready:
        autodiscover_modules("indicators")
    return dict(_REGISTRY)
