"""Gifts read from files: the request template (.xlsx) and the Trousse à projets export."""

import csv
import datetime
import io
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from openpyxl import load_workbook

from occe.core.spreadsheets import SpreadsheetError, check_xlsx, normalize_header, read_xlsx

from .models import DonationLine, DonorType, PaymentMethod

# Template headers -> DonationLine fields.
HEADERS = {
    "Nom": "last_name",
    "Prénom": "first_name",
    "Raison sociale": "company_name",
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
MAX_ROWS = 5000

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


def parse_amount(value) -> Decimal:
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value))
    else:
        text = _text(value).replace("€", "").replace("\u00a0", "").replace(" ", "")
        text = text.replace(",", ".")
        amount = Decimal(text)
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
    fields["siren"] = fields["siren"].replace(" ", "")
    if fields["company_name"] and not fields["last_name"]:
        fields["donor_type"] = DonorType.ENTREPRISE
    else:
        fields["donor_type"] = DonorType.PARTICULIER
    if not fields["country"]:
        fields["country"] = "France"
    if not fields["last_name"] and not fields["company_name"]:
        errors.append("le nom (ou la raison sociale) est vide")
    try:
        fields["amount"] = parse_amount(record.get("amount"))
    except (InvalidOperation, ValueError):
        errors.append(f"montant illisible « {_text(record.get('amount'))} »")
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
    for name in ("last_name", "first_name", "company_name", "address", "city", "country"):
        fields[name] = fields[name][: DonationLine._meta.get_field(name).max_length]
    fields["postal_code"] = fields["postal_code"][:10]
    fields["siren"] = fields["siren"][:9]
    return fields, errors


def read_request_file(data: bytes) -> tuple[list[dict], list[str]]:
    """Gifts of the request template; raises SpreadsheetError for an unreadable file."""
    sheet = read_xlsx(data, list(HEADERS), required=REQUIRED)
    if len(sheet.rows) > MAX_ROWS:
        raise SpreadsheetError(f"Le fichier dépasse {MAX_ROWS} lignes.")
    gifts, errors = [], []
    for line, record in sheet.rows:
        fields, problems = gift_from_record({HEADERS[k]: v for k, v in record.items()})
        if problems:
            errors.append(f"Ligne {line} : " + " ; ".join(problems) + ".")
        gifts.append(fields)
    return gifts, errors


def read_any_table(data: bytes, filename: str) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of an .xlsx or .csv export whose columns we do not know in advance."""
    if filename.lower().endswith(".csv"):
        return _read_csv(data)
    check_xlsx(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            first = next(workbook.worksheets[0].iter_rows(values_only=True), None)
        finally:
            workbook.close()
    except Exception as exc:
        raise SpreadsheetError("Le fichier est endommagé et ne peut pas être lu.") from exc
    headers = [_text(h) for h in (first or ()) if _text(h)]
    if not headers:
        raise SpreadsheetError("La première ligne du fichier doit contenir les en-têtes.")
    sheet = read_xlsx(data, headers, required=headers)
    rows = [[_serialize(record[h]) for h in headers] for _, record in sheet.rows]
    return headers, rows[:MAX_ROWS]


def _serialize(value) -> str:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    return _text(value)


def _read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    if not data.strip():
        raise SpreadsheetError("Le fichier est vide.")
    if b"\x00" in data[:2048]:
        raise SpreadsheetError("Ce fichier n'est pas un fichier CSV lisible.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = [row for row in reader if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise SpreadsheetError("Le fichier ne contient aucune ligne de données.")
    headers = [cell.strip() for cell in rows[0]]
    body = [[cell.strip() for cell in row] + [""] * (len(headers) - len(row)) for row in rows[1:]]
    return headers, body[:MAX_ROWS]
