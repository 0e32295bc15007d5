"""The report's figures for loans and sales: loan days split at 31 August, distinct coops,
late loans, quantities and amounts sold; the staff's page and its Excel export."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import load_workbook

from occe.core.indicators import registry
from occe.core.models import SchoolYear
from prets import indicators
from prets.models import Order, ResourceKind
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory

from .factories import (
    CopyFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    ReservationFactory,
    ResourceFactory,
)

pytestmark = pytest.mark.django_db


def year(start: int) -> SchoolYear:
    return SchoolYear.objects.get_or_create(start_year=start)[0]


def loan(copy, coop, handed: datetime.date, returned: datetime.date | None, end=None):
    """A loan handed over on `handed` and returned on `returned` (None: still out)."""
    end = end or returned or handed + datetime.timedelta(days=20)
    return ReservationFactory(
        copy=copy,
        cooperative=coop,
        start_date=handed,
        end_date=end,
        status="cloturee" if returned else "remise",
        handed_over_on=handed,
        returned_on=returned,
    )


@freeze_time("2025-11-20")
def test_loan_days_are_split_at_31_august():
    camera = CopyFactory(resource=ResourceFactory(kind=ResourceKind.PRISE_DE_VUE))
    coop = CooperativeFactory()
    # 20 August -> 10 September 2024: 12 days in 2023-2024 (20-31 August), 9 in 2024-2025.
    loan(camera, coop, datetime.date(2024, 8, 20), datetime.date(2024, 9, 10))
    assert indicators.loan_days(year(2023)) == {"prise_de_vue_et_son": 12}
    assert indicators.loan_days(year(2024)) == {"prise_de_vue_et_son": 9}
    assert indicators.loan_coops(year(2023)) == {"prise_de_vue_et_son": 1}
    assert indicators.loan_coops(year(2024)) == {"prise_de_vue_et_son": 1}
    # Together they make the whole loan: 21 days between hand-over and return.
    assert (datetime.date(2024, 9, 10) - datetime.date(2024, 8, 20)).days == 12 + 9


@freeze_time("2025-11-20")
def test_loan_days_and_coops_per_kind_of_resource():
    camera = ResourceFactory(kind=ResourceKind.PRISE_DE_VUE)
    kits = [CopyFactory(resource=camera), CopyFactory(resource=camera)]
    loto = CopyFactory(resource=ResourceFactory(kind=ResourceKind.LOTO))
    CopyFactory(resource=ResourceFactory(kind=ResourceKind.PRE_CINEMA))  # never lent
    a, b = CooperativeFactory(), CooperativeFactory()
    loan(kits[0], a, datetime.date(2024, 10, 1), datetime.date(2024, 10, 18))  # 17
    loan(kits[1], a, datetime.date(2024, 10, 3), datetime.date(2024, 10, 19))  # 16
    loan(kits[0], b, datetime.date(2025, 3, 3), datetime.date(2025, 3, 20))  # 17
    loan(loto, b, datetime.date(2025, 5, 5), datetime.date(2025, 5, 19))  # 14
    ReservationFactory(copy=loto, cooperative=a, start_date=datetime.date(2025, 6, 1))  # not out
    # Still out on 20 November 2025 (the current year), since 10 November: 10 days so far.
    loan(kits[1], b, datetime.date(2025, 11, 10), None, end=datetime.date(2025, 11, 15))

    last_year = year(2024)
    assert indicators.loan_days(last_year) == {
        "prise_de_vue_et_son": 50,
        "loto": 14,
        "pre_cinema": 0,
    }
    assert indicators.loan_coops(last_year) == {
        "prise_de_vue_et_son": 2,
        "loto": 1,
        "pre_cinema": 0,
    }
    assert indicators.loan_count(last_year) == 4
    assert indicators.late_loans(last_year) == 0
    this_year = year(2025)
    assert indicators.loan_days(this_year)["prise_de_vue_et_son"] == 10
    assert indicators.late_loans(this_year) == 1  # due back on 15 November


def test_without_any_resource_the_figures_are_not_filled_in():
    for key in ["prets.*.jours", "prets.*.cooperatives", "prets.nombre", "prets.en_retard"]:
        assert registry()[key].function(year(2024)) is None
    for key in ["ventes.*.quantite", "ventes.*.montant"]:
        assert registry()[key].function(year(2024)) is None


@freeze_time("2025-11-20")
def test_sales_per_product_leave_cancelled_orders_out():
    agenda = ProductFactory(name="Agenda coop cycle 2", price=Decimal("7.50"))
    books = ProductFactory(name="Livres « Lire c'est partir »", price=Decimal("0.80"))
    ProductFactory(  # offered during the year, none sold
        name="Agenda coop cycle 1", created_at=datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC)
    )
    ProductFactory(name="Ancien calendrier", orders_close_on=datetime.date(2023, 12, 15))

    def sold(product, quantity, day, status=Order.Status.PAID, price=None):
        order = OrderFactory(
            status=status,
            created_at=datetime.datetime(day.year, day.month, day.day, 12, tzinfo=datetime.UTC),
        )
        OrderLineFactory(
            order=order, product=product, quantity=quantity, unit_price=price or product.price
        )

    sold(agenda, 300, datetime.date(2024, 9, 12))
    sold(agenda, 70, datetime.date(2025, 3, 1), price=Decimal("7.00"))
    sold(agenda, 50, datetime.date(2024, 10, 1), status=Order.Status.CANCELLED)
    sold(books, 1936, datetime.date(2024, 11, 5))
    sold(books, 12, datetime.date(2025, 9, 5))  # next school year

    last_year = year(2024)
    assert indicators.quantity_sold(last_year) == {
        "agenda_coop_cycle_2": 370,
        "livres_lire_cest_partir": 1936,
        "agenda_coop_cycle_1": 0,
    }
    assert indicators.amount_sold(last_year) == {
        "agenda_coop_cycle_2": Decimal("2740.00"),
        "livres_lire_cest_partir": Decimal("1548.80"),
        "agenda_coop_cycle_1": Decimal("0.00"),
    }
    assert (
        registry()["ventes.*.quantite"].compute(last_year)["ventes.agenda_coop_cycle_2.quantite"]
        == 370
    )


@freeze_time("2025-11-20")
def test_the_figures_page_and_its_export(client):
    loto = CopyFactory(resource=ResourceFactory(kind=ResourceKind.LOTO))
    loan(loto, CooperativeFactory(), datetime.date(2025, 1, 6), datetime.date(2025, 1, 20))
    agenda = ProductFactory(name="Agenda coop cycle 3", price=Decimal("7.50"))
    OrderLineFactory(
        order=OrderFactory(created_at=datetime.datetime(2024, 9, 20, tzinfo=datetime.UTC)),
        product=agenda,
        quantity=65,
    )
    client.force_login(UserFactory(administrateur=True))
    year(2024)  # recorded years only can be chosen

    page = client.get(reverse("prets:figures"), {"annee": "2024-2025"}).content.decode()
    assert '<th scope="row">Loto</th><td class="num">14</td><td class="num">1</td>' in page
    assert 'Agenda coop cycle 3</th><td class="num">65</td>' in page
    assert "487,50\u00a0€" in page

    response = client.get(reverse("prets:figures_export"), {"annee": "2024-2025"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["prets.loto.jours"] == ("Jours de prêt par type de ressource : Loto", 14)
    assert rows["prets.loto.cooperatives"][1] == 1
    assert rows["ventes.agenda_coop_cycle_3.quantite"] == (
        "Quantité vendue par produit : Agenda coop cycle 3",
        65,
    )
    assert rows["ventes.agenda_coop_cycle_3.montant"][1] == 487.5
    assert rows["prets.nombre"][1] == 1
