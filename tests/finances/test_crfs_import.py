"""Import of many coops' CRFS totals: bad files and cells refused in French, preview, one
transaction, re-import unchanged, the command and the pages."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from finances.imports_crfs import CrfsImporter
from finances.models import Crfs
from occe.core.imports import ImportRefused
from occe.core.spreadsheets import OLE_SIGNATURE
from tests.cooperatives.factories import CooperativeFactory

from .factories_crfs import CrfsFactory, last_year

pytestmark = pytest.mark.django_db

HEADERS = [
    "Numéro",
    "Solde d'ouverture",
    "Total des produits",
    "Total des charges",
    "Solde comptable au 31 août",
    "Solde bancaire au 31 août",
    "Opérations en attente",
    "Date d'approbation",
    "Vérificateur 1",
    "Vérificateur 2",
    "Quitus",
    "Format",
]


def xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if headers is not None:
        sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def line(number, **values) -> list:
    row = {
        "Numéro": number,
        "Solde d'ouverture": "1 500,00",
        "Total des produits": "4 200,50",
        "Total des charges": "3 900,25",
        "Solde comptable au 31 août": "1 800,25",
        "Solde bancaire au 31 août": "1 850,25",
        "Opérations en attente": "50",
        "Date d'approbation": "15/10/2025",
        "Vérificateur 1": "Paul Martin",
        "Vérificateur 2": "Léa Bernard",
        "Quitus": "oui",
        "Format": "logiciel",
    }
    row.update(values)
    return [row[header] for header in HEADERS]


@pytest.fixture
def coops():
    return [CooperativeFactory(number=f"97{n:04d}") for n in range(1, 4)]


def importer():
    return CrfsImporter(school_year=last_year())


def file_error(data: bytes) -> str:
    plan = importer().plan(data)
    assert plan.has_errors and not plan.rows
    return " ".join(plan.file_errors)


def test_bad_files_refused_in_french(coops, settings):
    assert file_error(b"") == "Le fichier est vide."
    assert "Colonnes manquantes" in file_error(xlsx([["970001"]], headers=["Numéro"]))
    assert "n'est pas un classeur Excel" in file_error(b"%PDF-1.4\n%%EOF\n")
    assert "protégé par un mot de passe" in file_error(OLE_SIGNATURE + b"\0" * 4096)
    assert file_error(xlsx([])) == "Le fichier ne contient aucune ligne de données."
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    assert "anormalement volumineux" in file_error(buffer.getvalue())
    data = xlsx([line("970001")])
    data += b"\0" * (settings.MAX_UPLOAD_SIZE + 1 - len(data))
    assert "taille maximale" in file_error(data)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"Numéro": "999999"}, "Aucune coopérative n'a le numéro 999999"),
        ({"Opérations en attente": "-5"}, "hors des bornes"),
        ({"Total des produits": "−0,01"}, "hors des bornes"),
        ({"Solde bancaire au 31 août": "-1 000 000,01"}, "hors des bornes"),
        ({"Solde d'ouverture": "−1 000 000,01"}, "hors des bornes"),
        ({"Total des produits": "10 000 000"}, "hors des bornes"),
        ({"Total des charges": "douze"}, "n'est pas un montant lisible"),
        ({"Date d'approbation": "31/02/2025"}, "n'est pas une date lisible"),
        ({"Quitus": "peut-être"}, "inconnu"),
        ({"Format": "fax"}, "en ligne, logiciel ou papier"),
        ({"Solde d'ouverture": ""}, "obligatoire"),
    ],
)
def test_bad_cells_refused_in_french(coops, values, message):
    plan = importer().plan(xlsx([line("970001"), line("970002", **values)]))
    assert plan.has_errors
    messages = plan.messages()
    assert len(messages) == 1
    assert messages[0].startswith("Ligne 3, colonne ")
    assert message in messages[0]


def test_duplicate_numbers(coops):
    plan = importer().plan(xlsx([line("970001"), line("970001")]))
    assert "apparaît plusieurs fois" in plan.messages()[0]


def test_overdrawn_balances_imported(coops, secretary):
    """Balances typed the French way with a minus (hyphen or U+2212), down to −1 000 000 €."""
    data = xlsx(
        [
            line(
                "970001",
                **{
                    "Solde d'ouverture": "-1 234,56",
                    "Solde comptable au 31 août": "−12,00",
                    "Solde bancaire au 31 août": "-1000000",
                },
            ),
            line("970002", **{"Solde bancaire au 31 août": -42.5}),  # a number cell
        ]
    )
    plan = importer().plan(data)
    assert not plan.has_errors, plan.messages()
    importer().apply(plan, user=secretary)
    crfs = Crfs.objects.get(cooperative__number="970001")
    assert crfs.opening_balance == Decimal("-1234.56")
    assert crfs.closing_balance == Decimal("-12.00")
    assert crfs.bank_balance == Decimal("-1000000.00")
    other = Crfs.objects.get(cooperative__number="970002")
    assert other.bank_balance == Decimal("-42.50")


def test_apply_creates_received_reports_and_reimport_is_unchanged(coops, secretary):
    data = xlsx([line("970001"), line("970002", Quitus="non", Format="papier")])
    plan = importer().plan(data)
    assert plan.counts == {"create": 2, "update": 0, "unchanged": 0, "error": 0}
    assert not Crfs.objects.exists()  # the preview writes nothing
    result = importer().apply(plan, user=secretary)
    assert result["created"] == 2
    paper = Crfs.objects.get(cooperative__number="970002")
    assert paper.status == Crfs.Status.SUBMITTED and paper.format == "papier"
    assert not paper.quitus and paper.closing_balance == Decimal("1800.25")
    assert [f.reason for f in paper.flags()] == ["papier", "sans_quitus"]
    assert importer().plan(data).counts["unchanged"] == 2


def test_accepted_report_is_never_changed(coops, secretary):
    CrfsFactory(cooperative=coops[0], school_year=last_year(), accepted=True)
    plan = importer().plan(xlsx([line("970001", **{"Solde bancaire au 31 août": "9"})]))
    assert "est accepté" in plan.messages()[0]
    with pytest.raises(ImportRefused):
        importer().apply(plan, user=secretary)


def test_a_draft_becomes_received(coops, secretary):
    CrfsFactory(cooperative=coops[0], school_year=last_year(), closing_balance=Decimal("1800.25"))
    plan = importer().plan(xlsx([line("970001")]))
    assert plan.counts["update"] == 1
    importer().apply(plan, user=secretary)
    assert Crfs.objects.get().status == Crfs.Status.SUBMITTED


def test_apply_is_one_transaction(coops, secretary, monkeypatch):
    plan = importer().plan(xlsx([line("970001"), line("970002")]))
    from simple_history import utils

    def boom(*args, **kwargs):
        raise RuntimeError("panne")

    monkeypatch.setattr("finances.imports_crfs.bulk_create_with_history", boom)
    with pytest.raises(RuntimeError):
        importer().apply(plan, user=secretary)
    assert not Crfs.objects.exists()
    assert utils  # the real helper is left untouched


def test_command(tmp_path, coops):
    path = tmp_path / "crfs.xlsx"
    path.write_bytes(xlsx([line("970001")]))
    call_command("import_crfs", str(path), "--year", last_year().label, "--dry-run")
    assert not Crfs.objects.exists()
    call_command("import_crfs", str(path), "--year", last_year().label)
    assert Crfs.objects.count() == 1
    with pytest.raises(CommandError, match="invalide"):
        call_command("import_crfs", str(path), "--year", "2024")
    path.write_bytes(xlsx([line("999999")]))
    with pytest.raises(CommandError, match="erreurs"):
        call_command("import_crfs", str(path), "--year", last_year().label)


# Committed for real: the apply is a job queued on commit, run at once without a broker.
@pytest.mark.django_db(transaction=True)
def test_upload_preview_confirm(world, client, coops):
    client.force_login(world.users["secretariat"])
    upload = SimpleUploadedFile("crfs.xlsx", xlsx([line("970001"), line("970002")]))
    response = client.post(
        reverse("finances:crfs_import"), {"school_year": last_year().pk, "file": upload}
    )
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.context["counts"]["create"] == 2
    done = client.post(response["Location"], follow=True)
    assert "2 compte(s) rendu(s) créé(s)" in done.content.decode()
    assert Crfs.objects.count() == 2
    again = client.post(response["Location"], follow=True)
    assert "déjà importé" in again.content.decode()
    assert Crfs.objects.count() == 2
    assert client.get(reverse("finances:crfs_import_template")).status_code == 200
