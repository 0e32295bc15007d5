"""The donation receipts' figures of the annual report (`recus.*`, `recus.trousse.*`).

A request counts in the school year during which it was validated (`decided_at`); its amount
and its receipts are those of its receipts still valid (a cancelled receipt's replacement
counts, the cancelled one does not). Requests sent by the coops (`recus.*`) and those coming
from the Trousse à projets platform (`recus.trousse.*`) are counted apart, as the report does.
None when no request of that channel was validated during the year.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from occe.core.indicators import Unit, indicator, shared
from occe.core.models import SchoolYear

from .models import Channel, DonationRequest, Receipt

SECTION = "accompagnement"
CENT = Decimal("0.01")
COOP, TROUSSE = Channel.COOPERATIVE, Channel.TROUSSE


def _moment(day: datetime.date) -> datetime.datetime:
    """Midnight of `day`, local time: comparisons on the indexed column, no conversion."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _decided(prefix: str, start: datetime.date, end: datetime.date) -> Q:
    """Decided from `start` (included) to `end` (excluded), local time."""
    return Q(
        **{f"{prefix}decided_at__gte": _moment(start), f"{prefix}decided_at__lt": _moment(end)}
    )


def months(year: SchoolYear) -> list[tuple[str, datetime.date, datetime.date]]:
    """The twelve months of the school year: (`2024_09`, first day, first day of the next)."""
    starts = [datetime.date(year.start_year + (m < 9), m, 1) for m in (*range(9, 13), *range(1, 9))]
    ends = [*starts[1:], year.end_date + datetime.timedelta(days=1)]
    return [(f"{start:%Y_%m}", start, end) for start, end in zip(starts, ends, strict=True)]


def _validated(year: SchoolYear, prefix: str = "") -> Q:
    after_end = year.end_date + datetime.timedelta(days=1)
    validated = Q(**{f"{prefix}status": DonationRequest.Status.VALIDATED})
    return validated & _decided(prefix, year.start_date, after_end)


@shared
def receipt_figures(year: SchoolYear) -> dict:
    """Both channels' figures and the amount of each month, in two queries: the validated
    requests counted per channel, then their valid receipts summed per channel and per month
    (twelve conditional sums)."""
    channels = (COOP, TROUSSE)
    requests = DonationRequest.objects.filter(_validated(year)).aggregate(
        **{channel: Count("pk", filter=Q(channel=channel)) for channel in channels}
    )
    in_month = {
        slug: Sum("amount", filter=_decided("request__", start, end))
        for slug, start, end in months(year)
    }
    per_channel = {
        f"{name}_{channel}": function(field, filter=Q(request__channel=channel))
        for channel in channels
        for name, function, field in (("amount", Sum, "amount"), ("receipts", Count, "pk"))
    }
    totals = (
        Receipt.objects.valid()
        .filter(_validated(year, "request__"))
        .aggregate(**per_channel, **{f"month_{slug}": sum_ for slug, sum_ in in_month.items()})
    )
    figures = {"months": {}}
    for channel in channels:
        figures[channel] = requests[channel] and {
            "requests": requests[channel],
            "amount": (totals[f"amount_{channel}"] or Decimal("0")).quantize(CENT),
            "receipts": totals[f"receipts_{channel}"],
        }
    for slug in in_month:
        if totals[f"month_{slug}"] is not None:
            figures["months"][slug] = totals[f"month_{slug}"].quantize(CENT)
    return figures


def _figure(channel: str, name: str):
    def compute(year: SchoolYear):
        figures = receipt_figures(year)[channel]
        return figures[name] if figures else None

    return compute


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

MONTH_NAMES = [
    "septembre", "octobre", "novembre", "décembre", "janvier", "février",
    "mars", "avril", "mai", "juin", "juillet", "août",
]  # fmt: skip


def month_names(year: SchoolYear) -> dict[str, str]:
    """`2024_09` -> « septembre 2024 »."""
    return {
        slug: f"{name} {start.year}"
        for (slug, start, _), name in zip(months(year), MONTH_NAMES, strict=True)
    }


@indicator(
    "recus.mois.*",
    "Montant des dons par mois de validation (toutes demandes)",
    section=SECTION,
    unit=Unit.AMOUNT,
    names=month_names,
)
def amount_by_month(year: SchoolYear) -> dict | None:
    """`recus.mois.2024_09`: the receipts' amount of the requests validated that month."""
    return dict(receipt_figures(year)["months"]) or None
