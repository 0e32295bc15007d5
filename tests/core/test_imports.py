"""The import framework (occe/core/imports.py) and the file checks every import goes through
(occe/core/spreadsheets.py), on a small importer of circonscriptions declared here."""

import datetime
import io
import time
import zipfile
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from cooperatives.models import Circonscription
from occe.core.imports import (
    ChoiceColumn,
    DateColumn,
    DecimalColumn,
    EmailColumn,
    ImportCommand,
    Importer,
    ImportRefused,
    IntegerColumn,
    SirenColumn,
    TextColumn,
)
from occe.core.spreadsheets import MAX_ROWS, SpreadsheetError, read_xlsx

pytestmark = pytest.mark.django_db


class CirconscriptionImporter(Importer):
    kind = "test-circonscriptions"
    label = "Circonscriptions"
    key = "name"
    duplicate_message = "La circonscription {value} apparaît plusieurs fois (aussi ligne {lines})."
    columns = [
        TextColumn("name", "Circonscription", required=True, max_length=150, field="name"),
        TextColumn(
            "ien", "IEN", aliases=["Inspecteur", "Inspectrice"], max_length=150, field="ien"
        ),
        IntegerColumn("schools", "Écoles", max_value=300),
        DecimalColumn("budget", "Budget", max_value=Decimal("5000")),
        DateColumn("since", "Depuis le"),
        ChoiceColumn("level", "Niveau", choices=[("1", "Premier degré"), ("2", "Second degré")]),
        EmailColumn("email", "Courriel"),
    ]

    def load(self, rows, lock=False):
        names = [row.key for row in rows]
        queryset = Circonscription.objects.filter(name__in=names)
        if lock:
            queryset = queryset.select_for_update()
        return {c.name: c for c in queryset}

    def compare(self, row, state):
        existing = state.get(row.key)
        if existing is None:
            return False
        row.changed = [
            c.key for c in self.columns if c.field and c.differs(row.values[c.key], existing)
        ]
        return True

    def write(self, rows, state, user):
        new, changed = [], []
        for row in rows:
            obj = state.get(row.key) or Circonscription()
            for column in self.columns:
                if column.field:
                    column.assign(row.values[column.key], obj)
            (changed if obj.pk else new).append(obj)
        Circonscription.objects.bulk_create(new)
        Circonscription.objects.bulk_update(changed, ["ien"])
        return {"written": len(new) + len(changed)}


HEADERS = ["Circonscription", "IEN", "Écoles", "Budget", "Depuis le", "Niveau", "Courriel"]


def workbook(rows, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def good(n=1, **changes):
    row = {
        "Circonscription": f"Nanterre {n}",
        "IEN": "Mme Roux",
        "Écoles": 12,
        "Budget": "1 234,50",
        "Depuis le": datetime.date(2024, 9, 2),
        "Niveau": "premier DEGRE",
        "Courriel": "Ce.0920001@AC-Versailles.fr",
    }
    row.update(changes)
    return [row[h] for h in HEADERS]


def plan(rows, **kwargs):
    return CirconscriptionImporter().plan(workbook(rows, **kwargs))


def test_each_column_cleans_its_cell():
    row = plan([good()]).rows[0]
    assert row.values == {
        "name": "Nanterre 1",
        "ien": "Mme Roux",
        "schools": 12,
        "budget": Decimal("1234.50"),
        "since": datetime.date(2024, 9, 2),
        "level": "1",
        "email": "ce.0920001@ac-versailles.fr",
    }
    assert row.action == "create"


def test_each_faulty_cell_has_its_french_message():
    result = plan(
        [
            good(1, **{"Écoles": -2, "Budget": "12,3,4", "Depuis le": "32/13/2024"}),
            good(2, **{"Circonscription": " ", "Niveau": "maternelle", "Courriel": "non"}),
            good(3, **{"Écoles": 2.5, "Budget": 9000}),
        ]
    )
    assert result.messages() == [
        "Ligne 2, colonne Écoles : « -2 » est négatif : indiquez un nombre positif ou nul.",
        "Ligne 2, colonne Budget : « 12,3,4 » n'est pas un montant lisible (ex. 120,50).",
        "Ligne 2, colonne Depuis le : « 32/13/2024 » n'est pas une date lisible (attendu "
        "JJ/MM/AAAA).",
        "Ligne 3, colonne Circonscription : La valeur est obligatoire.",
        "Ligne 3, colonne Niveau : « maternelle » inconnu : valeurs possibles Premier degré, "
        "Second degré.",
        "Ligne 3, colonne Courriel : « non » n'est pas une adresse électronique valide.",
        "Ligne 4, colonne Écoles : « 2.5 » n'est pas un nombre entier.",
        "Ligne 4, colonne Budget : « 9000 » est hors des bornes (0 à 5000).",
    ]
    assert result.counts == {"create": 0, "update": 0, "unchanged": 0, "error": 3}
    with pytest.raises(ImportRefused):
        result.importer.apply(result)


@pytest.mark.parametrize("budget", ["1,234", "1.234", 12.345])
def test_an_amount_with_thousandths_is_refused_never_rounded(budget):
    (message,) = plan([good(**{"Budget": budget})]).messages()
    assert message.startswith(f"Ligne 2, colonne Budget : « {budget} » a plus de 2 décimales")


def test_a_sheets_float_arithmetic_is_an_amount_with_cents():
    assert plan([good(**{"Budget": 0.1 + 0.2})]).rows[0].values["budget"] == Decimal("0.30")


def test_key_duplicates_are_errors_on_every_line():
    result = plan([good(1), good(2), good(1)])
    assert result.messages() == [
        "Ligne 2, colonne Circonscription : La circonscription Nanterre 1 apparaît plusieurs "
        "fois (aussi ligne 4).",
        "Ligne 4, colonne Circonscription : La circonscription Nanterre 1 apparaît plusieurs "
        "fois (aussi ligne 2).",
    ]


def test_headers_by_alias_and_extra_columns_ignored():
    headers = [
        "circonscription",
        "INSPECTRICE",
        "écoles",
        "Budget",
        "depuis LE",
        "Niveau",
        "Courriel",
        "Remarques",
    ]
    result = plan([[*good(), "à rappeler"]], headers=headers)
    assert not result.has_errors, result.messages()
    assert result.rows[0].values["ien"] == "Mme Roux"


def test_missing_headers_are_named():
    result = plan([good()[:2]], headers=["Circonscription", "IEN"])
    assert result.file_errors == [
        "Colonnes manquantes : Écoles, Budget, Depuis le, Niveau, Courriel."
    ]


class CompanyReader(Importer):
    columns = [
        TextColumn("name", "Raison sociale", required=True, required_message="Nom manquant."),
        SirenColumn("siren", "SIREN", optional_header=True),
        DateColumn("since", "Depuis", invalid_message="date « {value} » illisible"),
    ]


def test_siren_column_optional_header_and_own_messages():
    data = workbook(
        [["Garage", "552 081 317", "01/02/2025"], ["", "123 456 789", "hier"]],
        headers=["Raison sociale", "SIREN", "Depuis"],
    )
    result = CompanyReader().read(data)
    assert result.rows[0].values["siren"] == "552081317"
    assert result.messages() == [
        "Ligne 3, colonne Raison sociale : Nom manquant.",
        "Ligne 3, colonne SIREN : Le SIREN 123456789 n'existe pas : sa clé de contrôle est "
        "fausse (vérifiez les chiffres sur l'avis de situation ou l'extrait Kbis).",
        "Ligne 3, colonne Depuis : date « hier » illisible",
    ]
    # The SIREN column may be left out; the others may not.
    without = CompanyReader().read(
        workbook([["Garage", "01/02/2025"]], ["Raison sociale", "Depuis"])
    )
    assert not without.has_errors and without.rows[0].values["siren"] == ""
    missing = CompanyReader().read(workbook([["552081317"]], ["SIREN"]))
    assert missing.file_errors == ["Colonnes manquantes : Raison sociale, Depuis."]


def test_plan_apply_and_reimport():
    importer = CirconscriptionImporter()
    first = importer.plan(workbook([good(1), good(2)]))
    assert importer.apply(first) == {"created": 2, "updated": 0, "unchanged": 0, "written": 2}
    again = importer.plan(workbook([good(1), good(2, IEN="M. Petit")]))
    assert again.counts == {"create": 0, "update": 1, "unchanged": 1, "error": 0}
    assert again.rows[1].changed_fields == ["IEN"]
    assert again.report_lines()[:4] == [
        "À créer : 0",
        "À mettre à jour : 1",
        "Inchangées : 1",
        "En erreur : 0",
    ]
    importer.apply(again)
    assert Circonscription.objects.get(name="Nanterre 2").ien == "M. Petit"


def test_plan_and_apply_queries_do_not_depend_on_rows():
    def queries(first, count):
        importer = CirconscriptionImporter()
        data = workbook([good(n) for n in range(first, first + count)])
        with CaptureQueriesContext(connection) as planned:
            result = importer.plan(data)
        with CaptureQueriesContext(connection) as applied:
            importer.apply(result)
        return len(planned), len(applied)

    assert queries(0, 3) == queries(100, 60)


# The file checks every import goes through ----------------------------------------------------


def sheet_xml(dimension: str, rows: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    )


def crafted_xlsx(sheet: str) -> bytes:
    """A real workbook whose first sheet is replaced by `sheet`."""
    source = zipfile.ZipFile(io.BytesIO(workbook([good()])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = sheet.encode()
            archive.writestr(item.filename, content)
    return buffer.getvalue()


def test_a_sheet_declaring_a_million_blank_rows_is_refused_before_reading():
    """Issue 6, 1.4: a legal-size file declaring 1 376 165 blank rows tied up the server."""
    blank_rows = "".join(f'<row r="{n}"/>' for n in range(2, 200_000))
    data = crafted_xlsx(sheet_xml("A1:O1376166", blank_rows))
    started = time.perf_counter()
    with pytest.raises(SpreadsheetError) as refused:
        read_xlsx(data, HEADERS)
    assert time.perf_counter() - started < 1
    assert str(refused.value) == (
        f"Le fichier contient trop de lignes : au plus {MAX_ROWS} lignes de données (sa feuille "
        "en déclare 1\u00a0376\u00a0165, lignes vides comprises). Supprimez les lignes vides en "
        "fin de feuille, ou découpez le fichier."
    )
    # The same refusal reaches the user of any import.
    assert CirconscriptionImporter().plan(data).file_errors == [str(refused.value)]


def test_a_sheet_declaring_an_absurd_number_of_cells_is_refused():
    data = crafted_xlsx(sheet_xml("A1:XFD9000"))
    with pytest.raises(SpreadsheetError, match="bien plus qu'un import n'en contient"):
        read_xlsx(data, HEADERS)


def test_blank_rows_count_towards_the_limit_when_the_dimension_lies():
    header = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>'
        for i, h in enumerate(HEADERS)
    )
    rows = f'<row r="1">{header}</row>' + "".join(f'<row r="{n}"/>' for n in range(2, 60))
    data = crafted_xlsx(sheet_xml("A1:G2", rows))
    with pytest.raises(SpreadsheetError, match="au plus 50 lignes de données"):
        read_xlsx(data, HEADERS, max_rows=50)


def test_every_row_is_read_whatever_the_sheet_declares():
    """A sheet declaring fewer rows than it holds (or no dimension at all, as many programs
    write it) is read to its end: no row is silently dropped."""
    header = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>'
        for i, h in enumerate(HEADERS)
    )
    rows = f'<row r="1">{header}</row>' + "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Circo {n}</t></is></c></row>'
        for n in range(2, 8)
    )
    lying = crafted_xlsx(sheet_xml("A1:G2", rows))
    undeclared = crafted_xlsx(sheet_xml("A1:G2", rows).replace('<dimension ref="A1:G2"/>', ""))
    for data in (lying, undeclared):
        sheet = read_xlsx(data, HEADERS)
        assert [row["Circonscription"] for _, row in sheet.rows] == [
            f"Circo {n}" for n in range(2, 8)
        ]


def test_the_uncompressed_size_limit_fits_a_large_department():
    """The largest real file, a large department's 6 250 cooperatives as the export writes
    them, passes with room to spare; a zip declaring more than the limit does not."""
    from cooperatives.exchange import CooperativeExporter
    from occe.core.exports import Sheet, write_workbook
    from occe.core.spreadsheets import MAX_UNCOMPRESSED, check_xlsx

    row = [
        "920123",
        "0921234X",
        "École élémentaire Jean-Baptiste Clément",
        "Élémentaire",
        "12 avenue de la République prolongée",
        "92000",
        "Rueil-Malmaison",
        "Rueil-Malmaison Nord",
        "REP+",
        "Martin-Dubois",
        "Marie-Claire",
        "marie-claire.martin-dubois@ac-versailles.fr",
        14,
        320,
        25,
        "Validée",
        datetime.date(2024, 10, 3),
        Decimal("1234.50"),
        "Lefèvre",
        "Jean-Baptiste",
        "jean-baptiste.lefevre@ac-versailles.fr",
    ]
    data = write_workbook([Sheet("Coopératives", CooperativeExporter.columns, [row] * 6250)])
    inflated = sum(item.file_size for item in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert 4_000_000 < inflated < MAX_UNCOMPRESSED * 0.6
    check_xlsx(data)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (MAX_UNCOMPRESSED + 1))
    with pytest.raises(SpreadsheetError, match="anormalement volumineux"):
        check_xlsx(buffer.getvalue())


# The command path -----------------------------------------------------------------------------


class Command(ImportCommand):
    importer_class = CirconscriptionImporter


def test_the_generic_command_reports_and_applies(tmp_path):
    path = tmp_path / "circonscriptions.xlsx"
    path.write_bytes(workbook([good(1), good(2)]))
    out = io.StringIO()
    call_command(Command(), str(path), stdout=out)
    assert "À créer : 2" in out.getvalue()
    assert "Import appliqué : 2 créée(s), 0 mise(s) à jour, 0 inchangée(s)." in out.getvalue()
    assert Circonscription.objects.count() == 2
    path.write_bytes(workbook([good(3, **{"Écoles": -1})]))
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command(Command(), str(path), stdout=io.StringIO())
    assert Circonscription.objects.count() == 2
