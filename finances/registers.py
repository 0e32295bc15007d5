"""Figures of the receipts for a civil or a school year: registers, numbering check, and the
annual declaration of gifts (article 222 bis du CGI)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from .models import Channel, DonationRequest, Receipt, ReceiptCounter


@dataclass
class Period:
    kind: str  # "civile" or "scolaire"
    year: int

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1 if self.kind == "civile" else 9, 1)

    @property
    def end(self) -> datetime.date:
        """Exclusive."""
        return datetime.date(self.year + 1, 1 if self.kind == "civile" else 9, 1)

    @property
    def label(self) -> str:
        if self.kind == "civile":
            return f"année civile {self.year}"
        return f"année scolaire {self.year}-{self.year + 1}"

    def bounds(self):
        tz = timezone.get_current_timezone()
        return (
            datetime.datetime.combine(self.start, datetime.time(), tzinfo=tz),
            datetime.datetime.combine(self.end, datetime.time(), tzinfo=tz),
        )

    @property
    def issue_years(self) -> list[int]:
        return [self.year] if self.kind == "civile" else [self.year, self.year + 1]


@dataclass
class NumberingCheck:
    year: int
    count: int
    first: int | None
    last: int | None
    counter: int
    missing: list[int] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.missing
            and not self.duplicates
            and (self.last or 0) == self.counter
            and (self.first in (None, 1))
        )


@dataclass
class Declaration:
    """The two figures of the annual declaration of gifts (article 222 bis du CGI) for one
    period, each on its own basis: the amount follows the date each gift was received, the
    count the date each receipt was delivered (issued). A receipt issued in January for a gift
    of November counts its amount in November's year and itself in January's."""

    period: Period
    amount: Decimal
    count: int

    AMOUNT_BASIS = (
        "Montant des dons reçus pendant la période (date de chaque don) ayant donné lieu à un "
        "reçu valide"
    )
    COUNT_BASIS = "Nombre de reçus délivrés pendant la période (date d'émission), non annulés"


def declaration(period: Period) -> Declaration:
    start, end = period.start, period.end
    years = sorted({start.year, (end - datetime.timedelta(days=1)).year})
    amount = Decimal("0")
    # A summary receipt's gifts each have their date: read from the gifts frozen on it.
    candidates = Receipt.objects.valid().filter(
        Q(gift_date__gte=start, gift_date__lt=end) | Q(summary_year__in=years)
    )
    for gifts, receipt_amount, gift_date in candidates.values_list(
        "gifts", "amount", "gift_date"
    ).iterator(chunk_size=2000):
        if not gifts and gift_date:
            gifts = [{"date": gift_date.isoformat(), "amount": str(receipt_amount)}]
        for gift in gifts:
            if start <= datetime.date.fromisoformat(gift["date"]) < end:
                amount += Decimal(gift["amount"])
    return Declaration(period, amount, issued_in(period).valid().count())


def declarations(period: Period) -> list[Declaration]:
    """Both bases of the declaration around the chosen period: a civil year and the school
    (accounting) year that closes during it."""
    civil = period.year if period.kind == "civile" else period.year + 1
    return [declaration(Period("civile", civil)), declaration(Period("scolaire", civil - 1))]


def issued_in(period: Period):
    start, end = period.bounds()
    return Receipt.objects.filter(issued_at__gte=start, issued_at__lt=end)


def numbering_check(year: int) -> NumberingCheck:
    receipts = Receipt.objects.filter(year=year)
    stats = receipts.aggregate(count=Count("pk"), first=Min("sequence"), last=Max("sequence"))
    sequences = set(receipts.values_list("sequence", flat=True))
    missing = sorted(set(range(1, (stats["last"] or 0) + 1)) - sequences)
    duplicates = list(
        receipts.values("sequence")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("sequence", flat=True)
    )
    counter = ReceiptCounter.objects.filter(year=year).values_list("last_number", flat=True)
    return NumberingCheck(
        year=year,
        count=stats["count"],
        first=stats["first"],
        last=stats["last"],
        counter=counter.first() or 0,
        missing=missing,
        duplicates=[str(d) for d in duplicates],
    )


def figures(period: Period) -> dict:
    start, end = period.bounds()
    receipts = issued_in(period)
    valid = receipts.filter(cancelled_at__isnull=True)
    totals = receipts.aggregate(
        issued=Count("pk"),
        cancelled=Count("pk", filter=Q(cancelled_at__isnull=False)),
        replacements=Count("pk", filter=Q(replaces__isnull=False)),
    )
    issued_valid = valid.aggregate(amount=Sum("amount"), count=Count("pk"))
    requests = DonationRequest.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    by_channel = []
    for value, label in Channel.choices:
        channel_receipts = valid.filter(request__channel=value).aggregate(
            count=Count("pk"), amount=Sum("amount")
        )
        by_channel.append(
            {
                "channel": label,
                "requests": requests.filter(channel=value).count(),
                "receipts": channel_receipts["count"],
                "amount": channel_receipts["amount"] or Decimal("0"),
            }
        )
    by_coop = list(
        valid.values("cooperative__number", "cooperative__name")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("cooperative__number")
    )
    return {
        "period": period,
        "requests": requests.count(),
        "issued": totals["issued"],
        "cancelled": totals["cancelled"],
        "replacements": totals["replacements"],
        "amount": issued_valid["amount"] or Decimal("0"),
        "declaration_count": issued_valid["count"],
        "declarations": declarations(period),
        "by_channel": by_channel,
        "by_coop": by_coop,
        "numbering": [numbering_check(year) for year in period.issue_years],
    }
