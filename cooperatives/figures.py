"""The figures of the cooperatives shown on the home page and the campaign page.

Each count is the length of a list a user can open: every card carries the URL of that list
(the cooperatives list or a campaign tab, with the filters in the query string), and both
the count and the list come from the same queryset methods of the models.
"""

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import F, Sum
from django.urls import reverse

from occe.core import formats
from occe.core.models import SchoolYear

from .models import Affiliation, Cooperative


@dataclass
class Card:
    value: int
    label: str
    url: str


def list_url(**params) -> str:
    return f"{reverse('cooperatives:list')}?{urlencode(params)}"


def campaign_url(year: SchoolYear, state: str) -> str:
    return f"{reverse('cooperatives:campaign')}?{urlencode({'annee': year.label, 'etat': state})}"


# The campaign's tabs: (key, label), in the order of the campaign.
CAMPAIGN_STATES = [
    ("non_commencees", "Pas commencées"),
    ("brouillons", "En brouillon"),
    ("soumises", "Soumises, à valider"),
    ("validees", "Affiliées"),
    ("a_encaisser", "Cotisations à encaisser"),
    ("radiees", "Radiées (à part)"),
]


def campaign_lists(year: SchoolYear) -> dict:
    """The cooperatives of each campaign tab. The first four split the active coops."""
    coops = Cooperative.objects
    return {
        "non_commencees": coops.not_started(year),
        "brouillons": coops.with_affiliation(year, Affiliation.Status.DRAFT),
        "soumises": coops.with_affiliation(year, Affiliation.Status.SUBMITTED),
        "validees": coops.affiliated(year),
        "a_encaisser": coops.filter(pk__in=Affiliation.objects.unpaid(year).values("cooperative")),
        "radiees": coops.struck_off_affiliated(year),
    }


def amount_to_collect(year: SchoolYear) -> Decimal:
    due = Affiliation.objects.unpaid(year).aggregate(
        due=Sum(F("fee_pupils") + F("fee_adults") + F("fee_insurance") - F("paid_total"))
    )["due"]
    return due or Decimal("0")


def home_cards(year: SchoolYear) -> list[Card]:
    """The staff's home page: where the department stands this year."""
    totals = Affiliation.objects.affiliated(year).totals()
    affiliated = list_url(annee=year.label, affiliee="oui")
    return [
        Card(
            Cooperative.objects.active().count(),
            "coopératives actives",
            list_url(status=Cooperative.Status.ACTIVE),
        ),
        Card(totals["coops"], f"coopératives affiliées en {year}", affiliated),
        Card(
            totals["members"],
            f"adhérents {year} ({formats.number(totals['pupils'])} élèves, "
            f"{formats.number(totals['adults'])} adultes)",
            affiliated,
        ),
        Card(
            Cooperative.objects.not_affiliated(year).count(),
            "coopératives actives pas encore affiliées",
            list_url(annee=year.label, affiliee="non"),
        ),
        Card(
            Cooperative.objects.with_affiliation(year, Affiliation.Status.SUBMITTED).count(),
            "affiliations soumises, à valider",
            campaign_url(year, "soumises"),
        ),
        Card(
            Affiliation.objects.unpaid(year).count(),
            "cotisations à encaisser",
            campaign_url(year, "a_encaisser"),
        ),
        Card(
            Cooperative.objects.exclude(status=Cooperative.Status.ACTIVE).count(),
            "coopératives radiées (comptées à part)",
            list_url(status=Cooperative.Status.RADIEE),
        ),
    ]
