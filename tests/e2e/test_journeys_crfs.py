"""The CRFS and a control in a real browser.

A mandataire fills in and submits last year's CRFS with its bank statement; the secretariat
accepts it; an administrator (TOTP) sees the coop on the flags page (high bank balance), opens
a control from it, records findings and a follow-up action and sends the letter; the mandataire
reads the letter and answers the action.
"""

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from finances.models import Control, Crfs
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import AffiliationFactory, CooperativeFactory, MandateFactory
from tests.finances.factories_crfs import last_year

from .helpers import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_crfs_is_submitted_accepted_flagged_and_controlled(new_page, tmp_path):
    year = last_year()
    coop = CooperativeFactory(name="École des Tilleuls", commune="Colombes")
    AffiliationFactory(cooperative=coop, school_year=year, validated=True)
    mandataire = UserFactory(mandataire=True, email="camille@exemple.fr")
    MandateFactory(cooperative=coop, user=mandataire)
    secretary = UserFactory(secretariat=True)
    admin = UserFactory(administrateur=True, first_name="Annie", last_name="Leclerc")
    statement = tmp_path / "releve.pdf"
    statement.write_bytes(PDF)

    # The mandataire fills in the CRFS: amounts the French way, the statement, the quitus.
    teacher = new_page()
    log_in(teacher, mandataire)
    teacher.goto("/finances/crfs/")
    teacher.get_by_role("link", name=f"Remplir le compte rendu {year.label}").click()
    teacher.get_by_label("Solde d'ouverture au 1er septembre").fill("12 000,00")
    teacher.get_by_label("Participations volontaires des familles (7561)").fill("9 500,50")
    teacher.get_by_label("Sorties et voyages (transport, entrées) (6251)").fill("4 000,25")
    teacher.get_by_label("Solde comptable au 31 août").fill("17 500,25")
    teacher.get_by_label("Solde bancaire au 31 août (relevé)").fill("17 500,25")
    teacher.locator("input[name=statement]").set_input_files(str(statement))
    teacher.get_by_label("Date d'approbation par le conseil de coopérative").fill(
        f"{year.start_year + 1}-09-20"
    )
    teacher.get_by_label("vérificateur 1 — nom").fill("Paul Martin")
    teacher.get_by_label("vérificateur 2 — nom").fill("Léa Bernard")
    teacher.get_by_label("vérificateur 2 — qualité").fill("parent d'élève")
    teacher.get_by_label("Quitus donné").check()
    teacher.get_by_label("Date du quitus").fill(f"{year.start_year + 1}-09-20")
    teacher.get_by_role("button", name="Enregistrer").click()
    expect(teacher.get_by_text("Compte rendu enregistré.")).to_be_visible()
    checks = teacher.locator("#verifications")
    expect(checks.locator("[data-check=equilibre]")).to_have_class("ok")
    expect(checks.locator("[data-check=solde]")).to_have_class("error")
    teacher.get_by_label("Je certifie").check()
    teacher.get_by_role("button", name="Transmettre à l'association").click()
    expect(teacher.locator("#statut")).to_have_text("Reçu")
    crfs = Crfs.objects.get(cooperative=coop)
    assert crfs.statement and crfs.income_total == 9500.50
    screenshot(teacher, "parcours-crfs-transmis")

    # The secretariat accepts it.
    office = new_page()
    log_in(office, secretary)
    office.goto(f"/finances/crfs/{crfs.pk}/")
    office.get_by_role("button", name="Accepter").click()
    expect(office.locator("#statut")).to_have_text("Accepté")

    # An administrator finds it on the flags page and opens a control from it.
    board = new_page()
    log_in(board, admin)
    board.goto(f"/finances/controles/signalements/?annee={year.label}")
    row = board.locator("#signalements tbody tr", has_text="École des Tilleuls")
    expect(row).to_contain_text("Solde bancaire élevé")
    row.get_by_role("link", name="Ouvrir un contrôle").click()
    expect(board.get_by_label("Solde bancaire élevé")).to_be_checked()
    board.get_by_role("button", name="Ouvrir le contrôle").click()
    expect(board.get_by_text("Contrôle ouvert.")).to_be_visible()
    control = Control.objects.get(cooperative=coop)
    board.get_by_role("link", name="Modifier le contrôle").click()
    board.get_by_label("état").select_option(label="Constats")
    board.get_by_label("Rapprochement bancaire").check()
    board.get_by_label("constats").fill(
        "Solde élevé sans projet : fonds à utiliser pour les élèves."
    )
    board.get_by_role("button", name="Enregistrer").click()
    board.get_by_label("action demandée").fill("Présenter un projet pour les fonds")
    board.get_by_label("à faire pour le").fill(f"{year.start_year + 2}-01-31")
    board.get_by_role("button", name="Ajouter l'action").click()
    board.once("dialog", lambda dialog: dialog.accept())
    board.get_by_role("button", name="Envoyer la lettre au mandataire").click()
    expect(board.get_by_text("Lettre envoyée : le mandataire")).to_be_visible()
    control.refresh_from_db()
    assert control.letter_sent_at and control.letter_pdf
    assert any(mandataire.email in m.to for m in mail.outbox)
    screenshot(board, "parcours-crfs-controle")

    # The mandataire finds the letter on their coop's page, reads it and answers the action.
    teacher.goto(reverse("cooperatives:detail", args=[coop.pk]))
    section = teacher.locator("#controles-coop")
    expect(section).to_contain_text("Présenter un projet pour les fonds")
    expect(section.get_by_role("link", name="télécharger la lettre (PDF)")).to_be_visible()
    section.get_by_role("link", name="Répondre").click()
    expect(teacher.locator("#constats")).to_contain_text("Solde élevé sans projet")
    teacher.get_by_role("link", name="lire la lettre").click()
    expect(teacher.locator("#lettre")).to_contain_text("Présenter un projet pour les fonds")
    teacher.go_back()
    teacher.get_by_label("réponse de la coopérative").fill("Classe de mer prévue en mai.")
    teacher.get_by_role("button", name="Répondre").click()
    expect(teacher.get_by_text("Réponse envoyée à l'association.")).to_be_visible()
    assert control.actions.get().status == "repondu"
