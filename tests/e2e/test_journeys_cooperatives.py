"""The cooperatives' main journeys in a real browser, one role after the other.

The secretary logs in (with TOTP), imports a file, filters the list and opens a coop; a
mandataire logs in, sees only their coop, submits the affiliation; the secretary validates it
and the mandataire downloads the attestation.
"""

import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from cooperatives.models import Affiliation, Cooperative
from occe.accounts.mfa import current_code
from occe.core.formats import euros
from occe.core.models import SchoolYear
from tests.accounts.factories import PASSWORD, UserFactory
from tests.cooperatives.factories import CooperativeFactory, MandateFactory

from .helpers import build_import_file, log_in, screenshot, totp_code_for_secret, uai

ACTIVATE_TOTP = re.compile(r"/accounts/2fa/totp/activate/$")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_without_totp_is_forced_to_activate_it(page: Page):
    user = UserFactory(secretariat=True, totp=False)
    log_in(page, user, totp=False)
    # Straight to the set-up: the password was just typed, it is not asked again.
    expect(page).to_have_url(ACTIVATE_TOTP)

    for path in ["/", "/cooperatives/", "/cooperatives/campagne/", "/utilisateurs/", "/outbox/"]:
        page.goto(path)
        expect(page).to_have_url(ACTIVATE_TOTP)
        expect(page.locator("input[name=code]")).to_be_visible()
    screenshot(page, "parcours-activation-totp")

    # Once the authenticator app is set up with the secret shown, the application opens.
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(totp_code_for_secret(secret))
    page.get_by_role("button", name="Activer").click()
    page.goto("/cooperatives/")
    expect(page.get_by_role("heading", name="Coopératives", exact=True)).to_be_visible()


def test_wrong_totp_code_is_refused(page: Page):
    user = UserFactory(secretariat=True)
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    code = page.locator("input[name=code]")
    expect(code).to_be_visible()
    wrong = "000000" if current_code(user) != "000000" else "111111"
    code.fill(wrong)
    page.locator("main form button[type=submit]").first.click()
    expect(page.get_by_text("Code incorrect.")).to_be_visible()
    expect(page.locator("input[name=code]")).to_be_visible()
    # Still not logged in: the application sends them back to the code.
    page.goto("/cooperatives/")
    expect(page).to_have_url(re.compile(r"/accounts/(login|2fa/authenticate)/"))
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)


def test_mandataire_submits_the_affiliation_and_downloads_the_attestation(new_page):
    year = SchoolYear.objects.current()
    own = CooperativeFactory(name="École des Tilleuls", commune="Colombes")
    other = CooperativeFactory(name="École des Peupliers", commune="Sceaux")
    mandataire = UserFactory(mandataire=True, first_name="Camille")
    MandateFactory(cooperative=own, user=mandataire)
    MandateFactory(cooperative=other)
    secretary = UserFactory(secretariat=True)

    # The mandataire logs in without a second factor and sees what is left to do.
    teacher = new_page()
    log_in(teacher, mandataire)
    expect(teacher).to_have_url(re.compile(r"/$"))
    card = teacher.locator("section.card").filter(has_text="École des Tilleuls")
    expect(card).to_be_visible()
    expect(card.get_by_text("À faire")).to_be_visible()
    expect(teacher.get_by_text("École des Peupliers")).to_have_count(0)

    teacher.goto("/cooperatives/")
    expect(teacher.get_by_role("heading", name="Ma coopérative")).to_be_visible()
    rows = teacher.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("École des Tilleuls")

    for path in [f"/cooperatives/{other.pk}/", f"/cooperatives/{other.pk}/affiliation/{year}/"]:
        response = teacher.goto(path)
        assert response is not None and response.status == 404
        expect(teacher.get_by_role("heading", name="Page introuvable")).to_be_visible()

    # Counts saved as a draft, then changed and submitted in the same form: what is on screen
    # is what is submitted, and an unticked engagement keeps everything typed.
    teacher.goto(f"/cooperatives/{own.pk}/affiliation/{year}/")
    expect(teacher.get_by_text("Non commencée")).to_be_visible()
    teacher.get_by_label("Classes").fill("6")
    teacher.get_by_label("Élèves").fill("130")
    teacher.get_by_label("Adultes").fill("9")
    teacher.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(teacher.get_by_text("Affiliation enregistrée.")).to_be_visible()
    expect(teacher.locator(".badge", has_text="Brouillon")).to_be_visible()

    fee = teacher.locator("#cotisation")
    expect(fee).to_contain_text("Élèves : 130 ×")
    teacher.get_by_label("Élèves").fill("142")
    expect(fee).to_contain_text("Élèves : 142 ×")  # recomputed as they type, nothing saved
    teacher.get_by_role("button", name="Enregistrer et soumettre").click()
    engagement = teacher.get_by_label(re.compile("Je confirme mon engagement de mandataire"))
    expect(teacher.locator("#id_engagement_error")).to_contain_text(
        "Cochez cette case pour confirmer votre engagement"
    )
    expect(teacher.get_by_label("Élèves")).to_have_value("142")
    expect(fee).to_contain_text("Élèves : 142 ×")
    assert Affiliation.objects.get(cooperative=own, school_year=year).pupils == 130
    screenshot(teacher, "parcours-mandataire-engagement-manquant")
    engagement.check()
    teacher.get_by_role("button", name="Enregistrer et soumettre").click()
    expect(teacher.get_by_text("Affiliation soumise")).to_be_visible()
    expect(teacher.locator(".badge", has_text="Soumise")).to_be_visible()
    expect(teacher.get_by_role("button", name="Enregistrer")).to_have_count(0)
    affiliation = Affiliation.objects.get(cooperative=own, school_year=year)
    assert (affiliation.status, affiliation.pupils) == ("submitted", 142)
    screenshot(teacher, "parcours-mandataire-affiliation-soumise")

    # The secretary validates it from their own browser.
    office = new_page()
    log_in(office, secretary)
    office.goto(f"/cooperatives/{own.pk}/affiliation/{year}/")
    expect(office.locator(".badge", has_text="Soumise")).to_be_visible()
    expect(office.get_by_label("Élèves")).to_have_value("142")
    office.get_by_role("button", name="Enregistrer et valider").click()
    expect(office.get_by_text(f"Affiliation {year} de {own.number} validée")).to_be_visible()
    expect(office.locator(".badge", has_text="Validée")).to_be_visible()
    affiliation = Affiliation.objects.get(cooperative=own, school_year=year)
    assert (affiliation.status, affiliation.pupils, affiliation.adults) == ("validated", 142, 9)
    assert any("validée" in message.subject for message in mail.outbox)

    # The secretary records a first payment of the fee, typed the French way.
    office.get_by_label("Mode de paiement").select_option(label="Chèque")
    office.get_by_label("Montant (€)").fill("120,50")
    office.get_by_role("button", name="Enregistrer le paiement").click()
    expect(office.get_by_text("Paiement enregistré.")).to_be_visible()
    remaining = affiliation.fee_total - Decimal("120.50")
    expect(office.locator("#reste-a-payer")).to_contain_text(euros(remaining))

    # The mandataire finds it validated at home and downloads the attestation.
    teacher.goto("/")
    expect(card.locator(".badge", has_text="Validée")).to_be_visible()
    teacher.goto(f"/cooperatives/{own.pk}/affiliation/{year}/")
    expect(teacher.locator("#reste-a-payer")).to_contain_text(euros(remaining))
    teacher.goto("/")
    with teacher.expect_download() as download_info:
        card.get_by_role("link", name="Télécharger l'attestation d'affiliation").click()
    download = download_info.value
    assert download.suggested_filename == f"attestation-affiliation-{own.number}-{year}.pdf"
    content = download.path().read_bytes()
    assert content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    text = " ".join(text.split())
    assert "Attestation d'affiliation" in text
    assert "École des Tilleuls" in text


def results_rows(page: Page):
    return page.locator("#results tbody tr")


def test_secretary_imports_filters_and_opens_a_coop(page: Page, tmp_path):
    year = SchoolYear.objects.current()
    secretary = UserFactory(secretariat=True)
    CooperativeFactory(number="920500", uai=uai("0920500"), name="École du Centre")
    workbook = build_import_file(
        tmp_path / "cooperatives.xlsx",
        [
            # Known number: the commune changes.
            ["920500", uai("0920500"), "École du Centre", "Élémentaire", "2 place de la Mairie",
             "92000", "Nanterre", "Nanterre Nord", "", "", "", "", None, None, None],
            ["920601", uai("0920601"), "École maternelle Les Lilas", "Maternelle",
             "5 rue des Lilas", "92700", "Colombes", "Colombes", "REP", "Martin", "Léa",
             "lea.martin@ac-exemple.fr", 4, 98, 6],
            ["920602", uai("0920602"), "École élémentaire Jean Jaurès", "Élémentaire",
             "8 avenue Jean Jaurès", "92000", "Nanterre", "Nanterre Nord", "", "Durand",
             "Paul", "paul.durand@ac-exemple.fr", 10, 240, 14],
            ["920603", uai("0920603"), "École primaire Victor Hugo", "Primaire",
             "1 rue Victor Hugo", "92700", "Colombes", "Colombes", "REP+", "", "", "",
             None, None, None],
        ],
    )  # fmt: skip

    log_in(page, secretary)

    # Upload, preview with counts, confirmation (the page asks "are you sure?").
    page.goto("/cooperatives/")
    page.get_by_role("link", name="Importer").click()
    expect(page.get_by_role("heading", name="Importer des coopératives")).to_be_visible()
    page.get_by_label("Année scolaire des effectifs").select_option(label=year.label)
    page.get_by_label("Fichier Excel (.xlsx)").set_input_files(workbook)
    page.get_by_role("button", name="Vérifier le fichier").click()

    expect(page.get_by_role("heading", name=f"Aperçu de l'import {year}")).to_be_visible()
    stats = page.locator(".stat")
    expect(stats.filter(has_text="coopératives à créer").locator("strong")).to_have_text("3")
    expect(stats.filter(has_text="à mettre à jour").locator("strong")).to_have_text("1")
    expect(stats.filter(has_text="lignes en erreur").locator("strong")).to_have_text("0")
    expect(page.get_by_role("row").filter(has_text="École maternelle Les Lilas")).to_contain_text(
        "à créer"
    )
    screenshot(page, "parcours-secretariat-apercu-import")
    assert Cooperative.objects.count() == 1, "rien n'est enregistré avant la confirmation"

    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.get_by_text(f"Import {year} appliqué : 3 coopérative(s) créée(s)")).to_be_visible()
    assert dialogs == ["Importer 3 création(s) et 1 mise(s) à jour ?"]
    expect(page).to_have_url(re.compile(rf"/cooperatives/\?annee={year}$"))
    expect(page.get_by_text(f"4 coopératives — affiliation {year}")).to_be_visible()
    expect(results_rows(page)).to_have_count(4)

    # Filters update the results in place (no reload) and keep themselves in the URL.
    page.evaluate("window.sansRechargement = true")
    page.get_by_label("Recherche").fill("Colombes")
    expect(results_rows(page)).to_have_count(2)
    expect(page).to_have_url(re.compile(r"[?&]q=Colombes(&|$)"))
    page.get_by_label("Type").select_option(label="Maternelle")
    expect(results_rows(page)).to_have_count(1)
    expect(results_rows(page).first).to_contain_text("École maternelle Les Lilas")
    assert "type=maternelle" in page.url and "q=Colombes" in page.url
    assert page.evaluate("window.sansRechargement") is True
    screenshot(page, "parcours-secretariat-liste-filtree")

    # Back: the previous filter and its results come back.
    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]q=Colombes(&|$)"))
    assert "type=maternelle" not in page.url
    expect(results_rows(page)).to_have_count(2)

    # The coop's page shows what the file said.
    results_rows(page).filter(has_text="École primaire Victor Hugo").get_by_role(
        "link", name="920603"
    ).click()
    expect(
        page.get_by_role("heading", name=re.compile("École primaire Victor Hugo"))
    ).to_be_visible()
    identity = page.locator("section.card").filter(has_text="Identité")
    expect(identity).to_contain_text(uai("0920603"))
    expect(identity).to_contain_text("Primaire")
    expect(identity).to_contain_text("REP+")
    expect(identity).to_contain_text("1 rue Victor Hugo 92700 Colombes")

    lilas = Cooperative.objects.get(number="920601")
    page.goto(f"/cooperatives/{lilas.pk}/")
    mandates = page.locator("section.card").filter(has_text="Mandataires")
    expect(mandates).to_contain_text("lea.martin@ac-exemple.fr")
    affiliations = page.locator("section.card").filter(has_text="Affiliations")
    expect(affiliations.get_by_role("row").filter(has_text=str(year))).to_contain_text("98")


@pytest.fixture
def filtered_twice(page: Page):
    """A secretary's list filtered on a commune, then on a type, in place."""
    CooperativeFactory(name="École maternelle Les Lilas", commune="Colombes", type="maternelle")
    CooperativeFactory(name="École primaire Victor Hugo", commune="Colombes", type="primaire")
    CooperativeFactory(name="École des Peupliers", commune="Sceaux")
    log_in(page, UserFactory(secretariat=True))
    page.goto("/cooperatives/")
    page.get_by_label("Recherche").fill("Colombes")
    expect(results_rows(page)).to_have_count(2)
    page.get_by_label("Type").select_option(label="Maternelle")
    expect(results_rows(page)).to_have_count(1)
    return page


def test_back_shows_the_filters_of_the_results(filtered_twice: Page):
    page = filtered_twice
    page.go_back()
    expect(results_rows(page)).to_have_count(2)
    expect(page.get_by_label("Recherche")).to_have_value("Colombes", timeout=2_000)
    expect(page.get_by_label("Type")).to_have_value("")


def test_back_after_a_history_cache_miss_shows_the_whole_page(filtered_twice: Page):
    page = filtered_twice
    # htmx keeps only the last 10 snapshots (and none once localStorage is full or cleared).
    page.evaluate("localStorage.removeItem('htmx-history-cache')")
    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]q=Colombes(&|$)"))
    expect(page.get_by_role("heading", name="Coopératives", exact=True)).to_be_visible(
        timeout=2_000
    )
    expect(results_rows(page)).to_have_count(2)
    expect(page.get_by_label("Recherche")).to_have_value("Colombes")


def test_back_from_a_coop_shows_the_filtered_list(filtered_twice: Page):
    page = filtered_twice
    results_rows(page).first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=re.compile("Les Lilas"))).to_be_visible()
    page.go_back()
    expect(page).to_have_url(re.compile(r"type=maternelle"))
    expect(page.get_by_role("heading", name="Coopératives", exact=True)).to_be_visible(
        timeout=2_000
    )
    expect(results_rows(page)).to_have_count(1)
    expect(page.get_by_label("Type")).to_have_value("maternelle")
