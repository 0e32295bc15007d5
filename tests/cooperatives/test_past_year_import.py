"""Loading a past school year for the report's comparisons: affiliations imported as validated
(`import_cooperatives FILE --year 2024-2025 --validees`, the web import's checkbox), the history
saying so; refused for the current year."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from cooperatives.models import Affiliation
from occe.core.indicators import registry
from occe.core.models import ImportBatch, SchoolYear
from tests.cooperatives.factories import AffiliationFactory, CooperativeFactory

from .test_exchange import line, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def past():
    return SchoolYear.objects.current().previous()


def test_command_records_a_past_year_as_validated(tmp_path, past):
    path = tmp_path / "coops.xlsx"
    path.write_bytes(xlsx([line(1, pupils=90, adults=6), line(2, pupils=110, adults=4)]))
    out = io.StringIO()
    call_command("import_cooperatives", str(path), "--year", past.label, "--validees", stdout=out)
    assert "enregistrées comme validées" in out.getvalue()
    affiliations = Affiliation.objects.filter(school_year=past)
    assert affiliations.count() == 2
    assert all(a.status == Affiliation.Status.VALIDATED and a.validated_at for a in affiliations)
    assert all(a.validation_notified_at for a in affiliations)  # nobody mailed for a past year
    record = Affiliation.history.filter(school_year=past).first()
    assert record.history_change_reason == (
        f"Import Excel d'une année passée : affiliations {past} validées"
    )
    # The report's figures of that year now exist.
    assert registry()["adherents.total"].function(past) == 210


def test_command_validates_a_draft_of_a_past_year(tmp_path, past):
    coop = CooperativeFactory(number="930001")
    AffiliationFactory(cooperative=coop, school_year=past, classes=4, pupils=90, adults=6)
    path = tmp_path / "coops.xlsx"
    path.write_bytes(xlsx([line(1, pupils=90, adults=6)]))
    call_command(
        "import_cooperatives", str(path), "--year", past.label, "--validees", stdout=io.StringIO()
    )
    assert Affiliation.objects.get(cooperative=coop).status == Affiliation.Status.VALIDATED


def test_command_refuses_the_current_year(tmp_path):
    path = tmp_path / "coops.xlsx"
    path.write_bytes(xlsx([line(1)]))
    current = SchoolYear.objects.current()
    with pytest.raises(CommandError, match="année passée"):
        call_command("import_cooperatives", str(path), "--year", current.label, "--validees")
    assert not Affiliation.objects.exists()


def test_without_the_flag_a_past_year_stays_draft(tmp_path, past):
    path = tmp_path / "coops.xlsx"
    path.write_bytes(xlsx([line(1)]))
    call_command("import_cooperatives", str(path), "--year", past.label, stdout=io.StringIO())
    assert Affiliation.objects.get().status == Affiliation.Status.DRAFT


@pytest.mark.django_db(transaction=True)
def test_web_import_of_a_past_year_as_validated(world, login):
    past = SchoolYear.objects.current().previous()
    client = login(world.users["secretariat"])
    response = client.post(
        reverse("cooperatives:import"),
        {
            "school_year": past.pk,
            "validated": "on",
            "file": SimpleUploadedFile("coops.xlsx", xlsx([line(1), line(2)])),
        },
    )
    batch = ImportBatch.objects.get()
    assert batch.parameters["validated"] is True
    assert "seront enregistrées comme validées" in client.get(response.url).content.decode()
    client.post(response.url)
    affiliations = Affiliation.objects.filter(school_year=past)
    assert affiliations.count() == 2
    assert {a.status for a in affiliations} == {Affiliation.Status.VALIDATED}


def test_web_import_refuses_validating_the_current_year(world, login):
    client = login(world.users["secretariat"])
    response = client.post(
        reverse("cooperatives:import"),
        {
            "school_year": world.year.pk,
            "validated": "on",
            "file": SimpleUploadedFile("coops.xlsx", xlsx([line(1)])),
        },
    )
    assert response.status_code == 200
    assert "Seules les affiliations" in response.content.decode()
    assert not ImportBatch.objects.exists()
