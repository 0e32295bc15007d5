"""The lists of the activity plan (projet d'activité), contributed by each app.

Where an indicator is one figure of a year, a listing is what an app plans for a year: the
training sessions with their hours and places, the actions' editions with their mode and
partners, the meetings, the resources lent… Each app declares its listings in
`<app>/listings.py` with the `@listing` decorator; the activity plan (occe/reports) reads them
through `registry()`, never through the apps' internals.

    @listing("plan.formations", "Formations prévues", section="projet_formations",
             columns=(Column("heures", "Durée", Unit.NUMBER, "{} h"),))
    def planned(year: SchoolYear) -> list[Entry]: ...

An entry has a title, optional group (the heading it is listed under, in the order the entries
come), its values by column (real numbers and dates: the workbook keeps them, the PDF shows
them in French through the column's format) and a free line of details.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.utils.module_loading import autodiscover_modules

from . import formats
from .indicators import Unit


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    unit: str = Unit.COUNT
    template: str = "{}"  # the French value put in it: "{} h", "{} place"
    plural: str = ""  # the template above 1: "{} places"
    in_pdf: bool = True  # False: in the workbook only (the PDF says it otherwise)
    own_line: bool = False  # the PDF shows it on a line of its own (a long text)

    def show(self, value) -> str:
        """The value in French (`1,5 h`, `20 places`, `12 septembre 2026`), "" when empty."""
        if value is None or value == "" or value == []:
            return ""
        if isinstance(value, datetime.date):
            shown = formats.date_fr(value)
        elif self.unit == Unit.AMOUNT:
            shown = formats.euros(value)
        elif self.unit == Unit.NUMBER:
            decimal = Decimal(str(value))
            shown = formats.number(decimal, 0 if decimal == decimal.to_integral() else 1)
        elif self.unit == Unit.COUNT:
            shown = formats.number(value)
        else:
            shown = str(value)
        plural = self.plural and isinstance(value, int | Decimal) and value > 1
        return (self.plural if plural else self.template).format(shown)


@dataclass
class Entry:
    title: str
    values: dict = field(default_factory=dict)
    group: str = ""
    details: str = ""


@dataclass(frozen=True)
class Listing:
    key: str
    label: str
    section: str
    columns: tuple[Column, ...]
    function: Callable

    def entries(self, year) -> list[Entry]:
        return list(self.function(year) or [])


_REGISTRY: dict[str, Listing] = {}


def listing(key: str, label: str, *, section: str, columns: tuple[Column, ...] = ()) -> Callable:
    def register(function: Callable) -> Callable:
        if key in _REGISTRY and _REGISTRY[key].function is not function:
            raise ValueError(f"Liste déclarée deux fois : {key}")
        _REGISTRY[key] = Listing(key, label, section, tuple(columns), function)
        return function

    return register


def registry() -> dict[str, Listing]:
    """Every declared listing, the apps' `listings` modules imported first."""
    if apps.ready:
        autodiscover_modules("listings")
    return dict(_REGISTRY)
