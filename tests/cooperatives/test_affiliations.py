import io
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from cooperatives.models import Affiliation, ReminderBatch
from occe.core.models import Association
from tests.cooperatives.factories import AffiliationFactory, CooperativeFactory, MandateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates():
    association = Association.get()
    association.pupil_rate_federal = Decimal("0.70")
    association.pupil_rate_departmental = Decimal("1.10")
    association.adult_rate_federal = Decimal("1.50")
    association.adult_rate_departmental = Decimal("2.50")
    association.insurance_per_member = Decimal("0.20")
    association.save()
    return association


def url(name, coop, year, **kwargs):
    return reverse(f"cooperatives:{name}", args=[coop.pk, year.label])


def test_fee_is_computed_from_the_association_rates(rates):
    affiliation = Affiliation(pupils=100, adults=10)
    affiliation.compute_fee()
    assert affiliation.fee_pupils == Decimal("180.00")  # 100 × (0,70 + 1,10)
    assert affiliation.fee_adults == Decimal("40.00")  # 10 × (1,50 + 2,50)
    assert affiliation.fee_insurance == Decimal("22.00")  # 110 × 0,20
    assert affiliation.fee_total == Decimal("242.00")
    assert affiliation.fee_federal == Decimal("85.00")  # 100 × 0,70 + 10 × 1,50


def test_the_mandataire_declares_submits_and_the_secretariat_validates(world, client, rates):
    year = world.year.previous()
    coop = world.own_coop
    mandataire = world.users["mandataire"]
    client.force_login(mandataire)
    page = client.get(url("affiliation", coop, year)).content.decode()
    assert "Non commencée" in page

    client.post(url("affiliation", coop, year), {"classes": 4, "pupils": 100, "adults": 10})
    affiliation = Affiliation.objects.get(cooperative=coop, school_year=year)
    assert affiliation.status == Affiliation.Status.DRAFT
    page = client.get(url("affiliation", coop, year)).content.decode()
    assert "242,00\u00a0€" in page and "Élèves : 100 × 1,80\u00a0€" in page

    # Without the engagement, submission is refused with the reason.
    response = client.post(url("affiliation_submit", coop, year), follow=True)
    assert "Vous devez confirmer votre engagement" in response.content.decode()
    client.post(url("affiliation_submit", coop, year), {"engagement": "on"})
    affiliation.refresh_from_db()
    assert affiliation.status == Affiliation.Status.SUBMITTED
    assert affiliation.submitted_by == mandataire and affiliation.engagement_date

    # Once submitted, the mandataire can no longer change the figures nor validate.
    assert (
        client.post(
            url("affiliation", coop, year), {"classes": 1, "pupils": 1, "adults": 0}
        ).status_code
        == 403
    )
    assert client.post(url("affiliation_validate", coop, year)).status_code == 403

    client.force_login(world.users["secretariat"])
    client.post(url("affiliation_validate", coop, year))
    affiliation.refresh_from_db()
    assert affiliation.is_validated and affiliation.validated_by == world.users["secretariat"]

    # A later change of rates never alters a validated year.
    rates.pupil_rate_departmental = Decimal("5")
    rates.save()
    affiliation.refresh_from_db()
    assert affiliation.fee_total == Decimal("242.00")
    assert "242,00\u00a0€" in client.get(url("affiliation", coop, year)).content.decode()


def test_secretariat_sends_a_submitted_affiliation_back_to_draft(world, client):
    affiliation = AffiliationFactory(
        cooperative=world.own_coop, school_year=world.year.previous(), submitted=True
    )
    client.force_login(world.users["secretariat"])
    client.post(url("affiliation_reopen", world.own_coop, affiliation.school_year))
    affiliation.refresh_from_db()
    assert affiliation.status == Affiliation.Status.DRAFT


def test_attestation_pdf_states_the_affiliation(world, client):
    client.force_login(world.users["mandataire"])
    response = client.get(url("attestation", world.own_coop, world.year))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Attestation d'affiliation" in text
    assert world.own_coop.name in text and world.own_coop.number in text
    assert f"année scolaire {world.year.label}" in text
    assert "212" in text  # 200 pupils + 12 adults


def test_no_attestation_before_validation(world, client):
    AffiliationFactory(cooperative=world.own_coop, school_year=world.year.previous())
    client.force_login(world.users["mandataire"])
    response = client.get(url("attestation", world.own_coop, world.year.previous()), follow=True)
    assert response.redirect_chain[-1][0] == url(
        "affiliation", world.own_coop, world.year.previous()
    )
    assert "disponible une fois l&#x27;affiliation validée" in response.content.decode()


def test_another_mandataire_cannot_reach_the_affiliation(world, client):
    client.force_login(world.users["autre_mandataire"])
    assert client.get(url("affiliation", world.own_coop, world.year)).status_code == 404
    assert client.get(url("attestation", world.own_coop, world.year)).status_code == 404


def test_mandataire_home_says_what_is_left_to_do(world, client):
    world.own_affiliation.status = Affiliation.Status.DRAFT
    world.own_affiliation.save()
    client.force_login(world.users["mandataire"])
    page = client.get(reverse("home")).content.decode()
    assert world.own_coop.name in page and "À faire" in page
    assert world.other_coop.name not in page


class TestCampaign:
    @pytest.fixture
    def campaign(self, world):
        previous = world.year.previous()
        # Previous year: 3 coops with 1 000 members each; this year 2 (own, other) with 212.
        for _ in range(3):
            AffiliationFactory(school_year=previous, validated=True, pupils=950, adults=50)
        late = CooperativeFactory(name="École en retard")
        MandateFactory(cooperative=late, user__email="retard@exemple.fr")
        submitted = AffiliationFactory(school_year=world.year, submitted=True)
        return late, submitted

    def test_counts_and_year_over_year(self, world, client, campaign):
        client.force_login(world.users["administrateur"])
        response = client.get(reverse("cooperatives:campaign"), {"annee": world.year.label})
        context = response.context
        assert context["counts"]["validated"] == 2
        assert context["counts"]["submitted"] == 1
        assert context["totals"]["members"] == 424
        assert context["previous_totals"]["members"] == 3000
        page = response.content.decode()
        assert "2\u00a0576 de moins" in page
        assert "École en retard" in page

    def test_reminders_go_to_mandataires_of_coops_not_done_once(
        self, world, client, campaign, django_capture_on_commit_callbacks
    ):
        late, submitted = campaign
        client.force_login(world.users["secretariat"])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("cooperatives:campaign_remind"), {"annee": world.year.label})
        recipients = sorted(address for message in mail.outbox for address in message.to)
        # Coops with a submitted or validated affiliation are not reminded; the submitted
        # one's factory coop has no mandataire.
        assert recipients == ["retard@exemple.fr"]
        assert "affiliation" in mail.outbox[0].subject
        batch = ReminderBatch.objects.get()
        assert batch.finished_at is not None

        # Running the same batch again sends nothing more.
        from cooperatives.tasks import send_affiliation_reminders

        assert send_affiliation_reminders(batch.pk) == 0
        assert len(mail.outbox) == 1


def test_affiliation_changes_appear_in_the_cooperative_history(world, client):
    client.force_login(world.users["secretariat"])
    year = world.year.previous()
    client.post(url("affiliation", world.own_coop, year), {"classes": 3, "pupils": 75, "adults": 4})
    client.post(url("affiliation", world.own_coop, year), {"classes": 3, "pupils": 80, "adults": 4})
    page = client.get(reverse("cooperatives:detail", args=[world.own_coop.pk])).content.decode()
    assert f"Affiliation {year.label}" in page
    assert "élèves : « 75 » → « 80 »" in page
