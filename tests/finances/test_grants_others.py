"""Trousse à projets pay-backs, insurance claims, municipal subsidies, the figures page and the
home cards of the grants."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from finances.models import InsuranceClaim, MunicipalSubsidy, TroussePayback
from occe.core.formats import NBSP
from occe.core.models import SchoolYear
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory, MandateFactory

from .factories_grants import (
    GrantApplicationFactory,
    InsuranceClaimFactory,
    TroussePaybackFactory,
)

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    return response.content.decode().replace(NBSP, " ")


def test_the_secretariat_records_a_payback_never_above_what_was_collected(client):
    coop = CooperativeFactory()
    client.force_login(UserFactory(secretariat=True))
    data = {
        "cooperative": coop.pk,
        "title": "Classe de mer",
        "collected": "1 500,00",
        "fees": "60",
        "paid_back": "1 600",
        "date": timezone.localdate().isoformat(),
        "reference": "TAP-1",
    }
    response = client.post(reverse("finances:payback_create"), data)
    assert "Le montant reversé dépasse le montant collecté." in page_text(response)
    data["paid_back"] = "1 440"
    client.post(reverse("finances:payback_create"), data)
    assert TroussePayback.objects.get().paid_back == Decimal("1440")
    with pytest.raises(IntegrityError), transaction.atomic():
        TroussePayback.objects.update(paid_back=Decimal("2000"))
    page = page_text(client.get(reverse("finances:payback_list")))
    assert "1 projet, 1 500,00 € collectés, 1 440,00 € reversés." in page


def test_a_mandataire_reads_only_their_coops_paybacks_and_claims(client):
    mandate = MandateFactory()
    TroussePaybackFactory(cooperative=mandate.cooperative, title="Le nôtre")
    TroussePaybackFactory(title="Celui des autres")
    InsuranceClaimFactory(cooperative=mandate.cooperative, description="notre vitre")
    InsuranceClaimFactory(nature="vol")
    client.force_login(mandate.user)
    page = page_text(client.get(reverse("finances:payback_list")))
    assert "Le nôtre" in page and "Celui des autres" not in page
    page = page_text(client.get(reverse("finances:claim_list")))
    assert "1 dossier" in page and "Bris" in page and "Vol" not in page
    assert "Nouveau sinistre" not in page


def test_a_paid_claim_says_how_much(client):
    claim = InsuranceClaimFactory()
    client.force_login(UserFactory(secretariat=True))
    url = reverse("finances:claim_edit", args=[claim.pk])
    data = {
        "cooperative": claim.cooperative_id,
        "event_date": claim.event_date.isoformat(),
        "nature": "degat_eaux",
        "description": "Fuite du toit.",
        "amount_claimed": "320",
        "status": "indemnise",
        "amount_paid": "",
    }
    assert "Indiquez l&#x27;indemnité versée." in page_text(client.post(url, data))
    data["amount_paid"] = "250,50"
    client.post(url, data)
    claim.refresh_from_db()
    assert claim.status == InsuranceClaim.Status.PAID and claim.amount_paid == Decimal("250.50")


def test_the_figures_page_and_its_export(client):
    year = SchoolYear.objects.current()
    application = GrantApplicationFactory(
        granted=True,
        session__date=timezone.localdate(),
        session__deadline=timezone.localdate(),
        paid_amount=Decimal("150"),
    )
    application.payments.create(
        date=timezone.localdate(),
        amount=Decimal("150"),
        reference="VIR-1",
        recorded_by=UserFactory(secretariat=True),
    )
    GrantApplicationFactory(
        session=application.session, status="refusee", decision_note="Hors critères"
    )
    TroussePaybackFactory()
    MunicipalSubsidy.objects.create(
        cooperative=application.cooperative,
        commune="Nanterre",
        school_year=year,
        amount=Decimal("500"),
    )
    client.force_login(UserFactory(administrateur=True))
    page = page_text(client.get(reverse("finances:grant_figures")))
    assert "aap.montant" in page and "150,00 €" in page and "1 440,00 €" in page
    response = client.get(reverse("finances:grant_figures_export") + f"?annee={year.label}")
    import io

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = {row[1]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True) if row[1]}
    assert values["aap.dossiers_retenus"] == 1
    assert values["aap.montant"] == 150
    assert values["solidarite.montant"] == 0
    assert values["trousse.reversements.projets"] == 1
    assert values["subventions.communes.montant"] == 500
    # No data another year: "non renseigné", not 0.
    previous = year.previous()
    page = page_text(client.get(reverse("finances:grant_figures") + f"?annee={previous.label}"))
    assert "non renseigné" in page


def test_home_cards(client, rf):
    from occe.navigation import home_cards

    def cards(user) -> dict:
        request = rf.get("/")
        request.user = user
        return {card.label: card.value for card in home_cards(request)}

    mandate = MandateFactory()
    # Nothing waits: no card.
    assert "Demandes d'aide en examen" not in cards(UserFactory(administrateur=True))
    GrantApplicationFactory(cooperative=mandate.cooperative, review=True)
    GrantApplicationFactory(cooperative=mandate.cooperative)
    GrantApplicationFactory(granted=True)

    assert cards(UserFactory(administrateur=True))["Demandes d'aide en examen"] == 1
    secretary = UserFactory(secretariat=True)
    assert cards(secretary)["Aides accordées restant à verser"] == 1
    assert cards(mandate.user)["Demandes d'aide en brouillon"] == 1
    client.force_login(secretary)
    response = client.get(reverse("finances:grant_application_list") + "?a_verser=1")
    assert "1 demande" in page_text(response)


def test_the_trousse_export_is_previewed_then_imported_once(
    client, django_capture_on_commit_callbacks
):
    import io

    from openpyxl import Workbook

    coop = CooperativeFactory(number="920042")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "Id projet",
            "Numéro de coopérative",
            "Titre du projet",
            "Collecté",
            "Frais",
            "Reversé",
            "Date",
        ]
    )
    sheet.append(["TAP-1", "920042", "Classe de mer", "1 500,00", "60", "1440", "15/03/2025"])
    sheet.append(["TAP-2", coop.uai, "Chorale", 800, 32, 768, "2025-04-02"])
    sheet.append(["TAP-3", "999999", "Inconnu", 10, 0, 20, "02/04/2025"])
    data = io.BytesIO()
    workbook.save(data)

    client.force_login(UserFactory(secretariat=True))

    def upload(content: bytes):
        file = io.BytesIO(content)
        file.name = "export-trousse.xlsx"
        return client.post(reverse("finances:payback_import"), {"file": file})

    page = page_text(client.get(reverse("finances:payback_import")))
    assert "Importer les reversements de la Trousse à projets" in page
    assert "Télécharger le modèle" not in page  # the platform's own export
    response = upload(data.getvalue())
    preview = client.get(response["Location"])
    text = page_text(preview)
    assert "reversements à créer" in text and "Classe de mer" in text
    assert "Aucune coopérative n&#x27;a le numéro ou l&#x27;UAI « 999999 »" in text
    assert "Le montant reversé dépasse le montant collecté." in text
    assert "Confirmer l" not in text
    assert not TroussePayback.objects.exists()

    sheet.delete_rows(4)
    data = io.BytesIO()
    workbook.save(data)
    response = upload(data.getvalue())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"])
    assert "Cet import a été appliqué" in page_text(client.get(response["Location"]))
    paybacks = {p.reference: p for p in TroussePayback.objects.all()}
    assert paybacks["TAP-1"].paid_back == Decimal("1440.00")
    assert paybacks["TAP-2"].cooperative == coop and paybacks["TAP-2"].fees == Decimal("32")
    # The same file again: nothing to import.
    response = upload(data.getvalue())
    assert "il n'y a rien à importer" in page_text(client.get(response["Location"]))
    assert TroussePayback.objects.count() == 2
