"""The donation receipts' figures of the annual report (`recus.*`, `recus.trousse.*`).

A request counts in the school year during which it was validated (`decided_at`); its amount
and its receipts are those of its receipts still valid (a cancelled receipt's replacement
counts, the cancelled one does not). Requests sent by the coops (`recus.*`) and those coming
from the Trousse à projets platform (`recus.trousse.*`) are counted apart, as the report does.
None when no request of that channel was validated during the year.
"""

from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from occe.core.indicators import Unit, indicator
from occe.core.models import SchoolYear

from .models import Channel, DonationRequest, Receipt

SECTION = "accompagnement"
CENT = Decimal("0.01")


def validated_requests(year: SchoolYear, channel: str):
    return DonationRequest.objects.filter(
        channel=channel,
        status=DonationRequest.Status.VALIDATED,
        decided_at__date__range=(year.start_date, year.end_date),
    )


def _figures(year: SchoolYear, channel: str) -> dict | None:
    requests = validated_requests(year, channel)
    count = requests.count()
    if not count:
        return None
    receipts = Receipt.objects.valid().filter(request__in=requests.values("pk"))
    totals = receipts.aggregate(amount=Sum("amount"), receipts=Count("pk"))
    return {
        "requests": count,
        "amount": (totals["amount"] or Decimal("0")).quantize(CENT),
        "receipts": totals["receipts"],
    }


def _figure(channel: str, name: str):
    def compute(year: SchoolYear):
        figures = _figures(year, channel)
        return None if figures is None else figures[name]

    return compute


COOP, TROUSSE = Channel.COOPERATIVE, Channel.TROUSSE

indicator("recus.demandes", "Demandes de reçus validées", section=SECTION)(
    _figure(COOP, "requests")
)
indicator(
    "recus.montant", "Montant des dons des demandes validées", section=SECTION, unit=Unit.AMOUNT
)(_figure(COOP, "amount"))
indicator("recus.nombre", "Reçus émis pour les demandes validées", section=SECTION)(
    _figure(COOP, "receipts")
)
indicator("recus.trousse.demandes", "Demandes Trousse à projets validées", section=SECTION)(
    _figure(TROUSSE, "requests")
)
indicator(
    "recus.trousse.montant",
    "Montant des dons Trousse à projets",
    section=SECTION,
    unit=Unit.AMOUNT,
)(_figure(TROUSSE, "amount"))
indicator("recus.trousse.nombre", "Reçus émis, Trousse à projets", section=SECTION)(
    _figure(TROUSSE, "receipts")
)


@indicator(
    "recus.mois.*",
    "Montant des dons par mois de validation (toutes demandes)",
    section=SECTION,
    unit=Unit.AMOUNT,
)
def amount_by_month(year: SchoolYear) -> dict | None:
    """`recus.mois.2024_09`: the receipts' amount of the requests validated that month."""
    rows = (
        Receipt.objects.valid()
        .filter(
            request__status=DonationRequest.Status.VALIDATED,
            request__decided_at__date__range=(year.start_date, year.end_date),
        )
        .annotate(month=TruncMonth("request__decided_at"))
        .order_by()
        .values("month")
        .annotate(amount=Sum("amount"))
    )
    figures = {f"{row['month']:%Y_%m}": row["amount"].quantize(CENT) for row in rows}
    return dict(sorted(figures.items())) or None
