"""Gifts read from files: the request template (.xlsx) and the Trousse à projets export.

Not a plan/apply of database rows: the gifts read fill the lines of one request (the form's
lines), so only the column layer of occe.core.imports is used — the columns clean the cells
(the same checks and limits as every import: size, zip bomb, row limit, headers matched
without regard to case or accents), and `GiftReader.clean_row` does what spans columns (donor
type, name). A faulty line reads "Ligne 3 : montant illisible « dix » ; date illisible …".
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

from occe.core.forms import parse_french_decimal
from occe.core.imports import (
    CellError,
    CellInvalid,
    ChoiceColumn,
    Column,
    DateColumn,
    DecimalColumn,
    EmailColumn,
    Importer,
    Row,
    SirenColumn,
    cell_text,
)
from occe.core.spreadsheets import SpreadsheetError, read_table

from .models import MAX_GIFT_AMOUNT, MAX_LINES, DonationLine, DonorType, PaymentMethod


def _lowered(message: str) -> str:
    """A sentence of the forms as a part of a line's message: "le SIREN compte 9 chiffres"."""
    return message[0].lower() + message[1:].rstrip(".")


class GiftAmountColumn(DecimalColumn):
    """A gift's amount: a number, or text read the French way, as typed in the form (an
    ambiguous "1,234" is refused rather than guessed); more than zero, at most the cap."""

    def __init__(self, key, header, **kwargs):
        super().__init__(
            key,
            header,
            max_value=MAX_GIFT_AMOUNT,
            required=True,
            required_message="montant illisible «  » : écrivez par exemple 120,50",
            **kwargs,
        )

    def parse(self, value) -> Decimal:
        shown = cell_text(value)
        if isinstance(value, bool):
            raise CellInvalid(f"montant illisible « {shown} »")
        if isinstance(value, float) and abs(value - round(value, 2)) < 1e-9:
            value = round(value, 2)  # a sheet's binary arithmetic: 0.1 + 0.2 is 0.30000000000000004
        if isinstance(value, int | float | Decimal):
            amount = Decimal(str(value))
            # Decimal reads "NaN", "Infinity" and "1e20": none of them fits a receipt.
            if not amount.is_finite():
                raise CellInvalid(f"montant illisible « {shown} »")
            if amount != amount.quantize(Decimal("0.01")):
                raise CellInvalid(f"montant « {shown} » avec plus de deux décimales")
        else:
            try:
                amount = parse_french_decimal(shown)
            except ValidationError as exc:
                raise CellInvalid(_lowered(exc.messages[0])) from None
        if amount <= 0:
            raise CellInvalid(f"le montant « {shown} » doit être supérieur à zéro")
        if amount > self.max_value:
            raise CellInvalid(f"montant trop élevé « {shown} » (100 000 € au plus par don)")
        return amount.quantize(Decimal("0.01"))


def _text(key: str, header: str, length: int | None = None, optional_header=True) -> Column:
    """Text cut to the line's field length, as the form lines keep it (no error)."""
    length = length or DonationLine._meta.get_field(key).max_length
    return Column(
        key, header, optional_header=optional_header, transform=lambda text: text[:length]
    )


PAYMENT_METHODS = [
    (PaymentMethod.ESPECES, "espèces"),
    (PaymentMethod.ESPECES, "espèce"),
    (PaymentMethod.ESPECES, "remise d'espèces"),
    (PaymentMethod.CHEQUE, "chèque"),
    (PaymentMethod.VIREMENT, "virement"),
    (PaymentMethod.VIREMENT, "prélèvement"),
    (PaymentMethod.VIREMENT, "carte"),
    (PaymentMethod.VIREMENT, "carte bancaire"),
    (PaymentMethod.VIREMENT, "CB"),
    (PaymentMethod.VIREMENT, "virement, prélèvement, carte bancaire"),
]

# The request template's columns, in its order; the key is the DonationLine field. The file
# must have the columns of the name, the address, the amount and the date.
COLUMNS = [
    _text("last_name", "Nom", optional_header=False),
    _text("first_name", "Prénom"),
    _text("company_name", "Raison sociale"),
    _text("legal_form", "Forme juridique"),
    SirenColumn("siren", "SIREN", optional_header=True),
    _text("address", "Adresse", optional_header=False),
    _text("postal_code", "Code postal", length=10, optional_header=False),
    _text("city", "Commune", optional_header=False),
    _text("country", "Pays"),
    EmailColumn(
        "email", "Courriel", optional_header=True, invalid_message="courriel invalide « {value} »"
    ),
    GiftAmountColumn("amount", "Montant"),
    DateColumn(
        "date",
        "Date du don",
        required=True,
        required_message="date illisible «  » (attendu JJ/MM/AAAA)",
        invalid_message="date illisible « {value} » (attendu JJ/MM/AAAA)",
    ),
    ChoiceColumn(
        "payment_method",
        "Mode de versement",
        choices=PAYMENT_METHODS,
        optional_header=True,
        unknown_message="mode de versement inconnu « {value} »",
    ),
]
# Template headers -> DonationLine fields.
HEADERS = {column.header: column.key for column in COLUMNS}


class GiftReader(Importer):
    """The gifts of one request: at most as many lines as a request holds."""

    label = "Dons"
    columns = COLUMNS
    max_rows = MAX_LINES

    def clean_row(self, row: Row, record: dict) -> None:
        values = row.values
        if values["company_name"] and not values["last_name"]:
            values["donor_type"] = DonorType.ENTREPRISE
        else:
            values["donor_type"] = DonorType.PARTICULIER
            # A private donor's SIREN is not printed: it is kept as written, unchecked.
            if any(error.column == "SIREN" for error in row.errors):
                row.errors = [error for error in row.errors if error.column != "SIREN"]
                values["siren"] = "".join(cell_text(record.get("SIREN")).split())[:9]
        if not values["country"]:
            values["country"] = "France"
        if not values["last_name"] and not values["company_name"]:
            row.errors.insert(0, CellError("Nom", "le nom (ou la raison sociale) est vide"))


def _line_message(row: Row) -> str:
    return f"Ligne {row.line} : " + " ; ".join(_lowered(e.message) for e in row.errors) + "."


def gift_from_record(record: dict) -> tuple[dict, list[str]]:
    """DonationLine fields from {field name: raw value}, and the French errors found."""
    row = GiftReader().clean_record(0, {c.header: record.get(c.key) for c in COLUMNS})
    return row.values, [_lowered(error.message) for error in row.errors]


def read_request_file(data: bytes) -> tuple[list[dict], list[str]]:
    """Gifts of the request template; raises SpreadsheetError for an unreadable file."""
    plan = GiftReader().read(data)
    if plan.file_errors:
        raise SpreadsheetError(plan.file_errors[0])
    return [row.values for row in plan.rows], [_line_message(r) for r in plan.rows if r.errors]


def read_any_table(data: bytes, filename: str) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of an .xlsx or .csv export whose columns we do not know in advance."""
    sheet = read_table(data, filename, expected=None, max_rows=MAX_LINES)
    rows = [[_serialize(record[h]) for h in sheet.headers] for _, record in sheet.rows]
    return sheet.headers, rows


def _serialize(value) -> str:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    return cell_text(value)
