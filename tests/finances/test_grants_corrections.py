"""What issue 9 asked after the first pass: a payment recorded by mistake is cancelled or
corrected (never deleted, kept in the history, out of every total); insurance claims carry
their documents; municipal subsidies come from two sources (typed in, accepted CRFS) without
counting a coop twice."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from finances import indicators_grants as figures
from finances.models import (
    CrfsCategory,
    CrfsLine,
    GrantPayment,
    InsuranceClaim,
    InsuranceClaimDocument,
    MunicipalSubsidy,
)
from finances.services import grants as services
from finances.services.errors import WorkflowError
from occe.core.formats import NBSP
from occe.core.models import SchoolYear
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory, MandateFactory

from .factories_crfs import CrfsFactory
from .factories_grants import GrantApplicationFactory, InsuranceClaimFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def page_text(response) -> str:
    return response.content.decode().replace(NBSP, " ").replace("&#x27;", "'")


# --- Payments cancelled and corrected -------------------------------------------------------


@pytest.fixture
def secretary():
    return UserFactory(secretariat=True, first_name="Sophie", last_name="Durand")


@pytest.fixture
def grant():
    """A grant of 150 € to a coop whose mandataire reads it, in this year's session."""
    mandate = MandateFactory()
    return GrantApplicationFactory(
        granted=True,
        cooperative=mandate.cooperative,
        requested_by=mandate.user,
        session__date=timezone.localdate(),
        session__deadline=timezone.localdate(),
    )


def pay(grant, secretary, amount, reference):
    return services.record_payment(
        grant, secretary, timezone.localdate(), Decimal(amount), reference
    )


def test_a_payment_recorded_by_mistake_is_cancelled_not_deleted(client, grant, secretary):
    payment = pay(grant, secretary, "100", "VIR-1")
    client.force_login(secretary)
    url = reverse("finances:grant_payment_cancel", args=[payment.pk])
    page = page_text(client.get(url))
    assert "100,00 €" in page and "VIR-1" in page and "n'est pas supprimé" in page

    # The reason is required: nothing changes without it.
    page = page_text(client.post(url, {"action": "annuler", "reason": ""}))
    assert "Ce champ est obligatoire." in page
    grant.refresh_from_db()
    assert grant.paid_amount == Decimal("100")

    response = client.post(url, {"action": "annuler", "reason": "Virement rejeté par la banque"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.paid_amount == 0 and grant.remaining_to_pay == Decimal("150")
    payment.refresh_from_db()
    assert payment.is_cancelled and payment.cancelled_by == secretary
    assert payment.cancel_reason == "Virement rejeté par la banque"
    assert GrantPayment.objects.count() == 1  # kept
    with pytest.raises(ValidationError, match="jamais supprimé"):
        payment.delete()

    # Shown cancelled to the association, with who and why; out of the year's figures.
    page = page_text(client.get(grant.get_absolute_url()))
    assert "<del>100,00 €</del>" in page
    assert "par Sophie Durand : Virement rejeté par la banque" in page
    assert "Historique des versements" in page and "Virement rejeté par la banque" in page
    year = SchoolYear.objects.current()
    assert figures.aap_paid(year) == 0

    # Cancelling again is refused; the transfer's reference may be recorded again.
    with pytest.raises(WorkflowError, match="déjà été annulé"):
        services.cancel_payment(payment, secretary, "encore")
    pay(grant, secretary, "150", "VIR-1")
    grant.refresh_from_db()
    assert grant.paid_amount == Decimal("150")
    assert figures.aap_paid(year) == Decimal("150")


def test_a_correction_cancels_the_wrong_payment_and_records_the_right_one(client, grant, secretary):
    wrong = pay(grant, secretary, "100", "VIR-1")
    client.force_login(secretary)
    url = reverse("finances:grant_payment_cancel", args=[wrong.pk])
    data = {
        "action": "corriger",
        "reason": "Montant mal saisi",
        "date": timezone.localdate().isoformat(),
        "amount": "200",
        "reference": "VIR-1",
    }
    # Beyond the grant: refused, nothing changed, what was typed is kept.
    page = page_text(client.post(url, data))
    assert "Le versement dépasse le reste à verser (150,00 €)." in page
    assert 'value="Montant mal saisi"' in page
    wrong.refresh_from_db()
    grant.refresh_from_db()
    assert not wrong.is_cancelled and grant.paid_amount == Decimal("100")
    # A correction needs the right payment's fields.
    page = page_text(client.post(url, {**data, "amount": ""}))
    assert "Indiquez le montant exact." in page

    response = client.post(url, {**data, "amount": "120,00"}, follow=True)
    assert "Versement corrigé" in page_text(response)
    grant.refresh_from_db()
    wrong.refresh_from_db()
    right = GrantPayment.objects.valid().get()
    assert wrong.is_cancelled and right.corrects == wrong and right.amount == Decimal("120")
    assert grant.paid_amount == Decimal("120")
    assert "corrige le virement VIR-1" in page_text(response)


def test_who_cancels_and_who_sees_cancelled_payments(client, grant, secretary):
    kept = pay(grant, secretary, "50", "VIR-GARDE")
    cancelled = pay(grant, secretary, "30", "VIR-ERREUR")
    services.cancel_payment(cancelled, secretary, "Doublon")
    url = reverse("finances:grant_payment_cancel", args=[kept.pk])

    mandataire = grant.requested_by
    client.force_login(mandataire)
    page = page_text(client.get(grant.get_absolute_url()))
    assert "VIR-GARDE" in page and "VIR-ERREUR" not in page and "Doublon" not in page
    assert "Annuler ou corriger" not in page
    assert client.get(url).status_code == 403

    # Cancelling is the secretariat's: any other role is refused before the payment is looked
    # up, the same 403 whether it exists or not.
    client.force_login(MandateFactory().user)
    assert client.get(url).status_code == 403
    missing = reverse("finances:grant_payment_cancel", args=[kept.pk + 1000])
    assert client.get(missing).status_code == 403

    client.force_login(UserFactory(administrateur=True))
    page = page_text(client.get(grant.get_absolute_url()))
    assert "VIR-ERREUR" in page and "Doublon" in page and "Annuler ou corriger" not in page
    assert client.post(url, {"action": "annuler", "reason": "x"}).status_code == 403
    with pytest.raises(WorkflowError, match="secrétariat"):
        services.cancel_payment(kept, UserFactory(administrateur=True), "x")

    client.force_login(secretary)
    assert "Annuler ou corriger" in page_text(client.get(grant.get_absolute_url()))
    # A cancelled payment's page sends back to the grant.
    response = client.get(reverse("finances:grant_payment_cancel", args=[cancelled.pk]))
    assert response.status_code == 302


def test_the_database_wants_who_when_and_why_of_a_cancellation(grant, secretary):
    payment = pay(grant, secretary, "10", "VIR-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        GrantPayment.objects.filter(pk=payment.pk).update(cancelled_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        GrantPayment.objects.filter(pk=payment.pk).update(
            cancelled_at=timezone.now(), cancelled_by=secretary, cancel_reason=""
        )
    # Two valid payments never share a reference.
    with pytest.raises(WorkflowError, match="déjà enregistré"):
        pay(grant, secretary, "10", "VIR-1")


# --- Insurance claims and their documents ---------------------------------------------------


def claim_data(coop, **overrides) -> dict:
    data = {
        "cooperative": coop.pk,
        "event_date": timezone.localdate().isoformat(),
        "nature": "bris",
        "description": "Vitre de la classe brisée par un ballon.",
        "amount_claimed": "320",
        "status": "declare",
        "amount_paid": "",
        "document_kind": "declaration",
    }
    data.update(overrides)
    return data


def test_a_claim_is_created_with_its_documents(client):
    coop = CooperativeFactory()
    client.force_login(UserFactory(secretariat=True))
    data = claim_data(coop)
    data["documents"] = [
        SimpleUploadedFile("declaration.pdf", PDF),
        SimpleUploadedFile("vitre.png", PNG),
    ]
    response = client.post(reverse("finances:claim_create"), data, follow=True)
    page = page_text(response)
    assert "Sinistre enregistré. 2 pièces jointes." in page
    claim = InsuranceClaim.objects.get()
    assert [d.name for d in claim.documents.all()] == ["declaration.pdf", "vitre.png"]
    assert "declaration.pdf" in page and "vitre.png" in page

    # More documents from the claim's page, several at once.
    response = client.post(
        reverse("finances:claim_document_add", args=[claim.pk]),
        {
            "document_kind": "facture",
            "documents": [
                SimpleUploadedFile("facture.pdf", PDF),
                SimpleUploadedFile("devis.pdf", PDF),
            ],
        },
        follow=True,
    )
    assert "2 pièces jointes." in page_text(response)
    assert claim.documents.filter(kind="facture").count() == 2

    document = claim.documents.get(name="vitre.png")
    response = client.get(reverse("finances:claim_document", args=[document.pk]))
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG


def test_a_form_error_elsewhere_says_to_choose_the_files_again(client):
    coop = CooperativeFactory()
    client.force_login(UserFactory(secretariat=True))
    data = claim_data(coop, amount_claimed="")
    data["documents"] = [SimpleUploadedFile("declaration.pdf", PDF)]
    page = page_text(client.post(reverse("finances:claim_create"), data))
    assert "choisissez à nouveau les fichiers" in page
    assert "Vitre de la classe brisée par un ballon." in page  # what was typed is kept
    assert not InsuranceClaim.objects.exists() and not InsuranceClaimDocument.objects.exists()


def test_claim_documents_are_checked_by_their_content_and_size(client, settings):
    coop = CooperativeFactory()
    client.force_login(UserFactory(secretariat=True))
    data = claim_data(coop)
    data["documents"] = [SimpleUploadedFile("photo.pdf", b"GIF89a not a pdf")]
    page = page_text(client.post(reverse("finances:claim_create"), data))
    assert "photo.pdf : Seuls les fichiers PDF, JPEG et PNG sont acceptés." in page
    assert not InsuranceClaim.objects.exists()

    claim = InsuranceClaimFactory(cooperative=coop)
    big = SimpleUploadedFile("gros.pdf", PDF[:-6] + b"0" * (5 * 1024 * 1024) + b"%%EOF\n")
    response = client.post(
        reverse("finances:claim_document_add", args=[claim.pk]),
        {"document_kind": "photo", "documents": [big]},
        follow=True,
    )
    page = page_text(response)
    assert "gros.pdf : Le fichier dépasse 5 Mo." in page
    assert "Choisissez à nouveau les fichiers." in page
    assert not claim.documents.exists()


def test_claim_documents_are_read_only_by_those_who_see_the_claim(client):
    mandate = MandateFactory()
    claim = InsuranceClaimFactory(cooperative=mandate.cooperative)
    document = InsuranceClaimDocument.objects.create(
        claim=claim,
        kind="photo",
        file=SimpleUploadedFile("vitre.png", PNG),
        name="vitre.png",
        uploaded_by=UserFactory(secretariat=True),
    )
    detail = reverse("finances:claim_detail", args=[claim.pk])
    download = reverse("finances:claim_document", args=[document.pk])
    add = reverse("finances:claim_document_add", args=[claim.pk])

    client.force_login(mandate.user)
    page = page_text(client.get(detail))
    assert "vitre.png" in page and "Joindre" not in page
    assert client.get(download).status_code == 200
    assert client.post(add, {}).status_code == 403

    client.force_login(MandateFactory().user)
    assert client.get(detail).status_code == 404
    assert client.get(download).status_code == 404
    # Adding is the secretariat's: refused before the claim is looked up, existing or not.
    assert client.post(add, {}).status_code == 403
    missing = reverse("finances:claim_document_add", args=[claim.pk + 1000])
    assert client.post(missing, {}).status_code == 403

    client.force_login(UserFactory())
    assert client.get(download).status_code == 403


# --- Municipal subsidies: typed in and from the accepted CRFS -------------------------------


def commune_line(coop, year, amount, status="accepted", category=None):
    category = category or CrfsCategory.objects.ensure_defaults().get(
        label="Subventions de la commune"
    )
    crfs = CrfsFactory(cooperative=coop, school_year=year, **{status: True})
    CrfsLine.objects.create(crfs=crfs, category=category, amount=Decimal(amount))
    return crfs


def test_subsidies_from_both_sources_never_count_a_coop_twice(client):
    year = SchoolYear.objects.current()
    both = CooperativeFactory(name="École des deux sources")
    typed_only = CooperativeFactory(name="École saisie")
    not_accepted = CooperativeFactory(name="École au CRFS reçu")
    commune_line(both, year, "300")
    MunicipalSubsidy.objects.create(
        cooperative=both, commune="Nanterre", school_year=year, amount=Decimal("200")
    )
    MunicipalSubsidy.objects.create(
        cooperative=typed_only, commune="Puteaux", school_year=year, amount=Decimal("150")
    )
    commune_line(not_accepted, year, "999", status="submitted")  # not accepted: not read

    totals = figures.subsidies(year)
    assert totals["amount"] == Decimal("450") and totals["coops"] == 2
    assert totals["crfs_amount"] == Decimal("300") and totals["crfs_coops"] == 1
    assert totals["typed_amount"] == Decimal("150") and totals["typed_coops"] == 1
    assert totals["set_aside"] == Decimal("200")
    assert figures.subsidies_amount(year) == Decimal("450")

    client.force_login(UserFactory(administrateur=True))
    page = page_text(client.get(reverse("finances:subsidy_list")))
    assert "Total compté" in page and "450,00 €" in page
    assert "son compte rendu financier accepté de l'année" in page  # the rule, stated
    assert "saisie (non comptée : le CRFS compte)" in page
    assert "<td>CRFS</td>" in page and "999" not in page
    page = page_text(client.get(reverse("finances:grant_figures")))
    assert "source « CRFS »" in page and "300,00 €" in page
    response = client.get(reverse("finances:grant_figures_export") + f"?annee={year.label}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = {row[0]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["Subventions communales — source « saisie »"] == 150
    assert values["Subventions communales — source « CRFS »"] == 300


def test_a_renamed_commune_category_is_read_by_its_account_and_mandataires_see_their_own(client):
    year = SchoolYear.objects.current()
    category = CrfsCategory.objects.ensure_defaults().get(account_code="7474")
    category.label = "Subvention de la mairie"
    category.save()
    mandate = MandateFactory()
    commune_line(mandate.cooperative, year, "80", category=category)
    commune_line(CooperativeFactory(), year, "70", category=category)
    assert figures.subsidies(year)["crfs_amount"] == Decimal("150")

    client.force_login(mandate.user)
    page = page_text(client.get(reverse("finances:subsidy_list")))
    assert "80,00 €" in page and "70,00 €" not in page


def test_a_claim_has_a_bounded_number_of_documents(client, monkeypatch):
    from finances.views import grants as views

    monkeypatch.setattr(views, "MAX_CLAIM_DOCUMENTS", 2)
    claim = InsuranceClaimFactory()
    client.force_login(UserFactory(secretariat=True))
    url = reverse("finances:claim_document_add", args=[claim.pk])
    client.post(url, {"document_kind": "photo", "documents": [SimpleUploadedFile("a.png", PNG)]})
    files = [SimpleUploadedFile("b.png", PNG), SimpleUploadedFile("c.png", PNG)]
    response = client.post(url, {"document_kind": "photo", "documents": files}, follow=True)
    assert "Au plus 2 pièces par sinistre : aucune n'est ajoutée." in page_text(response)
    assert [d.name for d in claim.documents.all()] == ["a.png"]
