"""Excel exports as classes (after pretix's ListExporter): columns with a header, a width and a
number format; one sheet or several; the header row frozen and filtered; real dates and numbers
in cells; text never read as a formula (occe.core.spreadsheets.writable_cell).

A list export declares its columns and yields its rows::

    class CooperativeExporter(ListExporter):
        title = "Coopératives"
        columns = [Column("Numéro"), Column("Élèves", format=INTEGER), Column("Cotisation", format=MONEY)]

        def rows(self):
            for coop in self.queryset:
                yield [coop.number, coop.pupils, coop.fee]

    CooperativeExporter(queryset=...).response("cooperatives.xlsx")

Several sheets: subclass Exporter and return Sheet objects from `sheets()`.
"""

import datetime
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook

from .spreadsheets import BOLD, column_letter, writable_cell, xlsx_response

INTEGER = "#,##0"
DECIMAL = "#,##0.00"
MONEY = '#,##0.00\\ "€"'
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
TEXT = "@"

MIN_WIDTH, MAX_WIDTH = 8, 60
WIDTH_SAMPLE = 200  # rows looked at to size the columns (the rest is streamed)


@dataclass
class Column:
    header: str
    format: str | None = None  # an Excel number format (INTEGER, MONEY, DATE…)
    width: float | None = None  # in characters; measured on the first rows when None


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence] = field(default_factory=list)
    # Called with the worksheet and the number of rows once they are written (to add rows or
    # charts below the table, outside its filter).
    finish: Callable | None = None


@dataclass(frozen=True)
class Formatted:
    """A value with its own number format, for a column whose rows mix counts and amounts."""

    value: object
    format: str | None


def cell_value(value):
    """What a cell holds: dates stay dates, aware datetimes become local wall-clock time (Excel
    has no time zones), Decimals stay numbers."""
    if isinstance(value, Formatted):
        return Formatted(cell_value(value.value), value.format)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value, timezone.get_current_timezone())
        return value
    if isinstance(value, bool | int | float | Decimal | datetime.date | str) or value is None:
        return value
    return str(value)


def _shown_length(value, column: Column) -> int:
    if isinstance(value, Formatted):
        return _shown_length(value.value, Column(column.header, value.format))
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        # Grouped thousands and, for money, the decimals and the euro sign.
        digits = len(f"{value:,.2f}" if column.format in (MONEY, DECIMAL) else f"{value:,.0f}")
        return digits + (2 if column.format == MONEY else 0)
    return max((len(line) for line in str(value).splitlines()), default=0)


def _widths(columns: Sequence[Column], sample: list[Sequence]) -> list[float]:
    widths = []
    for index, column in enumerate(columns):
        if column.width:
            widths.append(column.width)
            continue
        longest = max(
            [len(column.header) + 3]  # room for the filter button
            + [_shown_length(row[index], column) for row in sample if index < len(row)]
        )
        widths.append(min(MAX_WIDTH, max(MIN_WIDTH, longest + 2)))
    return widths


def _write_sheet(workbook: Workbook, sheet: Sheet) -> None:
    ws = workbook.create_sheet(sheet.title[:31])
    rows: Iterator[Sequence] = iter(sheet.rows)
    sample = [[cell_value(v) for v in row] for row in islice(rows, WIDTH_SAMPLE)]
    columns = list(sheet.columns)
    for index, width in enumerate(_widths(columns, sample)):
        ws.column_dimensions[column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.append([writable_cell(ws, column.header, font=BOLD) for column in columns])
    formats = [column.format for column in columns]
    count = 0
    rest = ([cell_value(v) for v in row] for row in rows)
    for row in chain(sample, rest):
        ws.append(
            [
                writable_cell(ws, value.value, number_format=value.format)
                if isinstance(value, Formatted)
                else writable_cell(ws, value, number_format=fmt)
                for value, fmt in zip(row, formats, strict=False)
            ]
        )
        count += 1
    if columns:
        ws.auto_filter.ref = f"A1:{column_letter(len(columns) - 1)}{count + 1}"
    if sheet.finish:
        sheet.finish(ws, count)


def write_workbook(sheets: Iterable[Sheet]) -> bytes:
    """A workbook of these sheets, streamed row by row (write-only: memory stays flat)."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(workbook, sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class Exporter:
    """An Excel export of one or several sheets. Subclasses give `filename` and `sheets()`."""

    filename = "export.xlsx"

    def __init__(self, **context):
        self.context = context
        for name, value in context.items():
            setattr(self, name, value)

    def sheets(self) -> Iterable[Sheet]:
        raise NotImplementedError

    def get_filename(self) -> str:
        return self.filename

    def render(self) -> bytes:
        return write_workbook(self.sheets())

    def response(self, filename: str | None = None) -> HttpResponse:
        return xlsx_response(self.render(), filename or self.get_filename())


class ListExporter(Exporter):
    """One sheet: `columns` and the `rows()` in that order."""

    title = "Feuille"
    columns: Sequence[Column] = ()

    def rows(self) -> Iterable[Sequence]:
        raise NotImplementedError

    def sheets(self) -> Iterable[Sheet]:
        yield Sheet(self.title, self.columns, self.rows())

    def template(self) -> bytes:
        """The headers alone: the empty file an import offers to fill in."""
        return write_workbook([Sheet(self.title, self.columns, [])])
