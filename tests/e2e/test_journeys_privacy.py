"""Personal data in the browser (issue 15 §3): the notice from the footer, a person's export
downloaded from « Mes travaux », their anonymisation on request; the president's login audit."""

import json
import zipfile

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.factories import UserFactory

from .helpers import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_secretariat_answers_a_persons_request(page: Page):
    teacher = UserFactory(email="claire.durand@exemple.fr", last_name="Durand")
    log_in(page, UserFactory(secretariat=True))
    page.get_by_role("link", name="Données personnelles").click()
    expect(page.get_by_role("heading", name="Données personnelles", exact=True)).to_be_visible()
    expect(page.get_by_text("Journal des connexions (compte")).to_be_visible()

    page.goto("/donnees-personnelles/personne/")
    page.get_by_label("Adresse électronique de la personne").fill(teacher.email)
    page.get_by_label("Demande (date, moyen, référence)").fill("courriel du 3 mars")
    page.get_by_role("button", name="Exporter ses données").click()
    expect(page.get_by_text("Export lancé")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="donnees-personnelles-").first.click()
    archive = zipfile.ZipFile(download.value.path())
    data = json.loads(archive.read("donnees.json"))
    assert data["compte"]["compte"][0]["last_name"] == "Durand"

    page.goto("/donnees-personnelles/personne/")
    page.get_by_label("Adresse électronique de la personne").fill(teacher.email)
    page.get_by_role("button", name="Anonymiser").click()
    expect(page.get_by_text("Cochez cette case pour anonymiser.")).to_be_visible()
    page.get_by_label("La personne a demandé l'effacement").check()
    page.get_by_role("button", name="Anonymiser").click()
    expect(page.get_by_text("Anonymisation faite : 1 élément(s) effacé(s).")).to_be_visible()
    screenshot(page, "parcours-donnees-personnelles")
    teacher.refresh_from_db()
    assert not teacher.is_active and teacher.last_name == "Compte anonymisé"


def test_the_president_reads_the_login_audit(page: Page):
    president = UserFactory(signataire=True)
    log_in(page, president)
    page.goto("/connexions/")
    expect(page.get_by_role("heading", name="Journal des connexions")).to_be_visible()
    expect(page.get_by_role("cell", name="Connexion réussie").first).to_be_visible()
