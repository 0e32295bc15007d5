"""Exporters (occe/core/exports.py): frozen and filtered header, sensible widths, real dates and
numbers, text never a formula, several sheets."""

import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from occe.core.exports import DATE, DATETIME, INTEGER, MONEY, Column, Exporter, ListExporter, Sheet


class GiftsExporter(ListExporter):
    title = "Dons"
    filename = "dons.xlsx"
    columns = [
        Column("Donateur"),
        Column("Montant", MONEY),
        Column("Date du don", DATE),
        Column("Enregistré le", DATETIME),
        Column("Reçus", INTEGER),
    ]

    def rows(self):
        paris = ZoneInfo("Europe/Paris")
        yield [
            "Établissements Dupont-Lefèvre et fils",
            Decimal("1234.50"),
            datetime.date(2024, 11, 13),
            datetime.datetime(2024, 11, 13, 9, 30, tzinfo=datetime.UTC).astimezone(paris),
            3,
        ]
        yield ['=HYPERLINK("http://exemple.invalid")', Decimal("5"), None, None, 0]


def sheet_of(content: bytes, index=0):
    return load_workbook(io.BytesIO(content)).worksheets[index]


def test_header_frozen_filtered_and_bold():
    sheet = sheet_of(GiftsExporter().render())
    assert sheet.title == "Dons"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E3"
    assert [c.value for c in sheet[1]] == [
        "Donateur",
        "Montant",
        "Date du don",
        "Enregistré le",
        "Reçus",
    ]
    assert all(c.font.bold for c in sheet[1])


def test_real_dates_and_numbers_with_their_formats():
    sheet = sheet_of(GiftsExporter().render())
    name, amount, day, recorded, count = sheet[2]
    assert amount.value == 1234.5 and amount.number_format == MONEY
    assert day.value == datetime.datetime(2024, 11, 13) and day.number_format == DATE
    assert day.is_date
    # Local wall-clock time (Excel has no time zones): 9:30 UTC is 10:30 in Paris.
    assert recorded.value == datetime.datetime(2024, 11, 13, 10, 30)
    assert count.value == 3 and count.data_type == "n"


def test_columns_are_as_wide_as_their_content():
    sheet = sheet_of(GiftsExporter().render())
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDE"}
    # The donor's name is not cut at 12 characters; short columns fit their header.
    assert widths["A"] >= len("Établissements Dupont-Lefèvre et fils")
    assert widths["E"] < 15
    assert widths["C"] >= len("Date du don")


def test_text_is_never_a_formula():
    sheet = sheet_of(GiftsExporter().render())
    cell = sheet["A3"]
    assert cell.value == '=HYPERLINK("http://exemple.invalid")'
    assert cell.data_type == "s" and cell.quotePrefix


def test_several_sheets():
    class Registers(Exporter):
        def sheets(self):
            yield Sheet("Registre", [Column("Numéro"), Column("Montant", MONEY)], [["2025-1", 10]])
            yield Sheet("Numérotation", [Column("Année", INTEGER)], [[2025]])

    book = load_workbook(io.BytesIO(Registers().render()))
    assert book.sheetnames == ["Registre", "Numérotation"]
    assert book["Numérotation"].auto_filter.ref == "A1:A2"
    assert book["Numérotation"].freeze_panes == "A2"


def test_response_and_template():
    response = GiftsExporter().response()
    assert response["Content-Disposition"] == 'attachment; filename="dons.xlsx"'
    empty = sheet_of(GiftsExporter().template())
    assert empty.max_row == 1 and empty["A1"].value == "Donateur"
