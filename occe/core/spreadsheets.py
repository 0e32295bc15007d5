"""Safe reading and writing of Excel files.

Uploads are checked before openpyxl sees them: size, real zip container (not a renamed CSV or
PDF), no password protection, the archive's declared sizes (a zip bomb is refused without
inflating anything) and the first sheet's declared dimension (a sheet claiming a million rows is
refused before any row is read). While reading, every row counts towards the row limit, blank
ones too. Formulas are read as their text and never evaluated. Exports write every text as a
string cell, so a value starting with =, +, - or @ can never run as a formula.
"""

import csv
import io
import posixpath
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from defusedxml import ElementTree
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Font
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

# The largest real file is the cooperatives' export of a large department (the bench's ×10
# scale): 6 250 rows of 21 columns, 5 to 8 MB once inflated (measured, see
# tests/core/test_imports.py). 16 MB leaves room for 10 000 such rows with long values; a file
# declaring more is refused before anything is inflated.
MAX_UNCOMPRESSED = 16 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 1000
MAX_ROWS = 10_000  # data rows, blank ones included
MAX_COLUMNS = 100  # cells read per row; columns further right are ignored
MAX_CELLS = MAX_ROWS * 50  # the declared dimension of a sheet, rows × columns
SMALL_PART = 1024 * 1024  # workbook.xml and its relations are read whole: they stay small
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


def _too_large_content() -> SpreadsheetError:
    return SpreadsheetError(
        "Le fichier est refusé : son contenu décompressé serait anormalement volumineux."
    )


def check_xlsx(data: bytes, max_rows: int = MAX_ROWS) -> None:
    """Refuse, with a French SpreadsheetError, anything that is not a small sane xlsx."""
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
            declared = sum(member.file_size for member in members)
            compressed = sum(member.compress_size for member in members) or 1
            if (
                len(members) > MAX_MEMBERS
                or declared > MAX_UNCOMPRESSED
                or declared / compressed > MAX_RATIO
            ):
                raise _too_large_content()
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise SpreadsheetError("Ce fichier n'est pas un classeur Excel (.xlsx).")
            _check_dimension(archive, names, max_rows)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise SpreadsheetError("Le fichier est endommagé et ne peut pas être lu.") from exc


def _first_sheet_path(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    """The archive path of the workbook's first sheet (the one read), from workbook.xml."""
    try:
        workbook = _small_xml(archive, "xl/workbook.xml")
        relations = _small_xml(archive, "xl/_rels/workbook.xml.rels")
    except (KeyError, ElementTree.ParseError):
        return None
    sheet = next((el for el in workbook.iter() if el.tag.endswith("}sheet")), None)
    if sheet is None:
        return None
    rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
    for relation in relations.iter():
        if relation.get("Id") == rid and relation.get("Target"):
            target = relation.get("Target")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            path = posixpath.normpath(path)
            return path if path in names else None
    return None


def _small_xml(archive: zipfile.ZipFile, name: str):
    if archive.getinfo(name).file_size > SMALL_PART:
        raise _too_large_content()
    # defusedxml: no entity expansion, no external entities.
    return ElementTree.fromstring(archive.read(name))


def _check_dimension(archive: zipfile.ZipFile, names: set[str], max_rows: int) -> None:
    """Refuse a first sheet whose declared dimension (`<dimension ref="A1:O1376166"/>`, before
    the rows in the sheet's XML) is beyond the row or cell limit, reading only its first
    elements."""
    path = _first_sheet_path(archive, names)
    if path is None:
        return  # openpyxl will say the file is damaged
    ref = None
    try:
        with archive.open(path) as stream:
            for count, (_, element) in enumerate(ElementTree.iterparse(stream, ("start",))):
                tag = element.tag.rsplit("}", 1)[-1]
                if tag == "dimension":
                    ref = element.get("ref")
                    break
                if tag in ("sheetData", "row", "c") or count > 50:
                    break  # the dimension comes first when there is one
    except ElementTree.ParseError:
        return  # openpyxl will say the file is damaged
    if not ref:
        return
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref.upper())
    except (ValueError, TypeError):
        return
    rows = (max_row or 1) - (min_row or 1) + 1
    columns = (max_col or 1) - (min_col or 1) + 1
    if rows - 1 > max_rows:
        raise SpreadsheetError(
            f"Le fichier contient trop de lignes : au plus {max_rows} lignes de données (sa "
            f"feuille en déclare {_grouped(rows - 1)}, lignes vides comprises). Supprimez les "
            "lignes vides en fin de feuille, ou découpez le fichier."
        )
    if rows * columns > MAX_CELLS:
        raise SpreadsheetError(
            f"Le fichier est refusé : sa feuille déclare {_grouped(rows)} lignes de "
            f"{_grouped(columns)} colonnes, bien plus qu'un import n'en contient."
        )


def _grouped(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


def read_xlsx(
    data: bytes,
    expected: Sequence[str] | None,
    required: Iterable[str] = (),
    max_rows: int = MAX_ROWS,
    aliases: Mapping[str, Iterable[str]] | None = None,
) -> Sheet:
    """Rows of the first sheet as dicts keyed by the expected header names.

    Headers are matched without regard to case, accents or surrounding spaces, and also under
    their `aliases` ({header: [other names]}); columns nobody expects are ignored. With
    `expected=None` the headers are whatever the first row holds. Every problem is a
    SpreadsheetError with a French message; nothing else escapes.
    """
    check_xlsx(data, max_rows)
    try:
        workbook, sheet = _open_first_sheet(data)
    except Exception as exc:  # openpyxl raises many kinds of errors on broken files
        raise SpreadsheetError("Le fichier est endommagé et ne peut pas être lu.") from exc
    try:
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        return _read_rows(rows, expected, required, max_rows, aliases)
    except SpreadsheetError:
        raise
    except Exception as exc:
        raise SpreadsheetError("Le fichier est endommagé et ne peut pas être lu.") from exc
    finally:
        workbook.close()


class _UnsizedSheet(ReadOnlyWorksheet):
    """A read-only sheet opened without its size.

    openpyxl sizes a read-only sheet as it opens it, and it would stop reading at that size: a
    file declaring fewer rows than it holds would lose the rest silently. Without a `<dimension>`
    element (our own export, and many programs) the sizing even parses the whole sheet before its
    rows are read: a third of an import's reading. So the rows are read to their end, whatever
    the sheet declares; `check_xlsx` has refused a declared size beyond the limits, and the row
    limit guards the cost.
    """

    def _get_size(self) -> None:
        pass


def _open_first_sheet(data: bytes) -> tuple:
    """(workbook, first worksheet), read-only, as `load_workbook(read_only=True)` opens them
    (shared strings, styles for the dates), the sheet unsized."""
    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=False)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        for sheet, rel in reader.parser.find_sheets():
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
                worksheet = _UnsizedSheet(reader.wb, sheet.name, rel.target, reader.shared_strings)
                return reader.wb, worksheet
        raise ValueError("no worksheet")
    except Exception:
        reader.archive.close()
        raise


def read_csv(
    data: bytes,
    expected: Sequence[str] | None,
    required: Iterable[str] = (),
    max_rows: int = MAX_ROWS,
    aliases: Mapping[str, Iterable[str]] | None = None,
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
        cells = (tuple(cell.strip() for cell in row[:MAX_COLUMNS]) for row in rows)
        return _read_rows(cells, expected, required, max_rows, aliases)
    except csv.Error as exc:
        raise SpreadsheetError("Ce fichier n'est pas un fichier CSV lisible.") from exc


def read_table(
    data: bytes,
    filename: str,
    expected: Sequence[str] | None = None,
    required: Iterable[str] = (),
    max_rows: int = MAX_ROWS,
    aliases: Mapping[str, Iterable[str]] | None = None,
) -> Sheet:
    """read_csv for a .csv file, read_xlsx for anything else."""
    reader = read_csv if filename.lower().endswith(".csv") else read_xlsx
    return reader(data, expected, required, max_rows, aliases)


def _header_text(cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return "" if cell is None else str(cell).strip()


def match_headers(
    header_row: Sequence,
    expected: Sequence[str],
    required: Iterable[str] = (),
    aliases: Mapping[str, Iterable[str]] | None = None,
) -> dict[int, str]:
    """{column index: expected header} for a file's first row, or a French SpreadsheetError
    naming the missing columns (and those not recognised, which are otherwise ignored)."""
    by_key = {normalize_header(name): name for name in expected}
    for name, others in (aliases or {}).items():
        by_key.update({normalize_header(other): name for other in others})
    columns: dict[int, str] = {}
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
    return columns


def _read_rows(
    rows,
    expected: Sequence[str] | None,
    required: Iterable[str],
    max_rows: int,
    aliases: Mapping[str, Iterable[str]] | None = None,
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
    columns = match_headers(header_row, expected, required, aliases)
    result = Sheet(headers=list(expected))
    blank = dict.fromkeys(expected)
    for line, values in enumerate(rows, start=2):
        # Every row read counts, blank ones too: a sheet of a million empty rows costs as
        # much to read as a full one.
        if line - 1 > max_rows:
            raise SpreadsheetError(
                f"Le fichier contient trop de lignes : au plus {max_rows} lignes de données."
            )
        if not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        record = blank.copy()
        width = len(values)
        for index, name in columns.items():
            if index < width:
                record[name] = values[index]
        result.rows.append((line, record))
    if not result.rows:
        raise SpreadsheetError("Le fichier ne contient aucune ligne de données.")
    return result


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence], title: str = "Feuille") -> bytes:
    """A one-sheet workbook, streamed row by row (write-only mode keeps memory flat), header
    frozen and filtered. Exporters (occe.core.exports) give each column its width and format."""
    # Imported here: occe.core.exports builds on this module (a cycle at import time).
    from .exports import Column, Sheet, write_workbook

    return write_workbook([Sheet(title, [Column(str(name)) for name in headers], rows)])


def writable_cell(sheet, value, font=None, number_format: str | None = None) -> WriteOnlyCell:
    """A write-only cell; text is always text (never a formula), control characters dropped."""
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
    if number_format:
        cell.number_format = number_format
    return cell


BOLD = Font(bold=True)


def column_letter(index: int) -> str:
    return get_column_letter(index + 1)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
