"""Grants in a real browser: a mandataire applies for project aid with a budget and an
attachment; an administrator (TOTP) opens the review and decides on the commission's page; the
mandataire receives the letter and reads the decision; the secretariat records the payment."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from finances.models import GrantApplication
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory, MandateFactory
from tests.finances.factories_grants import GrantSessionFactory

from .helpers import log_in, screenshot
from .test_phone_and_accessibility import (  # noqa: F401  (axe_source: the fixture)
    PHONE,
    axe_source,
    overflow,
    violations,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DAY = datetime.timedelta(days=1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_project_aid_is_applied_for_decided_notified_and_paid(new_page):
    coop = CooperativeFactory(name="École des Tilleuls")
    mandataire = UserFactory(mandataire=True, email="camille@exemple.fr")
    MandateFactory(cooperative=coop, user=mandataire)
    admin = UserFactory(administrateur=True)
    secretary = UserFactory(secretariat=True)
    session = GrantSessionFactory(title="Commission AAP de décembre")

    # The mandataire applies: a budget that does not balance is refused, then corrected.
    teacher = new_page()
    log_in(teacher, mandataire)
    teacher.goto("/finances/aides/")
    teacher.get_by_role("link", name="Nouvelle demande").click()
    teacher.get_by_label("Titre du projet").fill("Un potager dans la cour")
    teacher.get_by_label("Description du projet").fill("Les élèves cultivent leurs légumes.")
    teacher.get_by_label("Classes concernées").fill("2")
    teacher.get_by_label("Élèves concernés").fill("48")
    teacher.get_by_label("Montant demandé à l'association").fill("200,00")
    teacher.locator("input[name=depenses-0-label]").fill("Graines et outils")
    teacher.locator("input[name=depenses-0-amount]").fill("300")
    teacher.locator("input[name=recettes-0-label]").fill("Vente de gâteaux")
    teacher.locator("input[name=recettes-0-amount]").fill("50")
    teacher.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(teacher.locator(".message-error")).to_contain_text("Le budget n'est pas équilibré")
    teacher.locator("input[name=recettes-0-amount]").fill("100")
    expect(teacher.locator("#budget-equilibre")).to_have_text("Le budget est équilibré.")
    teacher.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(teacher.locator("#statut")).to_have_text("Brouillon")
    teacher.locator("input[type=file]").set_input_files(
        files=[{"name": "devis.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    teacher.get_by_role("button", name="Joindre").click()
    expect(teacher.get_by_role("link", name="devis.pdf")).to_be_visible()
    teacher.get_by_label("Je certifie l'exactitude").check()
    teacher.get_by_role("button", name="Déposer la demande").click()
    expect(teacher.locator("#statut")).to_have_text("Déposée")
    application = GrantApplication.objects.get()
    screenshot(teacher, "parcours-aides-demande-deposee")

    # The administrator opens the review and grants less than asked.
    board = new_page()
    log_in(board, admin)
    board.goto(f"/finances/aides/sessions/{session.pk}/")
    board.get_by_role("button", name="Clore les dépôts et ouvrir l'examen").click()
    expect(board.locator("#statut")).to_have_text("En examen")
    board.get_by_text("Décision de la commission").click()
    board.locator(f"input[name=decision-{application.pk}-decision][value=accordee]").check()
    board.locator(f"input[name=decision-{application.pk}-amount]").fill("150")
    board.locator(f"textarea[name=decision-{application.pk}-note]").fill("Pour les bacs.")
    board.locator(f"#decider-{application.pk}").click()
    expect(board.get_by_text("Décision enregistrée")).to_be_visible()
    screenshot(board, "parcours-aides-commission")

    # The letter went to the mandataire, who reads the decision.
    letters = [m for m in mail.outbox if mandataire.email in m.to]
    assert len(letters) == 1 and letters[0].attachments[0][1].startswith(b"%PDF")
    teacher.reload()
    expect(teacher.locator("#statut")).to_have_text("Accordée")
    expect(teacher.get_by_text("Aide accordée")).to_be_visible()

    # The secretariat records the payment.
    office = new_page()
    log_in(office, secretary)
    office.goto(f"/finances/aides/{application.pk}/")
    office.get_by_label("Date du virement").fill(timezone.localdate().isoformat())
    office.locator("#versements input[name=amount]").fill("150")
    office.get_by_label("Référence du virement").fill("VIR-2026-001")
    office.get_by_role("button", name="Enregistrer le versement").click()
    expect(office.get_by_text("Versement enregistré.")).to_be_visible()
    application.refresh_from_db()
    assert application.paid_amount == Decimal("150")
    expect(office.locator("#reste")).to_contain_text("0,00")

    # The reference was mistyped: the secretariat corrects the payment (cancelled and recorded
    # again), the mandataire sees only the right one.
    office.get_by_role("link", name="Annuler ou corriger le versement VIR-2026-001").click()
    office.get_by_label("Le corriger").check()
    office.get_by_label("Motif de l'annulation").fill("Référence mal saisie")
    office.get_by_label("Référence du virement exact").fill("VIR-2026-002")
    office.get_by_role("button", name="Valider").click()
    expect(office.get_by_text("Versement corrigé")).to_be_visible()
    expect(office.locator("#table-versements")).to_contain_text("Référence mal saisie")
    expect(office.locator("#reste")).to_contain_text("0,00")
    application.refresh_from_db()
    assert application.paid_amount == Decimal("150")
    teacher.reload()
    expect(teacher.locator("#table-versements")).to_contain_text("VIR-2026-002")
    expect(teacher.locator("#table-versements")).not_to_contain_text("VIR-2026-001")


def test_the_budget_totals_update_as_the_mandataire_types(new_page):
    """The totals of the budget and whether it balances, computed while typing (French
    amounts); the server still checks on saving."""
    coop = CooperativeFactory()
    mandataire = UserFactory(mandataire=True)
    MandateFactory(cooperative=coop, user=mandataire)
    GrantSessionFactory(title="Commission AAP de mars")
    page = new_page()
    log_in(page, mandataire)
    page.goto("/finances/aides/nouvelle/")
    totals = page.locator("#budget-direct")
    expect(totals).to_be_visible()
    message = page.locator("#budget-equilibre")
    expect(message).to_have_text("Le budget n'a aucune dépense.")

    page.locator("input[name=depenses-0-amount]").fill("1 234,56")
    page.locator("input[name=depenses-1-amount]").fill("65,44")
    expect(page.locator("#total-depenses")).to_have_text("1\u202f300,00\u00a0€")
    expect(message).to_have_text(
        "Le budget n'est pas équilibré : il manque 1\u202f300,00\u00a0€ de recettes."
    )
    page.get_by_label("Montant demandé à l'association").fill("800")
    page.locator("input[name=recettes-0-amount]").fill("600")
    expect(page.locator("#total-recettes")).to_have_text("1\u202f400,00\u00a0€")
    expect(message).to_contain_text("les recettes dépassent les dépenses de 100,00")
    page.locator("input[name=recettes-0-amount]").fill("500,00")
    expect(message).to_have_text("Le budget est équilibré.")
    page.locator("input[name=recettes-0-amount]").fill("5OO")
    expect(message).to_contain_text("1 montant illisible non compté")

    # The server stays the judge: an unbalanced budget is refused on saving.
    page.locator("input[name=recettes-0-amount]").fill("400")
    page.get_by_label("Titre du projet").fill("Chorale")
    page.get_by_label("Description du projet").fill("Un concert de fin d'année.")
    page.get_by_label("Classes concernées").fill("1")
    page.get_by_label("Élèves concernés").fill("25")
    page.locator("input[name=depenses-0-label]").fill("Partitions")
    page.locator("input[name=depenses-1-label]").fill("Location de salle")
    page.locator("input[name=recettes-0-label]").fill("Fonds propres")
    expect(message).to_contain_text("il manque 100,00")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator(".message-error")).to_contain_text("Le budget n'est pas équilibré")
    expect(message).to_contain_text("il manque 100,00")  # computed again from the kept values
    assert not GrantApplication.objects.exists()


def test_the_grants_pages_with_their_forms_fit_a_phone_and_pass_axe(new_page, axe_source):  # noqa: F811
    """The pages with forms (application with its budget, commission, payment) at 390 px."""
    from django.core.files.base import ContentFile

    from finances.models import InsuranceClaimDocument
    from finances.services import grants as services
    from tests.finances.factories_grants import GrantApplicationFactory, InsuranceClaimFactory

    coop = CooperativeFactory(name="École élémentaire Jules Ferry de Rueil-Malmaison")
    mandataire = UserFactory(mandataire=True)
    MandateFactory(cooperative=coop, user=mandataire)
    draft = GrantApplicationFactory(cooperative=coop, requested_by=mandataire)
    review = GrantApplicationFactory(cooperative=coop, review=True)
    granted = GrantApplicationFactory(cooperative=coop, granted=True)
    secretary = UserFactory(secretariat=True)
    payment = services.record_payment(
        granted, secretary, timezone.localdate(), Decimal("50"), "VIR-TELEPHONE"
    )
    claim = InsuranceClaimFactory(cooperative=coop)
    InsuranceClaimDocument.objects.create(
        claim=claim,
        kind="declaration",
        file=ContentFile(PDF, name="declaration-de-sinistre-ecole-jules-ferry.pdf"),
        name="declaration-de-sinistre-ecole-jules-ferry.pdf",
        uploaded_by=secretary,
    )
    pages = {
        mandataire: [
            "/finances/aides/nouvelle/",
            f"/finances/aides/{draft.pk}/",
            f"/finances/aides/{draft.pk}/modifier/",
            f"/finances/aides/{granted.pk}/bilan/",
        ],
        UserFactory(administrateur=True): [f"/finances/aides/sessions/{review.session_id}/"],
        secretary: [
            f"/finances/aides/{granted.pk}/",
            f"/finances/aides/versements/{payment.pk}/annuler/",
            f"/finances/aides/sinistres/{claim.pk}/",
            "/finances/aides/subventions/",
            "/finances/aides/sessions/nouvelle/",
            "/finances/aides/trousse/import/",
            "/finances/aides/sinistres/nouveau/",
        ],
    }
    problems = []
    for user, paths in pages.items():
        page = new_page()
        log_in(page, user)
        page.set_viewport_size(PHONE)
        for path in paths:
            page.goto(path)
            expect(page.locator("main h1").first).to_be_visible()
            for summary in page.locator("main details summary").all():
                summary.click()  # the commission's folded forms, opened
            if (extra := overflow(page)) > 0:
                problems.append(f"{path} : {extra} px plus large que l'écran")
            problems += [f"{path} : {v}" for v in violations(page, axe_source)]
    assert not problems, "\n".join(problems)
