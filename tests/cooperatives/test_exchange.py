"""Excel import and export of cooperatives (cooperatives/exchange.py and its pages)."""

import io
import zipfile
from decimal import Decimal
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cooperatives.exchange import (
    COLUMNS,
    apply_import,
    export_rows,
    export_workbook,
    plan_import,
)
from cooperatives.models import Affiliation, Circonscription, Cooperative, Mandate
from occe.accounts.models import User
from occe.core.imports import ImportRefused
from occe.core.models import Association, ImportBatch, Job, SchoolYear
from occe.core.spreadsheets import OLE_SIGNATURE
from tests.cooperatives.factories import (
    AffiliationFactory,
    CooperativeFactory,
    MandateFactory,
    make_uai,
)

pytestmark = pytest.mark.django_db


def xlsx(rows, headers=COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if headers is not None:
        sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def line(n: int = 1, **values) -> list:
    """A valid row for a new cooperative; keyword arguments replace columns by position name."""
    row = {
        "Numéro": f"93{n:04d}",
        "UAI": make_uai(5000 + n),
        "Nom": f"École Louise Michel {n}",
        "Type": "élémentaire",
        "Adresse": f"{n} avenue de la République",
        "Code postal": "92000",
        "Commune": "Nanterre",
        "Circonscription": "Nanterre 1",
        "Éducation prioritaire": "",
        "Nom du mandataire": "Martin",
        "Prénom du mandataire": "Claire",
        "Courriel du mandataire": f"claire.martin{n}@exemple.fr",
        "Classes": 4,
        "Élèves": 90,
        "Adultes": 6,
    }
    aliases = {
        "number": "Numéro",
        "uai": "UAI",
        "name": "Nom",
        "type": "Type",
        "postal_code": "Code postal",
        "circonscription": "Circonscription",
        "priority": "Éducation prioritaire",
        "last_name": "Nom du mandataire",
        "first_name": "Prénom du mandataire",
        "email": "Courriel du mandataire",
        "classes": "Classes",
        "pupils": "Élèves",
        "adults": "Adultes",
    }
    for key, value in values.items():
        row[aliases[key]] = value
    return [row[column] for column in COLUMNS]


@pytest.fixture
def year(db):
    return SchoolYear.objects.current()


def database_state() -> dict:
    return {
        "coops": Cooperative.objects.count(),
        "coop_history": Cooperative.history.count(),
        "affiliations": Affiliation.objects.count(),
        "affiliation_history": Affiliation.history.count(),
        "mandates": Mandate.objects.count(),
        "users": User.objects.count(),
        "circonscriptions": Circonscription.objects.count(),
    }


def file_error(data: bytes, year) -> str:
    plan = plan_import(data, year)
    assert plan.has_errors
    assert not plan.rows
    return " ".join(plan.file_errors)


def row_errors(data: bytes, year) -> list[str]:
    plan = plan_import(data, year)
    assert plan.has_errors
    return plan.messages()


# Bad files: each refused with a French message, nothing read further --------------------------


def test_wrong_headers(year):
    data = xlsx([["930001", "École"]], headers=["Numero", "Name"])
    message = file_error(data, year)
    assert message.startswith("Colonnes manquantes : UAI, Nom, Type,")
    assert "Colonnes non reconnues : Name." in message


def test_duplicate_header(year):
    data = xlsx([line()], headers=[*COLUMNS, " NUMÉRO "])
    assert file_error(data, year) == "La colonne « Numéro » apparaît deux fois."


def test_empty_file(year):
    assert file_error(b"", year) == "Le fichier est vide."


def test_empty_workbook(year):
    assert file_error(xlsx([], headers=None), year) == "Le fichier est vide."


def test_headers_without_rows(year):
    assert file_error(xlsx([]), year) == "Le fichier ne contient aucune ligne de données."


def test_csv_renamed(year):
    data = ";".join(COLUMNS).encode() + b"\n930001;0920001B;Ecole\n"
    assert "n'est pas un classeur Excel (.xlsx)" in file_error(data, year)
    assert "CSV ou PDF renommé" in file_error(data, year)


def test_pdf_renamed(year):
    data = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    assert "n'est pas un classeur Excel (.xlsx)" in file_error(data, year)


def test_password_protected(year):
    # An encrypted xlsx is an OLE compound document, not a zip.
    data = OLE_SIGNATURE + b"\0" * 4096
    assert "protégé par un mot de passe" in file_error(data, year)


def test_corrupt_file(year):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("xl/workbook.xml", "ceci n'est pas du XML")
    assert file_error(buffer.getvalue(), year) == (
        "Le fichier est endommagé et ne peut pas être lu."
    )


def test_truncated_file(year):
    data = xlsx([line()])
    assert "n'est pas un classeur Excel" in file_error(data[: len(data) // 2], year)


def test_too_big(year, settings):
    data = xlsx([line()])
    data += b"\0" * (settings.MAX_UPLOAD_SIZE + 1 - len(data))
    assert file_error(data, year) == "Le fichier dépasse la taille maximale de 10 Mo."


def test_zip_bomb_refused_before_parsing(year):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    assert len(buffer.getvalue()) < 100_000
    with mock.patch("occe.core.spreadsheets.ExcelReader") as load:
        message = file_error(buffer.getvalue(), year)
    load.assert_not_called()
    assert message == (
        "Le fichier est refusé : son contenu décompressé serait anormalement volumineux."
    )


# Bad rows: one French message per faulty cell, nothing importable -----------------------------


def test_duplicate_numbers(year):
    data = xlsx([line(1), line(2), line(3, number="930001")])
    plan = plan_import(data, year)
    assert plan.counts == {"create": 1, "update": 0, "unchanged": 0, "error": 2}
    assert plan.messages() == [
        "Ligne 2, colonne Numéro : Le numéro 930001 apparaît plusieurs fois dans le fichier "
        "(aussi ligne 4).",
        "Ligne 4, colonne Numéro : Le numéro 930001 apparaît plusieurs fois dans le fichier "
        "(aussi ligne 2).",
    ]


def test_invalid_uai(year):
    messages = row_errors(xlsx([line(1, uai="0951099A"), line(2, uai="95109")]), year)
    assert messages == [
        "Ligne 2, colonne UAI : L'UAI « 0951099A » est invalide : la lettre de contrôle "
        "devrait être D.",
        "Ligne 3, colonne UAI : L'UAI « 95109 » est invalide : 7 chiffres suivis d'une lettre "
        "(ex. 0951099D).",
    ]


def test_negative_count(year):
    assert row_errors(xlsx([line(pupils=-3)]), year) == [
        "Ligne 2, colonne Élèves : « -3 » est négatif : indiquez un nombre positif ou nul."
    ]


def test_non_integer_counts(year):
    assert row_errors(xlsx([line(classes=2.5, adults="six")]), year) == [
        "Ligne 2, colonne Classes : « 2.5 » n'est pas un nombre entier.",
        "Ligne 2, colonne Adultes : « six » n'est pas un nombre entier.",
    ]


def test_partial_counts(year):
    assert row_errors(xlsx([line(adults=None)]), year) == [
        "Ligne 2, colonne Adultes : Renseignez les classes, les élèves et les adultes, ou "
        "laissez les trois colonnes vides."
    ]


def test_unknown_type(year):
    assert row_errors(xlsx([line(type="crèche")]), year) == [
        "Ligne 2, colonne Type : Type « crèche » inconnu : valeurs possibles maternelle, "
        "élémentaire, primaire, collège, SEGPA, lycée, établissement spécialisé."
    ]


def test_unknown_priority_and_missing_values(year):
    assert row_errors(xlsx([line(priority="ZEP", name=" ", email="pas-un-courriel")]), year) == [
        "Ligne 2, colonne Nom : La valeur est obligatoire.",
        "Ligne 2, colonne Éducation prioritaire : « ZEP » inconnu : laissez vide ou indiquez "
        "REP ou REP+.",
        "Ligne 2, colonne Courriel du mandataire : « pas-un-courriel » n'est pas une adresse "
        "électronique valide.",
    ]


def test_staff_email_refused(world, year):
    data = xlsx([line(email="SECRETARIAT@exemple.fr")])
    assert row_errors(data, year) == [
        "Ligne 2, colonne Courriel du mandataire : Cette adresse appartient à un compte de "
        "l'équipe ou du conseil d'administration."
    ]


def test_validated_affiliation_is_not_changed(world, year):
    rows = list(export_rows(Cooperative.objects.filter(pk=world.own_coop.pk), year))
    rows[0][COLUMNS.index("Élèves")] = 250
    plan = plan_import(xlsx(rows), year)
    assert plan.messages() == [
        f"Ligne 2, colonne Élèves : L'affiliation {year} est validée : l'effectif (200) ne peut "
        "plus être modifié par un import. Rouvrez-la d'abord, ou gardez la valeur actuelle."
    ]
    with pytest.raises(ImportRefused, match="rien n'a été importé"):
        apply_import(plan)
    assert Affiliation.objects.get(pk=world.own_affiliation.pk).pupils == 200


# Planning and applying ---------------------------------------------------------------------------


def test_headers_and_values_matched_loosely(year):
    headers = [f"  {column.upper().replace('É', 'E')} " for column in COLUMNS]
    data = xlsx(
        [line(1, type="ETABLISSEMENT SPECIALISE", priority="rep+"), line(2, type=" Collège ")],
        headers=headers,
    )
    plan = plan_import(data, year)
    assert plan.counts["create"] == 2, plan.messages()
    apply_import(plan)
    assert Cooperative.objects.get(number="930001").type == Cooperative.Type.SPECIALISE
    assert Cooperative.objects.get(number="930001").priority_education == "REP+"
    assert Cooperative.objects.get(number="930002").type == Cooperative.Type.COLLEGE


def test_counts_create_update_unchanged(world, year):
    unchanged, updated = (
        list(row) for row in export_rows(Cooperative.objects.order_by("number"), year)
    )
    updated[COLUMNS.index("Commune")] = "Suresnes"
    updated[COLUMNS.index("Circonscription")] = "Suresnes"
    data = xlsx([unchanged, updated, line(1)])
    plan = plan_import(data, year)
    assert plan.counts == {"create": 1, "update": 1, "unchanged": 1, "error": 0}
    assert not plan.has_errors
    by_line = {row.line: row for row in plan.rows}
    assert by_line[2].action == "unchanged"
    assert by_line[3].action == "update"
    assert by_line[3].changed_fields == ["Commune", "Circonscription"]
    assert by_line[4].action == "create"


def test_plan_writes_nothing(world, year):
    rows = [list(r) for r in export_rows(Cooperative.objects.all(), year)]
    rows[0][COLUMNS.index("Nom")] = "Nouveau nom"
    before = database_state()
    plan = plan_import(xlsx([*rows, line(1), line(2)]), year)
    assert plan.counts == {"create": 2, "update": 1, "unchanged": 1, "error": 0}
    assert database_state() == before


def test_apply_creates_cooperative_affiliation_and_mandataire(
    year, mailoutbox, django_capture_on_commit_callbacks
):
    data = xlsx([line(1, name="=1+1", postal_code=2000)])
    with django_capture_on_commit_callbacks(execute=True):
        result = apply_import(plan_import(data, year))
    assert result == {"created": 1, "updated": 0, "unchanged": 0, "mandataires": 1}
    coop = Cooperative.objects.get(number="930001")
    # A formula is read as its text, never evaluated.
    assert coop.name == "=1+1"
    assert coop.postal_code == "02000"
    assert coop.circonscription.name == "Nanterre 1"
    assert coop.history.count() == 1
    affiliation = coop.affiliations.get(school_year=year)
    assert (affiliation.classes, affiliation.pupils, affiliation.adults) == (4, 90, 6)
    association = Association.get()
    assert affiliation.fee_pupils == 90 * association.pupil_rate
    assert affiliation.fee_insurance == 96 * association.insurance_per_member
    assert affiliation.fee_federal == Decimal("90") * Decimal("0.70") + 6 * Decimal("1.50")
    mandate = coop.mandates.get()
    assert mandate.user.email == "claire.martin1@exemple.fr"
    assert mandate.user.is_mandataire
    assert [m.to for m in mailoutbox] == [["claire.martin1@exemple.fr"]]


def test_apply_updates_and_replaces_mandataire(world, year):
    draft = Affiliation.objects.create(
        cooperative=world.other_coop, school_year=year.previous(), pupils=10
    )
    previous_year = year.previous()
    rows = [
        list(r)
        for r in export_rows(Cooperative.objects.filter(pk=draft.cooperative_id), previous_year)
    ]
    row = rows[0]
    row[COLUMNS.index("Nom")] = "École des Peupliers rénovée"
    row[COLUMNS.index("Élèves")] = 120
    row[COLUMNS.index("Adultes")] = 5
    row[COLUMNS.index("Courriel du mandataire")] = "nouveau@exemple.fr"
    row[COLUMNS.index("Nom du mandataire")] = "Durand"
    row[COLUMNS.index("Prénom du mandataire")] = "Paul"
    plan = plan_import(xlsx(rows), previous_year)
    assert plan.rows[0].changed_fields == [
        "Nom",
        "Élèves",
        "Adultes",
        "Nom du mandataire",
        "Prénom du mandataire",
        "Courriel du mandataire",
    ]
    result = apply_import(plan, user=world.users["secretariat"])
    assert result == {"created": 0, "updated": 1, "unchanged": 0, "mandataires": 1}
    world.other_coop.refresh_from_db()
    assert world.other_coop.name == "École des Peupliers rénovée"
    assert world.other_coop.history.first().history_user == world.users["secretariat"]
    draft.refresh_from_db()
    assert (draft.pupils, draft.adults) == (120, 5)
    assert draft.fee_pupils == 120 * Association.get().pupil_rate
    principals = [
        m.user.email for m in Mandate.objects.current().filter(cooperative=world.other_coop)
    ]
    assert principals == ["nouveau@exemple.fr"]
    world.other_mandate.refresh_from_db()
    assert world.other_mandate.end_date is not None


def test_reimport_of_the_same_file_changes_nothing(year):
    data = xlsx([line(n) for n in range(1, 6)])
    assert apply_import(plan_import(data, year))["created"] == 5
    before = database_state()
    plan = plan_import(data, year)
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 5, "error": 0}
    assert apply_import(plan) == {"created": 0, "updated": 0, "unchanged": 5, "mandataires": 0}
    assert database_state() == before


def test_export_reimports_as_unchanged(world, year):
    CooperativeFactory(name="Sans affiliation ni mandataire", circonscription=None)
    coop = CooperativeFactory(priority_education="REP+", type=Cooperative.Type.SEGPA)
    AffiliationFactory(cooperative=coop, school_year=year, classes=0, pupils=0, adults=0)
    MandateFactory(cooperative=coop, kind=Mandate.Kind.CO)
    data = export_workbook(Cooperative.objects.all(), year)
    before = database_state()
    plan = plan_import(data, year)
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 4, "error": 0}
    assert database_state() == before


def test_export_neutralises_formulas(world, year):
    CooperativeFactory(
        name='=HYPERLINK("http://exemple.invalid")',
        address="+33 1 23",
        commune="-2+3",
        postal_code="@SUM(A1)",
    )
    sheet = load_workbook(io.BytesIO(export_workbook(Cooperative.objects.all(), year))).active
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row}
    for text in ['=HYPERLINK("http://exemple.invalid")', "+33 1 23", "-2+3", "@SUM(A1)"]:
        assert cells[text].data_type == "s"
        assert cells[text].quotePrefix


def test_apply_is_one_transaction(year):
    from occe.core.history import bulk_create_recorded

    def fail_on_affiliations(objs, model, **kwargs):
        if model is Affiliation:  # the cooperatives are written by then
            raise RuntimeError("panne")
        return bulk_create_recorded(objs, model, **kwargs)

    plan = plan_import(xlsx([line(1), line(2), line(3)]), year)
    before = database_state()
    with (
        mock.patch("cooperatives.exchange.bulk_create_recorded", fail_on_affiliations),
        pytest.raises(RuntimeError),
    ):
        apply_import(plan)
    assert database_state() == before


def test_mandataires_named_like_appoint_mandataire(
    world, year, mailoutbox, django_capture_on_commit_callbacks
):
    teacher = world.users["enseignant"]
    data = xlsx(
        [
            line(1, email="Partage@exemple.fr", last_name="Roux", first_name="Inès"),
            line(2, email="partage@exemple.fr", last_name="Roux", first_name="Inès"),
            line(3, email=teacher.email.upper()),
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = apply_import(plan_import(data, year), user=world.users["secretariat"])
    assert result["mandataires"] == 3
    shared = User.objects.get(email="partage@exemple.fr")
    assert (shared.first_name, shared.last_name, shared.is_mandataire) == ("Inès", "Roux", True)
    assert not shared.has_usable_password()
    assert shared.mandates.count() == 2
    teacher.refresh_from_db()
    assert teacher.is_mandataire
    assert teacher.mandates.get().cooperative.number == "930003"
    # The new account is invited (once); the teacher, who had one, is told of the mandate.
    invitation, notice = mailoutbox
    assert (
        invitation.to == ["partage@exemple.fr"] and "choisir votre mot de passe" in invitation.body
    )
    assert notice.to == [teacher.email]
    assert "coopérative 930003" in notice.subject and "mandataire principal" in notice.body
    history = Mandate.history.filter(user=shared).first()
    assert history.history_user == world.users["secretariat"]
    assert history.history_change_reason == "Import Excel"
    # The new account's address is verified: the association chose it.
    assert EmailAddress.objects.get(user=shared).verified


def test_an_address_declared_without_verification_does_not_get_the_mandate(
    world, year, mailoutbox, django_capture_on_commit_callbacks
):
    """Issue 6, 1.2: a mandataire who set a colleague's address on their account, unverified,
    must not receive the colleague's mandate."""
    attacker = world.users["autre_mandataire"]
    EmailAddress.objects.filter(user=attacker).delete()
    attacker.email = "collegue@ac-versailles.fr"
    attacker.save()
    EmailAddress.objects.create(user=attacker, email=attacker.email, primary=True, verified=False)
    rows = [list(r) for r in export_rows(Cooperative.objects.filter(pk=world.own_coop.pk), year)]
    rows[0][COLUMNS.index("Courriel du mandataire")] = "Collegue@ac-versailles.fr"
    plan = plan_import(xlsx(rows), year)
    assert plan.messages() == [
        "Ligne 2, colonne Courriel du mandataire : L'adresse « collegue@ac-versailles.fr » est "
        "celle d'un compte qui ne l'a pas vérifiée : le mandat ne peut pas lui être confié, car "
        "n'importe qui peut déclarer une adresse sans la vérifier. Demandez à la personne de "
        "confirmer son adresse depuis son compte (« Adresses électroniques »), ou indiquez une "
        "autre adresse."
    ]
    with pytest.raises(ImportRefused):
        apply_import(plan)
    assert not Cooperative.objects.visible_to(attacker).filter(pk=world.own_coop.pk).exists()
    # Once verified (by its real owner), the address gets the mandate and a notice.
    EmailAddress.objects.filter(user=attacker).update(verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        apply_import(plan_import(xlsx(rows), year))
    assert Cooperative.objects.visible_to(attacker).filter(pk=world.own_coop.pk).exists()
    assert [m.to for m in mailoutbox] == [["collegue@ac-versailles.fr"]]


def test_apply_refuses_a_plan_with_errors(year):
    plan = plan_import(xlsx([line(1), line(2, uai="0000000X")]), year)
    with pytest.raises(ImportRefused):
        apply_import(plan)
    assert not Cooperative.objects.exists()


def test_queries_do_not_grow_with_rows(world, year):
    def count(first: int, rows: int, apply: bool) -> int:
        data = xlsx(
            line(n, email="", last_name="", first_name="", circonscription=f"Circo {first}")
            for n in range(first, first + rows)
        )
        plan = plan_import(data, year)
        with CaptureQueriesContext(connection) as queries:
            if apply:
                apply_import(plan)
            else:
                plan_import(data, year)
        return len(queries)

    assert count(0, 3, apply=False) == count(100, 40, apply=False)
    assert count(200, 3, apply=True) == count(300, 40, apply=True)


def test_queries_with_mandataires_and_history_do_not_grow_with_rows(world, year):
    """Plan: the cooperatives, affiliations, principals, accounts, addresses and
    circonscriptions of the file, one query each. Apply: the same, locked, then bulk writes."""

    def count(first: int, rows: int) -> tuple[int, int]:
        data = xlsx(line(n, circonscription=f"Circo {first}") for n in range(first, first + rows))
        with CaptureQueriesContext(connection) as planned:
            plan = plan_import(data, year)
        with CaptureQueriesContext(connection) as applied:
            apply_import(plan, user=world.users["secretariat"])
        return len(planned), len(applied)

    assert count(0, 3) == count(100, 40) == (6, 19)


# Command ----------------------------------------------------------------------------------------


def test_command_imports(tmp_path, year):
    path = tmp_path / "coops.xlsx"
    path.write_bytes(xlsx([line(1), line(2)]))
    out = io.StringIO()
    call_command("import_cooperatives", str(path), "--year", year.label, stdout=out)
    output = out.getvalue()
    assert f"Année scolaire : {year.label}" in output
    assert "À créer : 2" in output
    assert "Import appliqué : 2 créée(s)" in output
    assert Cooperative.objects.count() == 2


def test_command_dry_run(tmp_path, year):
    path = tmp_path / "coops.xlsx"
    path.write_bytes(xlsx([line(1)]))
    out = io.StringIO()
    call_command("import_cooperatives", str(path), "--year", year.label, "--dry-run", stdout=out)
    assert "À créer : 1" in out.getvalue()
    assert "rien n'a été enregistré" in out.getvalue()
    assert not Cooperative.objects.exists()


def test_command_reports_errors_and_fails(tmp_path, year):
    path = tmp_path / "coops.xlsx"
    path.write_bytes(xlsx([line(1), line(2, pupils=-1)]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_cooperatives", str(path), "--year", year.label, stdout=out)
    assert "En erreur : 1" in out.getvalue()
    assert "Ligne 3, colonne Élèves : « -1 » est négatif" in out.getvalue()
    assert not Cooperative.objects.exists()


def test_command_bad_file_and_year(tmp_path, year):
    path = tmp_path / "coops.xlsx"
    path.write_bytes(b"%PDF-1.4")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_cooperatives", str(path), "--year", year.label, stdout=out)
    assert "n'est pas un classeur Excel" in out.getvalue()
    with pytest.raises(CommandError, match="Année scolaire « 2024 » invalide"):
        call_command("import_cooperatives", str(path), "--year", "2024")


# Pages ------------------------------------------------------------------------------------------


def upload(client, data: bytes, year, name="coops.xlsx"):
    return client.post(
        reverse("cooperatives:import"),
        {"school_year": year.pk, "file": SimpleUploadedFile(name, data)},
    )


# Committed for real: the apply is a job queued on commit, run at once without a broker.
@pytest.mark.django_db(transaction=True)
def test_upload_preview_confirm(world, login, year):
    client = login(world.users["secretariat"])
    assert client.get(reverse("cooperatives:import")).status_code == 200
    before = database_state()
    response = upload(client, xlsx([line(1), line(2)]), year)
    batch = ImportBatch.objects.get()
    assert response.url == reverse("cooperatives:import_preview", args=[batch.pk])
    assert batch.status == ImportBatch.Status.PREVIEW
    assert batch.file.name.startswith("private/cooperatives/")
    assert batch.original_name == "coops.xlsx"

    page = client.get(response.url)
    assert page.status_code == 200
    assert page.context["counts"] == {"create": 2, "update": 0, "unchanged": 0, "error": 0}
    assert "Confirmer l'import" in page.content.decode()
    # Nothing is written before the confirmation.
    assert database_state() == before

    done = client.post(response.url, follow=True)
    assert done.redirect_chain[-1][0] == reverse("cooperatives:list") + f"?annee={year.label}"
    assert "2 coopérative(s) créée(s)" in done.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.applied_at is not None
    assert batch.summary["result"]["created"] == 2
    assert Cooperative.objects.count() == before["coops"] + 2
    assert batch.job.status == Job.Status.DONE and batch.job.user == world.users["secretariat"]
    assert (batch.job.done, batch.job.total) == (2, 2)

    # A second confirmation does not apply the file again.
    again = client.post(response.url, follow=True)
    assert "déjà importé" in again.content.decode()
    assert Cooperative.history.count() == before["coop_history"] + 2


def test_confirm_with_a_worker_shows_the_progress_then_the_outcome(
    world, login, year, django_capture_on_commit_callbacks
):
    client = login(world.users["secretariat"])
    url = upload(client, xlsx([line(1), line(2)]), year).url
    # With a broker the job waits for the worker: the preview shows its progress and polls.
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(url)
    assert response.url == url
    page = client.get(url).content.decode()
    job = ImportBatch.objects.get().job
    assert job.status == Job.Status.PENDING
    assert f'hx-get="{reverse("core:job_progress", args=[job.pk])}"' in page
    assert "Confirmer l'import" not in page
    # A second click while it waits does not queue it twice.
    again = client.post(url, follow=True)
    assert "Cet import est déjà en cours d&#x27;application." in again.content.decode()
    assert not Cooperative.objects.filter(number__startswith="93").exists()

    for callback in queued:  # the worker takes the job
        callback()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.result == {"created": 2, "updated": 0, "unchanged": 0, "mandataires": 2}
    assert Cooperative.objects.filter(number__startswith="93").count() == 2
    progress = client.get(reverse("core:job_progress", args=[job.pk])).content.decode()
    assert "terminé" in progress and "hx-get" not in progress


def test_an_import_refused_at_apply_time_fails_its_job_with_the_reason(
    world, login, year, django_capture_on_commit_callbacks
):
    client = login(world.users["secretariat"])
    rows = list(export_rows(Cooperative.objects.filter(pk=world.other_coop.pk), year))
    rows[0][COLUMNS.index("Élèves")] = 250
    world.other_affiliation.reopen()
    url = upload(client, xlsx(rows), year).url
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
        # Validated meanwhile: the apply compares again and refuses.
        world.other_affiliation.validate(world.users["secretariat"])
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REFUSED
    assert batch.job.status == Job.Status.FAILED
    assert "Les données ont changé depuis l'aperçu" in batch.job.error
    world.other_affiliation.refresh_from_db()
    assert world.other_affiliation.pupils == 200


def test_preview_of_a_file_with_errors(world, login, year):
    client = login(world.users["secretariat"])
    response = upload(client, xlsx([line(1), line(2, type="crèche")]), year)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REFUSED
    page = client.get(response.url)
    content = page.content.decode()
    assert "Type « crèche » inconnu" in content
    assert "Confirmer l'import" not in content
    assert page.context["rows"][0].action == "error"
    client.post(response.url)
    assert not Cooperative.objects.filter(number__startswith="93").exists()


def test_upload_of_a_non_excel_file_keeps_the_year(world, login, year):
    client = login(world.users["secretariat"])
    previous = year.previous()
    response = upload(client, b"Numero;UAI\n1;2\n", previous, name="coops.csv")
    assert response.status_code == 200
    content = response.content.decode()
    assert "n&#x27;est pas un classeur Excel" in content
    assert response.context["form"]["school_year"].value() == str(previous.pk)
    assert f'<option value="{previous.pk}" selected>' in content
    # The upload is kept even when refused.
    assert ImportBatch.objects.get().status == ImportBatch.Status.REFUSED


def test_upload_too_big(world, login, year, settings):
    settings.MAX_UPLOAD_SIZE = 1024 * 1024
    client = login(world.users["secretariat"])
    response = upload(client, b"\0" * (1024 * 1024 + 1), year)
    assert response.status_code == 200
    assert "Le fichier dépasse la taille maximale de 1 Mo." in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_preview_caps_displayed_rows(world, login, year):
    client = login(world.users["secretariat"])
    response = upload(client, xlsx([line(n) for n in range(205)] + [line(999, uai="X")]), year)
    page = client.get(response.url)
    assert len(page.context["rows"]) == 200
    assert page.context["rows"][0].line == 207  # errors first
    assert page.context["hidden_rows"] == 6


def test_template_download(world, login):
    response = login(world.users["secretariat"]).get(reverse("cooperatives:import_template"))
    assert response.status_code == 200
    assert "modele-import-cooperatives.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == COLUMNS
    assert sheet.max_row == 1


def test_export_view(world, login, year):
    response = login(world.users["administrateur"]).get(
        reverse("cooperatives:export"), {"annee": year.label}
    )
    assert response.status_code == 200
    assert f'filename="cooperatives-{year.label}.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [
        *COLUMNS,
        "Statut de l'affiliation",
        "Soumise le",
        "Cotisation",
        "Nom du co-mandataire",
        "Prénom du co-mandataire",
        "Courriel du co-mandataire",
    ]
    assert sorted(row[2] for row in rows[1:]) == ["École des Peupliers", "École des Tilleuls"]
    # The extra columns are ignored by the import: the round trip says "unchanged".
    assert plan_import(response.content, year).counts["unchanged"] == 2


def test_import_makes_a_co_mandataire_the_principal(world, year):
    from cooperatives.models import Mandate
    from tests.cooperatives.factories import MandateFactory

    data = xlsx([line(1, email="co@exemple.fr")])
    apply_import(plan_import(data, year))
    coop = Cooperative.objects.get(number="930001")
    first = Mandate.objects.get(cooperative=coop)
    first.delete()  # start again with a principal and a co-mandataire
    MandateFactory(cooperative=coop, user__email="principal@exemple.fr")
    co = MandateFactory(cooperative=coop, kind="co", user=first.user)

    apply_import(plan_import(data, year))
    current = Mandate.objects.current().filter(cooperative=coop)
    assert [(m.user.email, m.kind) for m in current] == [("co@exemple.fr", "principal")]
    co.refresh_from_db()
    assert co.end_date is not None
    # The file now matches the database: re-importing it changes nothing.
    assert plan_import(data, year).counts["unchanged"] == 1
