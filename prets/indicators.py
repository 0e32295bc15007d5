"""Loans and sales figures of the annual report (`Indicateurs` keys), one function per figure.

Loan days are the days between hand-over and return (a loan still out counts up to today);
a loan spanning two school years is split at 31 August: its days before 1 September count in
the first year, the others in the next, and its coop counts in both. Sales count the orders
placed during the school year, cancelled ones left out. Each function runs one aggregate query.
"""

import datetime
from decimal import Decimal

from django.db.models import (
    Count,
    DateField,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from occe.core.indicators import Unit, choice_names, indicator, shared
from occe.core.models import SchoolYear

from .models import Order, OrderLine, Product, Reservation, Resource, ResourceKind

SECTION = "ressources_et_prets"
CENT = Decimal("0.01")
KIND_NAMES = choice_names(ResourceKind.choices)


def _date(value: datetime.date) -> Value:
    return Value(value, output_field=DateField())


def loans_in(year: SchoolYear):
    """Handed-over loans with at least part of their time inside the school year, annotated
    with `year_days`: their days inside it."""
    start = year.start_date
    after_end = year.end_date + datetime.timedelta(days=1)
    back = Coalesce(F("returned_on"), _date(timezone.localdate()))
    return (
        Reservation.objects.filter(handed_over_on__isnull=False, handed_over_on__lt=after_end)
        .annotate(back=back)
        .filter(Q(back__gt=start) | Q(handed_over_on__gte=start))
        .annotate(
            year_days=ExpressionWrapper(
                Least(F("back"), _date(after_end)) - Greatest(F("handed_over_on"), _date(start)),
                output_field=DurationField(),
            )
        )
    )


@shared
def has_resources() -> bool:
    return Resource.objects.exists()


@shared
def loans_per_kind(year: SchoolYear) -> dict[str, dict] | None:
    kinds = set(Resource.objects.filter(copies__isnull=False).values_list("kind", flat=True))
    if not kinds:
        return None  # nothing to lend: "non renseigné", not 0
    figures = {kind: {"days": 0, "coops": 0} for kind in kinds}
    rows = (
        loans_in(year)
        .values("resource__kind")
        .annotate(days=Sum("year_days"), coops=Count("cooperative", distinct=True))
        .order_by()
    )
    for row in rows:
        days = row["days"] or datetime.timedelta(0)
        figures[row["resource__kind"]] = {"days": days.days, "coops": row["coops"]}
    return figures


@indicator(
    "prets.*.jours",
    "Jours de prêt par type de ressource",
    section=SECTION,
    unit=Unit.NUMBER,
    names=KIND_NAMES,
)
def loan_days(year: SchoolYear) -> dict[str, int] | None:
    figures = loans_per_kind(year)
    return None if figures is None else {kind: f["days"] for kind, f in figures.items()}


@indicator(
    "prets.*.cooperatives",
    "Coopératives emprunteuses par type de ressource",
    section=SECTION,
    names=KIND_NAMES,
)
def loan_coops(year: SchoolYear) -> dict[str, int] | None:
    figures = loans_per_kind(year)
    return None if figures is None else {kind: f["coops"] for kind, f in figures.items()}


@indicator("prets.nombre", "Prêts remis dans l'année", section=SECTION)
def loan_count(year: SchoolYear) -> int | None:
    if not has_resources():
        return None
    return Reservation.objects.filter(
        handed_over_on__range=(year.start_date, year.end_date)
    ).count()


@indicator("prets.en_retard", "Prêts rendus en retard ou encore en retard", section=SECTION)
def late_loans(year: SchoolYear) -> int | None:
    """Loans due back during the year that came back after their end date, or are still out
    after it."""
    if not has_resources():
        return None
    today = timezone.localdate()
    return (
        Reservation.objects.filter(
            handed_over_on__isnull=False, end_date__range=(year.start_date, year.end_date)
        )
        .filter(Q(returned_on__gt=F("end_date")) | Q(returned_on__isnull=True, end_date__lt=today))
        .count()
    )


@shared
def offered_products(year: SchoolYear) -> dict[str, str]:
    """{slug: name} of the products offered during the year (their order window meets it)."""
    return dict(
        Product.objects.filter(
            Q(orders_open_on__isnull=True) | Q(orders_open_on__lte=year.end_date),
            Q(orders_close_on__isnull=True) | Q(orders_close_on__gte=year.start_date),
            created_at__date__lte=year.end_date,
        ).values_list("slug", "name")
    )


@shared
def _sold(year: SchoolYear) -> list[dict]:
    amount = ExpressionWrapper(
        F("quantity") * F("unit_price"), output_field=DecimalField(max_digits=14, decimal_places=2)
    )
    return list(
        OrderLine.objects.filter(order__created_at__date__range=(year.start_date, year.end_date))
        .exclude(order__status=Order.Status.CANCELLED)
        .values("product__slug", "product__name")
        .annotate(sold_quantity=Sum("quantity"), sold_amount=Sum(amount))
        .order_by()
    )


def product_names(year: SchoolYear) -> dict[str, str]:
    return offered_products(year) | {
        row["product__slug"]: row["product__name"] for row in _sold(year)
    }


def sales_per_product(year: SchoolYear) -> dict[str, dict] | None:
    """Per product offered during the year (its order window meets the year) or sold in it:
    quantity and amount ordered during the year, cancelled orders left out."""
    offered = offered_products(year)
    figures = {slug: {"quantity": 0, "amount": Decimal("0.00")} for slug in offered}
    for row in _sold(year):
        figures[row["product__slug"]] = {
            "quantity": row["sold_quantity"],
            "amount": row["sold_amount"].quantize(CENT),
        }
    return figures or None


@indicator("ventes.*.quantite", "Quantité vendue par produit", section=SECTION, names=product_names)
def quantity_sold(year: SchoolYear) -> dict[str, int] | None:
    figures = sales_per_product(year)
    if figures is None:
        return None
    return {slug: row["quantity"] for slug, row in figures.items()}


@indicator(
    "ventes.*.montant",
    "Montant des ventes par produit",
    section=SECTION,
    unit=Unit.AMOUNT,
    names=product_names,
)
def amount_sold(year: SchoolYear) -> dict[str, Decimal] | None:
    figures = sales_per_product(year)
    if figures is None:
        return None
    return {slug: row["amount"] for slug, row in figures.items()}
