"""Gifts read from files: the request template (.xlsx) and the Trousse à projets export."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from occe.core.forms import parse_french_decimal
from occe.core.spreadsheets import normalize_header, read_table, read_xlsx
from occe.core.validators import siren_problem

from .models import MAX_GIFT_AMOUNT, MAX_LINES, DonationLine, DonorType, PaymentMethod

# Template headers -> DonationLine fields.
HEADERS = {
    "Nom": "last_name",
    "Prénom": "first_name",
    "Raison sociale": "company_name",
    "Forme juridique": "legal_form",
    "SIREN": "siren",
    "Adresse": "address",
    "Code postal": "postal_code",
    "Commune": "city",
    "Pays": "country",
    "Courriel": "email",
    "Montant": "amount",
    "Date du don": "date",
    "Mode de versement": "payment_method",
}
REQUIRED = ["Nom", "Adresse", "Code postal", "Commune", "Montant", "Date du don"]
# One file makes one request, which holds at most MAX_LINES gifts.
MAX_ROWS = MAX_LINES

METHODS = {
    "especes": PaymentMethod.ESPECES,
    "espece": PaymentMethod.ESPECES,
    "remise d'especes": PaymentMethod.ESPECES,
    "cheque": PaymentMethod.CHEQUE,
    "virement": PaymentMethod.VIREMENT,
    "prelevement": PaymentMethod.VIREMENT,
    "carte": PaymentMethod.VIREMENT,
    "carte bancaire": PaymentMethod.VIREMENT,
    "cb": PaymentMethod.VIREMENT,
    "virement, prelevement, carte bancaire": PaymentMethod.VIREMENT,
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class AmountError(ValueError):
    """An amount that reads as a number but cannot be a gift; the message is French."""


def parse_amount(value) -> Decimal:
    """A cell's amount: a number, or text read the French way (as typed in the form)."""
    if isinstance(value, bool):
        raise AmountError(f"montant illisible « {_text(value)} »")
    if isinstance(value, float) and abs(value - round(value, 2)) < 1e-9:
        value = round(value, 2)  # a sheet's binary arithmetic: 0.1 + 0.2 is 0.30000000000000004
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value))
        # Decimal reads "NaN", "Infinity" and "1e20": none of them fits a receipt.
        if not amount.is_finite():
            raise AmountError(f"montant illisible « {_text(value)} »")
        if amount != amount.quantize(Decimal("0.01")):
            raise AmountError(f"montant « {_text(value)} » avec plus de deux décimales")
    else:
        try:
            amount = parse_french_decimal(_text(value))
        except ValidationError as exc:
            raise AmountError(
                exc.messages[0][0].lower() + exc.messages[0][1:].rstrip(".")
            ) from None
    if amount <= 0:
        raise AmountError(f"le montant « {_text(value)} » doit être supérieur à zéro")
    if amount > MAX_GIFT_AMOUNT:
        raise AmountError(f"montant trop élevé « {_text(value)} » (100 000 € au plus par don)")
    return amount.quantize(Decimal("0.01"))


def parse_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def gift_from_record(record: dict) -> tuple[dict, list[str]]:
    """DonationLine fields from {field name: raw value}, and the French errors found."""
    errors = []
    fields = {name: _text(record.get(name)) for name in HEADERS.values()}
    fields["siren"] = "".join(fields["siren"].split())
    if fields["company_name"] and not fields["last_name"]:
        fields["donor_type"] = DonorType.ENTREPRISE
        if fields["siren"]:
            problem = siren_problem(fields["siren"])
            if problem:
                errors.append(problem[0].lower() + problem[1:].rstrip("."))
    else:
        fields["donor_type"] = DonorType.PARTICULIER
    if not fields["country"]:
        fields["country"] = "France"
    if not fields["last_name"] and not fields["company_name"]:
        errors.append("le nom (ou la raison sociale) est vide")
    try:
        fields["amount"] = parse_amount(record.get("amount"))
    except AmountError as exc:
        errors.append(str(exc))
        fields["amount"] = None
    try:
        fields["date"] = parse_date(record.get("date"))
    except ValueError:
        errors.append(f"date illisible « {_text(record.get('date'))} » (attendu JJ/MM/AAAA)")
        fields["date"] = None
    method = normalize_header(fields["payment_method"])
    if method and method not in METHODS:
        errors.append(f"mode de versement inconnu « {fields['payment_method']} »")
    fields["payment_method"] = METHODS.get(method, "")
    if fields["email"]:
        try:
            validate_email(fields["email"])
        except ValidationError:
            errors.append(f"courriel invalide « {fields['email']} »")
            fields["email"] = ""
    for name in (
        "last_name",
        "first_name",
        "company_name",
        "legal_form",
        "address",
        "city",
        "country",
    ):
        fields[name] = fields[name][: DonationLine._meta.get_field(name).max_length]
    fields["postal_code"] = fields["postal_code"][:10]
    fields["siren"] = fields["siren"][:9]
    return fields, errors


def read_request_file(data: bytes) -> tuple[list[dict], list[str]]:
    """Gifts of the request template; raises SpreadsheetError for an unreadable file."""
    sheet = read_xlsx(data, list(HEADERS), required=REQUIRED, max_rows=MAX_ROWS)
    gifts, errors = [], []
    for line, record in sheet.rows:
        fields, problems = gift_from_record({HEADERS[k]: v for k, v in record.items()})
        if problems:
            errors.append(f"Ligne {line} : " + " ; ".join(problems) + ".")
        gifts.append(fields)
    return gifts, errors


def read_any_table(data: bytes, filename: str) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of an .xlsx or .csv export whose columns we do not know in advance."""
    sheet = read_table(data, filename, expected=None, max_rows=MAX_ROWS)
    rows = [[_serialize(record[h]) for h in sheet.headers] for _, record in sheet.rows]
    return sheet.headers, rows


def _serialize(value) -> str:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    return _text(value)
