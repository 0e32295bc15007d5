"""The registers' exports are exporter classes (occe.core.exports): real dates and numbers,
the header row frozen and filtered, one lookup per table."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from finances.exports import REGISTER_EXPORTS
from tests.finances.factories import ReceiptFactory


def workbook(response):
    return load_workbook(io.BytesIO(response.content))


@pytest.mark.parametrize(
    ("table", "filename"),
    [
        ("registre", "registre-recus"),
        ("coops", "recus-par-cooperative"),
        ("numerotation", "numerotation"),
        ("declaration", "declaration-dons"),
    ],
)
def test_each_table_is_an_exporter_with_a_frozen_filtered_header(
    world, association, login, table, filename
):
    ReceiptFactory(amount=Decimal("120.50"), request__cooperative=world.own_coop)
    year = timezone.localdate().year
    response = login(world.users["administrateur"]).get(
        reverse("finances:registers_export"), {"period": "civile", "year": year, "tableau": table}
    )
    assert response.status_code == 200
    assert f"{filename}-civile-{year}.xlsx" in response["Content-Disposition"]
    sheet = workbook(response).active
    assert sheet.title == REGISTER_EXPORTS[table].title
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref


def test_the_register_has_real_dates_and_amounts(world, association, login):
    receipt = ReceiptFactory(amount=Decimal("120.50"), request__cooperative=world.own_coop)
    response = login(world.users["secretariat"]).get(
        reverse("finances:registers_export"),
        {"period": "civile", "year": receipt.year, "tableau": "registre"},
    )
    header, row = list(workbook(response).active.values)[:2]
    values = dict(zip(header, row, strict=True))
    assert values["Numéro"] == receipt.number
    assert values["Montant"] == pytest.approx(120.5)
    assert isinstance(values["Émis le"], datetime.datetime)  # an Excel date, not text
    assert values["Émis le"].date() == timezone.localdate(receipt.issued_at)
    assert values["Annulé le"] is None
