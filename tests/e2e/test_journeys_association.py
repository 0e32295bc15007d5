"""The newsletter's journey in a real browser.

The secretariat writes a newsletter with an image and a preview, sends a test to herself,
sends it to the mandataires of the REP+ coops and watches the progress; a mandataire of one of
those coops reads it in the archive, image included.
"""

import re

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from occe.association.models import Newsletter
from occe.core import mailings
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import AffiliationFactory, CooperativeFactory, MandateFactory

from .helpers import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def mandataire_of(priority: str, email: str):
    coop = CooperativeFactory(priority_education=priority)
    user = UserFactory(mandataire=True, email=email, first_name="Claire", last_name="Fontaine")
    MandateFactory(cooperative=coop, user=user)
    AffiliationFactory(cooperative=coop, validated=True)
    return user


def test_a_newsletter_from_writing_to_the_archive(new_page, tmp_path, monkeypatch):
    secretary = UserFactory(secretariat=True, email="secretariat@exemple.fr", first_name="Sylvie")
    reader = mandataire_of("REP+", "claire@exemple.fr")
    mandataire_of("REP+", "karim@exemple.fr")
    mandataire_of("REP", "rep@exemple.fr")
    picture = tmp_path / "theatre.png"
    Image.new("RGB", (120, 80), (11, 79, 138)).save(picture, "PNG")

    office = new_page()
    log_in(office, secretary)
    office.get_by_text("Association", exact=True).click()
    office.get_by_role("link", name="Lettres d'information").click()
    office.get_by_role("link", name="Nouvelle lettre").click()
    office.get_by_label("Objet").fill("Lettre de novembre")
    office.get_by_label("Texte").fill("## THEA\n\nInscrivez vos **classes** au théâtre.")
    office.get_by_label("Ajouter une image").set_input_files(picture)
    office.get_by_label("Description de l'image").fill("Une classe sur scène")
    office.get_by_role("button", name="Enregistrer").click()
    expect(office.get_by_text("Lettre enregistrée.")).to_be_visible()
    image = office.locator("#apercu img")
    expect(image).to_have_attribute("alt", "Une classe sur scène")
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") == 120
    expect(office.get_by_label("Texte")).to_have_value(re.compile(r"!\[Une classe sur scène\]"))

    # The preview follows what is typed, before anything is saved.
    office.get_by_label("Texte").press("End")
    office.get_by_label("Texte").type("\n- Date limite : *vendredi*")
    office.get_by_role("button", name="Aperçu").click()
    expect(office.locator("#apercu em")).to_have_text("vendredi")
    office.get_by_role("button", name="Enregistrer").click()
    screenshot(office, "parcours-lettre-redaction")

    office.get_by_role("button", name="M'envoyer un test").click()
    expect(office.get_by_text("Envoi de test vers secretariat@exemple.fr")).to_be_visible()
    assert [m.to for m in mail.outbox] == [["secretariat@exemple.fr"]]
    assert mail.outbox[0].subject.startswith("[TEST]")

    office.get_by_role("link", name="Choisir les destinataires et envoyer").click()
    office.get_by_label("REP+").check()
    expect(office.locator("#compte")).to_contain_text("2 destinataires")
    screenshot(office, "parcours-lettre-destinataires")
    # The batches are queued, not run, so the page can be seen waiting for them.
    queued = []
    monkeypatch.setattr(
        mailings.send_mailing_batch, "delay_on_commit", lambda *args: queued.append(args)
    )
    office.get_by_role("button", name="Envoyer la lettre").click()
    expect(office.get_by_text("Envoi de la lettre à 2 destinataires.")).to_be_visible()
    expect(office.locator("#progression-envoi")).to_contain_text("Envoi en cours : 0 / 2")
    expect(office.locator("#progression-envoi")).to_have_attribute("hx-trigger", "every 2s")
    screenshot(office, "parcours-lettre-envoi-en-cours")
    newsletter = Newsletter.objects.get(subject="Lettre de novembre")
    assert queued == [(Newsletter.label(), newsletter.pk)]
    mailings.send_batch(Newsletter, newsletter.pk)  # what the worker does
    expect(office.locator("#progression-envoi")).to_contain_text("Envoyée : 2 / 2", timeout=6000)
    expect(office.locator("#progression-envoi")).to_contain_text("2 envoyés")
    expect(office.locator("#progression-envoi")).not_to_have_attribute("hx-get", re.compile(".*"))
    screenshot(office, "parcours-lettre-envoyee")
    assert sorted(m.to[0] for m in mail.outbox[1:]) == ["claire@exemple.fr", "karim@exemple.fr"]
    assert newsletter.web_url in mail.outbox[1].body

    teacher = new_page()
    log_in(teacher, reader)
    teacher.get_by_role("link", name="Lettres d'information").click()
    teacher.get_by_role("link", name="Lettre de novembre").click()
    expect(teacher.get_by_role("heading", name="Lettre de novembre")).to_be_visible()
    expect(teacher.locator(".newsletter-body strong")).to_have_text("classes")
    picture_on_page = teacher.locator(".newsletter-body img")
    expect(picture_on_page).to_have_attribute("alt", "Une classe sur scène")
    assert picture_on_page.evaluate("img => img.decode().then(() => img.naturalWidth)") == 120
    expect(teacher.get_by_text("Envoi en cours")).to_have_count(0)
    screenshot(teacher, "parcours-lettre-archive-mandataire")
