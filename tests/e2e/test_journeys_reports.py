"""The annual report in a real browser: the secretariat writes the preamble (with a preview),
produces the report, downloads both files; a mandataire reaches none of it."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from occe.core.models import SchoolYear
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import AffiliationFactory, CooperativeFactory, MandateFactory

from .helpers import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SLOW = 60_000  # ms


def test_staff_write_a_text_produce_and_download_the_report(new_page):
    year = SchoolYear.objects.current()
    coop = CooperativeFactory(type="maternelle")
    AffiliationFactory(cooperative=coop, school_year=year, validated=True, pupils=180, adults=9)
    secretary = UserFactory(secretariat=True)
    mandataire = UserFactory(mandataire=True)
    MandateFactory(cooperative=coop, user=mandataire)

    page = new_page()
    log_in(page, secretary)
    page.goto(f"/rapport-activite/?annee={year.label}")
    page.get_by_role("link", name="Modifier « Préambule »", exact=True).click()
    page.get_by_label("Texte de la section").fill("L'OCCE vise la coopération.\n\nElle agit.")
    page.get_by_role("button", name="Aperçu").click()
    expect(page.locator("#apercu")).to_contain_text("Elle agit.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Texte « Préambule » enregistré.")).to_be_visible()

    page.get_by_role("button", name=f"Produire le rapport {year}").click()
    # The job runs in the request without a broker: a PDF takes a few seconds on a busy machine.
    expect(page.get_by_text("production lancée")).to_be_visible(timeout=SLOW)
    row = page.locator("#rapports li").first
    expect(row.get_by_role("link", name="Télécharger le PDF")).to_be_visible()
    screenshot(page, "parcours-rapport-produit")
    with page.expect_download(timeout=SLOW) as download_info:
        row.get_by_role("link", name="Télécharger le PDF").click()
    assert download_info.value.suggested_filename == f"rapport-{year.label}.pdf"
    pdf = download_info.value.path().read_bytes()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "L'OCCE vise la coopération." in text
    assert "1 COOPÉRATIVES SCOLAIRES affiliées, SOIT 189 ADHÉRENTS" in text
    with page.expect_download(timeout=SLOW) as download_info:
        row.get_by_role("link", name="Télécharger le classeur Excel").click()
    workbook = load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    values = dict(list(workbook["Indicateurs"].iter_rows(values_only=True))[1:])
    assert values["adherents.total"] == 189

    other = new_page()
    log_in(other, mandataire)
    response = other.goto("/rapport-activite/")
    assert response.status == 403
