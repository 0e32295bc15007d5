"""The receipts' journeys in a real browser.

A mandataire uploads donors and submits; the secretary validates from the queue; the progress
bar completes; the mandataire downloads the ZIP and each PDF reads as a receipt. Another
mandataire never reaches the request; a line typed in the growing form with a future date is
refused in French.
"""

import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from finances import tasks
from finances.imports import HEADERS
from finances.models import DonationRequest, Receipt
from occe.core.models import Job
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory, MandateFactory
from tests.finances.conftest import association  # noqa: F401 - the issuing association

from .conftest import ARTIFACTS
from .helpers import log_in, screenshot

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("association"),
]

CERTIFY = re.compile("Je certifie que chaque don a été reçu")


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def build_donors_file(path, rows: list[list]):
    """The request template (.xlsx) as a mandataire fills it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def create_request(page: Page, coop) -> int:
    """From the menu, a new request for `coop`; returns its number (on the edit page)."""
    page.goto("/")
    page.locator("nav summary", has_text="Finances").click()
    page.get_by_role("link", name="Reçus fiscaux").first.click()
    expect(page.get_by_role("heading", name="Demandes de reçus fiscaux")).to_be_visible()
    page.get_by_role("link", name="Nouvelle demande").click()
    page.get_by_label("Coopérative").select_option(value=str(coop.pk))
    page.get_by_role("button", name="Créer le brouillon").click()
    expect(page).to_have_url(re.compile(r"/finances/recus/\d+/modifier/$"))
    return int(re.search(r"/recus/(\d+)/", page.url).group(1))


DONORS = [
    # Nom, Prénom, Raison sociale, Forme juridique, SIREN, Adresse, Code postal, Commune, Pays,
    # Courriel, Montant, Date du don, Mode de versement
    ["Lefèvre", "Hélène", "", "", "", "12 rue des Acacias", "92700", "Colombes", "France",
     "helene.lefevre@exemple.fr", 150, days_ago(20), "Chèque"],
    ["Nguyen", "Bao", "", "", "", "4 allée des Cerisiers", "92000", "Nanterre", "",
     "", "80,50", days_ago(45).strftime("%d/%m/%Y"), "Espèces"],
    ["", "", "Boulangerie du Marché", "SARL", "552 081 317", "3 place du Marché", "92700",
     "Colombes", "France", "", 1200, days_ago(70), "Virement"],
]  # fmt: skip
EXPECTED = {
    # donor name on the receipt -> amount in words
    "Lefèvre": "cent cinquante euros",
    "Nguyen": "quatre-vingts euros et cinquante centimes",
    "Boulangerie du Marché": "mille deux cents euros",
}


def test_mandataire_uploads_submits_secretary_validates_and_mandataire_downloads(
    new_page, tmp_path
):
    own = CooperativeFactory(name="École des Tilleuls", commune="Colombes")
    other = CooperativeFactory(name="École des Peupliers", commune="Sceaux")
    mandataire = UserFactory(mandataire=True, first_name="Camille")
    MandateFactory(cooperative=own, user=mandataire)
    other_mandataire = UserFactory(mandataire=True)
    MandateFactory(cooperative=other, user=other_mandataire)
    secretary = UserFactory(secretariat=True)
    donors_file = build_donors_file(tmp_path / "dons.xlsx", DONORS)

    # The mandataire creates a request for their coop and uploads the file.
    teacher = new_page()
    log_in(teacher, mandataire)
    pk = create_request(teacher, own)
    expect(teacher.get_by_text("Aucun don pour le moment")).to_be_visible()
    teacher.get_by_label("Fichier Excel (.xlsx)").set_input_files(donors_file)
    teacher.get_by_role("button", name="Importer les dons").click()
    expect(teacher.get_by_text("3 dons importés.")).to_be_visible()
    lines = teacher.locator("fieldset.don")
    expect(lines).to_have_count(3)
    expect(lines.nth(0).get_by_label("Nom", exact=True)).to_have_value("Lefèvre")
    expect(lines.nth(1).get_by_label("Montant")).to_have_value("80,50")
    expect(teacher.locator("#total-dons")).to_have_text("1\u202f430,50\u00a0€")
    # Only the fields of each donor's type show.
    expect(lines.nth(0).get_by_label("Raison sociale")).to_be_hidden()
    expect(lines.nth(2).get_by_label("Nom", exact=True)).to_be_hidden()
    expect(lines.nth(2).get_by_label("Raison sociale")).to_have_value("Boulangerie du Marché")
    expect(lines.nth(2).get_by_label("SIREN")).to_have_value("552081317")
    expect(lines.nth(2).get_by_label("Type de donateur")).to_have_value("entreprise")
    expect(teacher.locator("fieldset.don .message-warning")).to_have_count(0)

    # Submitting without the certification is refused, then accepted once ticked.
    teacher.get_by_role("button", name="Soumettre la demande").click()
    expect(teacher.get_by_text("Certifiez que chaque don a été reçu")).to_be_visible()
    teacher.get_by_label(CERTIFY).check()
    teacher.get_by_role("button", name="Soumettre la demande").click()
    expect(teacher.get_by_text("Demande soumise à l'association départementale.")).to_be_visible()
    expect(teacher).to_have_url(re.compile(rf"/finances/recus/{pk}/$"))
    expect(teacher.locator("#statut")).to_have_text("Soumise")
    expect(teacher.locator("#dons tbody tr")).to_have_count(3)
    expect(teacher.get_by_text("3 dons, 1 430,50 €")).to_be_visible()
    expect(teacher.get_by_role("link", name="Compléter ou modifier")).to_have_count(0)
    screenshot(teacher, "parcours-recus-demande-soumise")

    # Another mandataire never reaches it.
    intruder = new_page()
    log_in(intruder, other_mandataire)
    for path in [f"/finances/recus/{pk}/", f"/finances/recus/{pk}/modifier/"]:
        response = intruder.goto(path)
        assert response is not None and response.status == 404
        expect(intruder.get_by_role("heading", name="Page introuvable")).to_be_visible()
        expect(
            intruder.get_by_text("Cette page n'existe pas ou vous n'y avez pas accès.")
        ).to_be_visible()

    # The secretary finds it in the queue of submitted requests and validates it.
    office = new_page()
    log_in(office, secretary)
    office.locator("nav summary", has_text="Finances").click()
    office.get_by_role("link", name="Reçus fiscaux").first.click()
    office.get_by_label("Statut").select_option(label="Soumise")
    expect(office).to_have_url(re.compile(r"[?&]status=submitted(&|$)"))
    queue = office.locator("#demandes tbody tr")
    expect(queue).to_have_count(1)
    expect(queue.first).to_contain_text(f"{own.number} — École des Tilleuls")
    expect(queue.first).to_contain_text("1 430,50 €")
    screenshot(office, "parcours-recus-file-secretariat")
    queue.first.get_by_role("link", name=f"Demande n° {pk}").click()
    expect(office.locator("#statut")).to_have_text("Soumise")
    expect(office.locator("#dons tbody tr")).to_have_count(3)
    screenshot(office, "parcours-recus-demande-a-valider")

    dialogs = []
    office.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    office.get_by_role("button", name="Valider et émettre les reçus").click()
    expect(
        office.get_by_text("Demande validée : 3 reçus émis, PDF en cours de production.")
    ).to_be_visible()
    assert dialogs == [
        "Valider la demande et émettre les reçus ? Les numéros attribués sont définitifs."
    ]
    expect(office.locator("#statut")).to_have_text("Validée")
    # Celery runs eagerly here: the PDFs are ready when the page comes back.
    progress = office.locator(".job-progress")
    expect(progress).to_contain_text("Production des PDF des reçus — terminé")
    expect(progress).to_contain_text("Avancement : 3 / 3")
    expect(progress.locator("progress")).to_have_attribute("value", "3")
    expect(office.locator("#recus tbody").get_by_role("link", name="Télécharger")).to_have_count(3)
    screenshot(office, "parcours-recus-validee-secretariat")

    # The mandataire's page polls the progress until it is complete.
    job = DonationRequest.objects.get(pk=pk).render_job()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, done=0, finished_at=None)
    teacher.goto(f"/finances/recus/{pk}/")
    progress = teacher.locator(".job-progress")
    expect(progress).to_contain_text("Production des PDF des reçus — en cours")
    expect(progress).to_contain_text("Avancement : 0 / 3")
    expect(progress).to_have_attribute("hx-trigger", "every 2s")
    expect(progress).to_have_attribute("hx-get", f"/finances/recus/{pk}/progression/")
    tasks.update_progress(job.pk)  # what the last batch does when it finishes
    expect(progress).to_contain_text("terminé", timeout=6_000)
    expect(progress).to_contain_text("Avancement : 3 / 3")
    expect(progress.locator("progress")).to_have_attribute("value", "3")
    expect(progress).not_to_have_attribute("hx-get", re.compile(".*"))
    expect(progress.get_by_role("button", name="Relancer")).to_have_count(0)
    screenshot(teacher, "parcours-recus-demande-validee")

    # The ZIP holds one PDF per receipt, each a receipt for its donor.
    with teacher.expect_download() as download_info:
        teacher.get_by_role("link", name="Télécharger tous les reçus (ZIP)").click()
    download = download_info.value
    assert download.suggested_filename == f"recus-demande-{pk}.zip"
    receipts = list(Receipt.objects.filter(request_id=pk).order_by("sequence"))
    assert len(receipts) == 3
    with zipfile.ZipFile(io.BytesIO(download.path().read_bytes())) as archive:
        assert sorted(archive.namelist()) == sorted(r.filename for r in receipts)
        texts = {name: pdf_text(archive.read(name)) for name in archive.namelist()}
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "parcours-recus-exemple.pdf").write_bytes(archive.read(receipts[0].filename))
    for receipt in receipts:
        text = texts[receipt.filename]
        assert "Numéro d'ordre du reçu" in text, text[:300]
        assert receipt.number in text
        (donor,) = [name for name in EXPECTED if name in receipt.donor_name]
        assert donor in text, text[:600]
        assert EXPECTED[donor] in text, text
    company = next(r for r in receipts if r.is_company)
    assert company.siren == "552081317" and company.amount == Decimal("1200")
    assert "N° SIREN : 552081317" in texts[company.filename]
    assert "Forme juridique : SARL" in texts[company.filename]
    assert "238 bis" in texts[company.filename]
    for receipt in receipts:
        if not receipt.is_company:
            assert "238 bis" not in texts[receipt.filename]

    # The other mandataire cannot download them either.
    response = intruder.goto(f"/finances/recus/{pk}/recus.zip")
    assert response is not None and response.status == 404


def test_mandataire_grows_the_form_saves_a_draft_and_is_told_of_a_future_date(page: Page):
    own = CooperativeFactory(name="École des Tilleuls")
    mandataire = UserFactory(mandataire=True)
    MandateFactory(cooperative=own, user=mandataire)
    log_in(page, mandataire)
    pk = create_request(page, own)

    # "Ajouter un don" swaps the lines in place: no reload.
    page.evaluate("window.sansRechargement = true")
    page.get_by_role("button", name="Ajouter un don").click()
    first = page.locator("#don-1")
    expect(first).to_be_visible()
    expect(first.get_by_label("Pays")).to_have_value("France")
    first.get_by_label("Nom", exact=True).fill("Moreau")
    first.get_by_label("Prénom").fill("Julie")
    first.get_by_label("Adresse").fill("7 rue Voltaire")
    first.get_by_label("Code postal").fill("92000")
    first.get_by_label("Commune").fill("Nanterre")
    first.get_by_label("Montant").fill("60")
    future = timezone.localdate() + datetime.timedelta(days=10)
    first.get_by_label("Date du don").fill(future.isoformat())
    first.get_by_label("Mode de versement").select_option(label="Chèque")

    # A second line: the first keeps what was typed.
    page.get_by_role("button", name="Ajouter un don").click()
    expect(page.locator("fieldset.don")).to_have_count(2)
    expect(first.get_by_label("Nom", exact=True)).to_have_value("Moreau")
    expect(first.get_by_label("Date du don")).to_have_value(future.isoformat())
    second = page.locator("#don-2")
    second.get_by_label("Nom", exact=True).fill("Petit")
    second.get_by_label("Prénom").fill("Louis")
    second.get_by_label("Adresse").fill("2 avenue Foch")
    second.get_by_label("Code postal").fill("92000")
    second.get_by_label("Commune").fill("Nanterre")
    second.get_by_label("Montant").fill("40")
    second.get_by_label("Date du don").fill(days_ago(10).isoformat())
    second.get_by_label("Mode de versement").select_option(label="Remise d'espèces")
    assert page.evaluate("window.sansRechargement") is True

    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(
        page.get_by_text("Brouillon enregistré : vous pourrez le compléter plus tard.")
    ).to_be_visible()
    expect(page.locator("fieldset.don")).to_have_count(2)
    expect(page.locator("#don-1").get_by_role("alert")).to_have_text(
        "La date du don est dans le futur."
    )
    expect(page.locator("#don-2").get_by_role("alert")).to_have_count(0)
    screenshot(page, "parcours-recus-brouillon-date-future")
    request = DonationRequest.objects.get(pk=pk)
    assert request.status == DonationRequest.Status.DRAFT
    assert [(line.last_name, line.amount) for line in request.lines.all()] == [
        ("Moreau", Decimal("60.00")),
        ("Petit", Decimal("40.00")),
    ]

    # Submission is refused while a line is ineligible.
    page.get_by_label(CERTIFY).check()
    page.get_by_role("button", name="Soumettre la demande").click()
    expect(
        page.get_by_text("Certaines lignes sont à corriger : voir les messages sur les lignes.")
    ).to_be_visible()
    expect(page.locator("#don-1").get_by_role("alert")).to_contain_text("dans le futur")
    request.refresh_from_db()
    assert request.status == DonationRequest.Status.DRAFT


def test_mandataire_types_amounts_the_french_way_and_sees_the_total(page: Page):
    """Seen before: "120,50" typed in a number input became 12 050,00 € in a browser whose
    locale reads the comma as a thousands separator. The browser here is French (fr-FR)."""
    own = CooperativeFactory(name="École des Tilleuls")
    mandataire = UserFactory(mandataire=True)
    MandateFactory(cooperative=own, user=mandataire)
    log_in(page, mandataire)
    pk = create_request(page, own)

    def add_gift(index: int, name: str, amount: str):
        page.get_by_role("button", name="Ajouter un don").click()
        line = page.locator(f"#don-{index}")
        expect(line).to_be_visible()
        line.get_by_label("Nom", exact=True).fill(name)
        line.get_by_label("Prénom").fill("Julie")
        line.get_by_label("Adresse").fill("7 rue Voltaire")
        line.get_by_label("Code postal").fill("92000")
        line.get_by_label("Commune").fill("Nanterre")
        line.get_by_label("Date du don").fill(days_ago(5).isoformat())
        line.get_by_label("Mode de versement").select_option(label="Chèque")
        line.get_by_label("Montant").press_sequentially(amount)
        return line

    first = add_gift(1, "Moreau", "120,50")
    expect(first.get_by_label("Montant")).to_have_attribute("inputmode", "decimal")
    expect(page.locator("#total-dons")).to_have_text("120,50\u00a0€")
    second = add_gift(2, "Petit", "1 079,50")
    expect(page.locator("#total-dons")).to_have_text("1\u202f200,00\u00a0€")
    # A company shows its own fields, an individual's are hidden (and the reverse).
    second.get_by_label("Type de donateur").select_option(label="Entreprise")
    expect(second.get_by_label("Raison sociale")).to_be_visible()
    expect(second.get_by_label("Nom", exact=True)).to_be_hidden()
    second.get_by_label("Type de donateur").select_option(label="Particulier")
    expect(second.get_by_label("Raison sociale")).to_be_hidden()
    screenshot(page, "parcours-recus-montants-francais")

    page.get_by_label(CERTIFY).check()
    page.get_by_role("button", name="Soumettre la demande").click()
    expect(page.get_by_text("Demande soumise à l'association départementale.")).to_be_visible()
    expect(page.get_by_text("2 dons, 1\u00a0200,00\u00a0€")).to_be_visible()
    amounts = list(
        DonationRequest.objects.get(pk=pk)
        .lines.order_by("position")
        .values_list("amount", flat=True)
    )
    assert amounts == [Decimal("120.50"), Decimal("1079.50")]
