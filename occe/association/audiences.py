"""Who a newsletter goes to: each audience gives (email, name) pairs for the chosen filters.

"Affiliated" means a validated affiliation of the school year, as everywhere in the project.
Hook: the actions app (being built) will add the teachers registered to an action edition with
`AUDIENCES["enseignants_action"] = Audience(label, function)`; the send form lists AUDIENCES.
"""

from collections.abc import Callable
from dataclasses import dataclass

from cooperatives.models import Affiliation, Cooperative, Mandate
from occe.core.models import SchoolYear


@dataclass(frozen=True)
class Filters:
    types: tuple[str, ...] = ()
    circonscriptions: tuple[int, ...] = ()
    priorities: tuple[str, ...] = ()  # "REP", "REP+", "aucune"

    def cooperatives(self, year: SchoolYear):
        coops = Cooperative.objects.active().filter(
            affiliations__school_year=year,
            affiliations__status=Affiliation.Status.VALIDATED,
        )
        if self.types:
            coops = coops.filter(type__in=self.types)
        if self.circonscriptions:
            coops = coops.filter(circonscription__in=self.circonscriptions)
        if self.priorities:
            values = ["" if p == "aucune" else p for p in self.priorities]
            coops = coops.filter(priority_education__in=values)
        return coops


@dataclass(frozen=True)
class Audience:
    label: str
    people: Callable[[SchoolYear, Filters], list[tuple[str, str]]]


def affiliated_mandataires(year: SchoolYear, filters: Filters) -> list[tuple[str, str]]:
    """The current mandataires (principal and co-) of the coops affiliated this year."""
    rows = (
        Mandate.objects.current()
        .filter(cooperative__in=filters.cooperatives(year), user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", "user__first_name", "user__last_name")
        .distinct()
    )
    return [(email, f"{first} {last}".strip()) for email, first, last in rows]


AUDIENCES: dict[str, Audience] = {
    "mandataires": Audience(
        "Mandataires des coopératives affiliées cette année", affiliated_mandataires
    ),
}
