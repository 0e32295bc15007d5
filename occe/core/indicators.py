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
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.utils.module_loading import autodiscover_modules


class Unit:
    COUNT = "count"  # an integer
    AMOUNT = "amount"  # euros, two decimals
    NUMBER = "number"  # a decimal quantity (hours, days)
    TEXT = "text"


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    section: str
    unit: str
    function: Callable

    @property
    def is_family(self) -> bool:
        return "*" in self.key

    def compute(self, year) -> dict[str, int | Decimal | str | None]:
        """{key: value} for this year (one entry, or one per item for a family)."""
        value = self.function(year)
        if not self.is_family:
            return {self.key: value}
        return {self.key.replace("*", slug): item for slug, item in (value or {}).items()}


_REGISTRY: dict[str, Indicator] = {}


def indicator(key: str, label: str, *, section: str, unit: str = Unit.COUNT) -> Callable:
    def register(function: Callable) -> Callable:
        if key in _REGISTRY and _REGISTRY[key].function is not function:
            raise ValueError(f"Indicateur déclaré deux fois : {key}")
        _REGISTRY[key] = Indicator(key, label, section, unit, function)
        return function

    return register


def registry() -> dict[str, Indicator]:
    """Every declared indicator, the apps' `indicators` modules imported first."""
    if apps.ready:
        autodiscover_modules("indicators")
    return dict(_REGISTRY)
