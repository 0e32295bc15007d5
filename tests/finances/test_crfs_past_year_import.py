"""Loading a past year's CRFS for the annual report's comparisons: reports imported as received
and accepted (`import_crfs FILE --year 2023-2024 --acceptes`, the web import's checkbox), the
history saying so; refused for the campaign's year (the one just closed, whose reports the
secretariat checks one by one) and later ones."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from finances.models import Crfs
from occe.core.models import ImportBatch, SchoolYear
from tests.access import ROLES
from tests.cooperatives.factories import CooperativeFactory

from .factories_crfs import CrfsFactory, last_year
from .test_crfs_import import line, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def past():
    """The year before the campaign's: 2024-2025 when the campaign collects 2025-2026."""
    return last_year().previous()


@pytest.fixture
def coops():
    return [CooperativeFactory(number=f"97{n:04d}") for n in range(1, 4)]


def command(path, year, *flags):
    out = io.StringIO()
    call_command("import_crfs", str(path), "--year", year.label, *flags, stdout=out)
    return out.getvalue()


def test_command_records_a_past_year_as_accepted(tmp_path, coops, past):
    path = tmp_path / "crfs.xlsx"
    path.write_bytes(xlsx([line("970001"), line("970002", Quitus="non")]))
    out = command(path, past, "--acceptes")
    assert "enregistrés comme acceptés" in out
    reports = Crfs.objects.filter(school_year=past)
    assert reports.count() == 2
    assert all(r.status == Crfs.Status.ACCEPTED and r.decided_at for r in reports)
    assert all(r.submitted_at for r in reports)
    record = Crfs.history.filter(school_year=past).first()
    assert record.history_change_reason == (
        f"Import Excel d'un exercice passé : comptes rendus {past} acceptés"
    )
    # The same file again changes nothing; other figures for an accepted report are refused.
    assert "Inchangées : 2" in command(path, past, "--acceptes", "--dry-run")
    path.write_bytes(xlsx([line("970001", **{"Solde bancaire au 31 août": "9"})]))
    with pytest.raises(CommandError, match="erreurs"):
        command(path, past, "--acceptes")


@pytest.mark.parametrize("trait", [{}, {"submitted": True}])
def test_command_accepts_a_draft_or_a_received_report_of_a_past_year(tmp_path, coops, past, trait):
    CrfsFactory(cooperative=coops[0], school_year=past, **trait)
    path = tmp_path / "crfs.xlsx"
    path.write_bytes(xlsx([line("970001")]))
    command(path, past, "--acceptes")
    assert Crfs.objects.get().status == Crfs.Status.ACCEPTED


def test_command_refuses_the_campaigns_year_and_later(tmp_path, coops):
    path = tmp_path / "crfs.xlsx"
    path.write_bytes(xlsx([line("970001")]))
    for year in (last_year(), SchoolYear.objects.current()):
        with pytest.raises(CommandError, match="exercice de la campagne en cours"):
            command(path, year, "--acceptes")
    assert not Crfs.objects.exists()


def test_without_the_flag_a_past_year_is_received_only(tmp_path, coops, past):
    path = tmp_path / "crfs.xlsx"
    path.write_bytes(xlsx([line("970001")]))
    command(path, past)
    assert Crfs.objects.get().status == Crfs.Status.SUBMITTED


def post_import(client, year, rows):
    return client.post(
        reverse("finances:crfs_import"),
        {
            "school_year": year.pk,
            "validated": "on",
            "file": SimpleUploadedFile("c.xlsx", xlsx(rows)),
        },
    )


@pytest.mark.django_db(transaction=True)
def test_web_import_of_a_past_year_as_accepted(world, login, coops, past):
    client = login(world.users["secretariat"])
    response = post_import(client, past, [line("970001"), line("970002")])
    batch = ImportBatch.objects.get()
    assert batch.parameters["validated"] is True
    preview = client.get(response.url).content.decode()
    assert "seront enregistrés comme reçus et acceptés" in preview
    done = client.post(response.url, follow=True)
    assert "2 compte(s) rendu(s) créé(s)" in done.content.decode()
    assert "enregistrés comme acceptés" in done.content.decode()
    assert {r.status for r in Crfs.objects.filter(school_year=past)} == {Crfs.Status.ACCEPTED}
    assert {r.decided_by for r in Crfs.objects.all()} == {world.users["secretariat"]}


def test_web_import_refuses_accepting_the_campaigns_year(world, login, coops):
    client = login(world.users["secretariat"])
    response = post_import(client, last_year(), [line("970001")])
    assert response.status_code == 200
    assert "Seuls les comptes rendus d" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_checkbox_is_on_the_secretariats_page(world, login):
    page = login(world.users["secretariat"]).get(reverse("finances:crfs_import"))
    assert "enregistrer les comptes rendus comme acceptés" in page.content.decode()


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("anonyme", "secretariat")])
def test_no_other_role_imports_a_past_year(world, client, coops, past, role):
    client.force_login(world.users[role])
    assert post_import(client, past, [line("970001")]).status_code == 403
    assert not ImportBatch.objects.exists() and not Crfs.objects.exists()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, coops, past):
    response = post_import(client, past, [line("970001")])
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert not ImportBatch.objects.exists()
