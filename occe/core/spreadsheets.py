"""Safe reading and writing of Excel files.

Uploads are checked before openpyxl sees them: size, real zip container (not a renamed CSV or
PDF), no password protection, and the archive's declared sizes (a zip bomb is refused without
inflating anything). Formulas are read as their text and never evaluated. Exports write every
text as a string cell, so a value starting with =, +, - or @ can never run as a formula.
"""

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Font

MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 1000
MAX_ROWS = 50_000
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted xlsx and old .xls
FORMULA_PREFIXES = ("=", "+", "-", "@")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SpreadsheetError(Exception):
    """A file that cannot be read; the message is shown to the user as is."""


def normalize_header(text) -> str:
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return " ".join(text.casefold().split())


def _too_large_message() -> str:
    limit = settings.MAX_UPLOAD_SIZE // (1024 * 1024)
    return f"Le fichier dépasse la taille maximale de {limit} Mo."


def check_size(size: int) -> None:
    """Refuse a file over settings.MAX_UPLOAD_SIZE (a SpreadsheetError)."""
    if size > settings.MAX_UPLOAD_SIZE:
        raise SpreadsheetError(_too_large_message())


def clean_upload(file):
    """For a form's `clean_<field>`: refuse an uploaded file over settings.MAX_UPLOAD_SIZE from
    its declared size, before anything reads it into memory."""
    if file is not None and file.size is not None and file.size > settings.MAX_UPLOAD_SIZE:
        raise ValidationError(_too_large_message(), code="too_large")
    return file


@dataclass
class Sheet:
    headers: list[str]
    rows: list[tuple[int, dict]] = field(default_factory=list)  # (line number, {header: value})


def check_xlsx(data: bytes) -> None:
    if not data:
        raise SpreadsheetError("Le fichier est vide.")
    check_size(len(data))
    if data.startswith(OLE_SIGNATURE):
        raise SpreadsheetError(
            "Le fichier est protégé par un mot de passe ou au format Excel 97 (.xls) : "
            "enregistrez-le sans mot de passe au format .xlsx."
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SpreadsheetError(
            "Ce fichier n'est pas un classeur Excel (.xlsx). Un fichier CSV ou PDF renommé "
            "n'est pas accepté : enregistrez-le au format .xlsx."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise SpreadsheetError("Le fichier est endommagé et ne peut pas être lu.") from exc
    declared = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members) or 1
    if (
        len(members) > MAX_MEMBERS
        or declared > MAX_UNCOMPRESSED
        or declared / compressed > (MAX_RATIO)
    ):
        raise SpreadsheetError(
            "Le fichier est refusé : son contenu décompressé serait anormalement volumineux."
        )
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise SpreadsheetError("Ce fichier n'est pas un classeur Excel (.xlsx).")


def read_xlsx(
    data: bytes,
    expected: Sequence[str] | None,
    required: Iterable[str] = (),
    max_rows: int = MAX_ROWS,
) -> Sheet:
    """Rows of the first sheet as dicts keyed by the expected header names.

    Headers are matched without regard to case, accents or surrounding spaces; with
    `expected=None` the headers are whatever the first row holds. Every problem is a
    SpreadsheetError with a French message; nothing else escapes.
    """
    check_xlsx(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds of errors on broken files
        raise SpreadsheetError("Le fichier est endommagé et ne peut pas être lu.") from exc
    try:
        return _read_rows(
            workbook.worksheets[0].iter_rows(values_only=True), expected, required, max_rows
        )
    except SpreadsheetError:
        raise
    except Exception as exc:
        raise SpreadsheetError("Le fichier est endommagé et ne peut pas être lu.") from exc
    finally:
        workbook.close()


def read_csv(
    data: bytes,
    expected: Sequence[str] | None,
    required: Iterable[str] = (),
    max_rows: int = MAX_ROWS,
) -> Sheet:
    """The same as read_xlsx for a CSV file (UTF-8 or Windows-1252, ";" or "," separated)."""
    if not data.strip():
        raise SpreadsheetError("Le fichier est vide.")
    check_size(len(data))
    if b"\x00" in data[:2048]:
        raise SpreadsheetError("Ce fichier n'est pas un fichier CSV lisible.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        # A few bytes are undefined even in Windows-1252.
        raise SpreadsheetError("Encodage du fichier non reconnu : enregistrez-le en UTF-8.")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    try:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return _read_rows(
            (tuple(cell.strip() for cell in row) for row in rows), expected, required, max_rows
        )
    except csv.Error as exc:
        raise SpreadsheetError("Ce fichier n'est pas un fichier CSV lisible.") from exc


def read_table(
    data: bytes,
    filename: str,
    expected: Sequence[str] | None = None,
    required: Iterable[str] = (),
    max_rows: int = MAX_ROWS,
) -> Sheet:
    """read_csv for a .csv file, read_xlsx for anything else."""
    reader = read_csv if filename.lower().endswith(".csv") else read_xlsx
    return reader(data, expected, required, max_rows)


def _header_text(cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return "" if cell is None else str(cell).strip()


def _read_rows(
    rows, expected: Sequence[str] | None, required: Iterable[str], max_rows: int
) -> Sheet:
    try:
        header_row = next(rows)
    except StopIteration:
        raise SpreadsheetError("Le fichier est vide.") from None
    header_row = header_row or ()
    if expected is None:
        expected = [_header_text(cell) for cell in header_row if _header_text(cell)]
        if not expected:
            raise SpreadsheetError("La première ligne du fichier doit contenir les en-têtes.")
        required = ()
    by_key = {normalize_header(name): name for name in expected}
    columns = {}
    unknown = []
    for index, cell in enumerate(header_row):
        key = normalize_header(cell)
        if not key:
            continue
        if key in by_key:
            if by_key[key] in columns.values():
                # Two columns with one name: which one to read would be a guess.
                raise SpreadsheetError(f"La colonne « {by_key[key]} » apparaît deux fois.")
            columns[index] = by_key[key]
        else:
            unknown.append(str(cell))
    missing = [name for name in (required or expected) if name not in columns.values()]
    if missing:
        message = "Colonnes manquantes : " + ", ".join(missing) + "."
        if unknown:
            message += " Colonnes non reconnues : " + ", ".join(unknown) + "."
        raise SpreadsheetError(message)
    result = Sheet(headers=list(expected))
    for line, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        if len(result.rows) >= max_rows:
            raise SpreadsheetError(
                f"Le fichier contient trop de lignes : au plus {max_rows} lignes de données."
            )
        record = {name: None for name in expected}
        for index, name in columns.items():
            record[name] = values[index] if index < len(values) else None
        result.rows.append((line, record))
    if not result.rows:
        raise SpreadsheetError("Le fichier ne contient aucune ligne de données.")
    return result


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence], title: str = "Feuille") -> bytes:
    """A one-sheet workbook, streamed row by row (write-only mode keeps memory flat)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for index, name in enumerate(headers):
        sheet.column_dimensions[_letter(index)].width = max(12, min(40, len(str(name)) + 4))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_cell(sheet, name, font=bold) for name in headers])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(sheet, value, font=None) -> WriteOnlyCell:
    if isinstance(value, str):
        # Control characters are not allowed in the XML of a sheet: openpyxl would refuse them.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # Never a formula: openpyxl would otherwise store "=..." as one.
        cell.data_type = TYPE_STRING
        if value.startswith(FORMULA_PREFIXES):
            # Excel's leading apostrophe: the text stays text even when the cell is edited.
            cell.quotePrefix = True
    if font:
        cell.font = font
    return cell


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
