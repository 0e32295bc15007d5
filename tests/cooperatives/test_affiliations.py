import io
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from cooperatives.models import Affiliation, ReminderBatch
from occe.core.models import Association
from tests.cooperatives.factories import (
    AffiliationFactory,
    CooperativeFactory,
    FeePaymentFactory,
    MandateFactory,
)

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

    # One form: what is on screen is what is submitted, with the engagement.
    figures = {"classes": 4, "pupils": 100, "adults": 10, "engagement": "on"}
    client.post(url("affiliation_submit", coop, year), figures)
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
    client.post(url("affiliation_validate", coop, year), {**figures, "pupils": 110})
    affiliation.refresh_from_db()
    assert affiliation.is_validated and affiliation.validated_by == world.users["secretariat"]
    assert affiliation.pupils == 110  # the figures on the secretariat's screen
    assert affiliation.fee_total == Decimal("262.00")

    # A later change of rates never alters a validated year.
    rates.pupil_rate_departmental = Decimal("5")
    rates.save()
    affiliation.refresh_from_db()
    assert affiliation.fee_total == Decimal("262.00")
    assert "262,00\u00a0€" in client.get(url("affiliation", coop, year)).content.decode()


class TestOneForm:
    """Issue 3.1: changing 130 → 142 then submitting submitted 130; an unticked engagement
    threw the figures away."""

    @pytest.fixture
    def draft(self, world):
        return AffiliationFactory(
            cooperative=world.own_coop, school_year=world.year.previous(), pupils=130
        )

    def test_submit_takes_the_figures_typed_with_it(self, world, client, draft):
        client.force_login(world.users["mandataire"])
        data = {"classes": 6, "pupils": 142, "adults": 9, "engagement": "on"}
        client.post(url("affiliation_submit", draft.cooperative, draft.school_year), data)
        draft.refresh_from_db()
        assert (draft.status, draft.pupils) == (Affiliation.Status.SUBMITTED, 142)

    def test_an_unticked_engagement_keeps_what_was_typed(self, world, client, draft):
        client.force_login(world.users["mandataire"])
        data = {"classes": 6, "pupils": 142, "adults": 9}
        response = client.post(
            url("affiliation_submit", draft.cooperative, draft.school_year), data
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors == {
            "engagement": [
                "Cochez cette case pour confirmer votre engagement : sans elle, l'affiliation "
                "ne peut pas être soumise."
            ]
        }
        page = response.content.decode()
        assert 'name="pupils" value="142"' in page
        # The error is next to the box, and the fee shown is the one of the typed figures.
        assert 'id="id_engagement_error"' in page
        assert "Élèves : 142 ×" in page
        draft.refresh_from_db()
        assert (draft.status, draft.pupils) == (Affiliation.Status.DRAFT, 130)

    def test_invalid_figures_are_kept_with_their_message(self, world, client, draft):
        client.force_login(world.users["mandataire"])
        data = {"classes": 6, "pupils": "1000000000000", "adults": 9, "engagement": "on"}
        response = client.post(
            url("affiliation_submit", draft.cooperative, draft.school_year), data
        )
        assert response.status_code == 200
        assert response.context["form"].errors["pupils"] == [
            "Le nombre d'élèves d'une coopérative ne dépasse pas 5\u00a0000 : vérifiez la saisie."
        ]
        assert 'value="1000000000000"' in response.content.decode()
        draft.refresh_from_db()
        assert (draft.status, draft.pupils) == (Affiliation.Status.DRAFT, 130)

    def test_save_and_submit_creates_a_not_started_affiliation(self, world, client):
        year = world.year.previous()
        client.force_login(world.users["mandataire"])
        data = {"classes": 2, "pupils": 40, "adults": 3, "engagement": "on"}
        client.post(url("affiliation_submit", world.own_coop, year), data)
        affiliation = Affiliation.objects.get(cooperative=world.own_coop, school_year=year)
        assert affiliation.status == Affiliation.Status.SUBMITTED and affiliation.pupils == 40

    def test_the_secretariat_validates_figures_sent_on_paper(self, world, client):
        year = world.year.previous()
        client.force_login(world.users["secretariat"])
        data = {"classes": 3, "pupils": 70, "adults": 4}
        response = client.post(url("affiliation_validate", world.own_coop, year), data)
        assert response.status_code == 302
        affiliation = Affiliation.objects.get(cooperative=world.own_coop, school_year=year)
        assert affiliation.is_validated and affiliation.pupils == 70

    def test_the_buttons_follow_the_role(self, world, client, draft):
        page_url = url("affiliation", draft.cooperative, draft.school_year)
        client.force_login(world.users["mandataire"])
        page = client.get(page_url).content.decode()
        assert page.count('id="affiliation-form"') == 1 and page.count("<form") == 2  # + logout
        assert "Enregistrer et soumettre" in page and "Enregistrer et valider" not in page
        assert 'name="engagement"' in page
        client.force_login(world.users["secretariat"])
        page = client.get(page_url).content.decode()
        assert "Enregistrer et valider" in page and "Enregistrer et soumettre" not in page
        assert 'name="engagement"' not in page
        client.force_login(world.users["administrateur"])
        page = client.get(page_url).content.decode()
        assert 'id="affiliation-form"' not in page and "Élèves" in page

    def test_the_fee_is_recomputed_as_the_figures_are_typed(self, world, client, draft, rates):
        client.force_login(world.users["mandataire"])
        page_url = url("affiliation", draft.cooperative, draft.school_year)
        response = client.get(
            page_url, {"classes": 6, "pupils": 142, "adults": 9}, headers={"HX-Request": "true"}
        )
        page = response.content.decode()
        assert "<html" not in page and 'id="cotisation"' in page
        # 142 × 1,80 + 9 × 4,00 + 151 × 0,20 = 255,60 + 36 + 30,20
        assert "Élèves : 142 × 1,80\u00a0€" in page and "321,80\u00a0€" in page
        assert 'hx-get="' in page  # the swapped part keeps listening
        draft.refresh_from_db()
        assert draft.pupils == 130  # nothing saved
        too_many = client.get(page_url, {"classes": 6, "pupils": "9" * 13, "adults": 9},
                              headers={"HX-Request": "true"})  # fmt: skip
        assert too_many.status_code == 200
        assert "calculée dès que les effectifs seront corrects" in too_many.content.decode()

    def test_a_reader_gets_the_stored_fee_only(self, world, client, draft, rates):
        client.force_login(world.users["administrateur"])
        response = client.get(
            url("affiliation", draft.cooperative, draft.school_year),
            {"pupils": 1},
            headers={"HX-Request": "true"},
        )
        assert "Élèves : 130 ×" in response.content.decode()


class TestValidationNotice:
    def test_validation_tells_the_mandataires_with_the_attestation_link(
        self, world, client, settings, django_capture_on_commit_callbacks
    ):
        settings.SITE_URL = "https://gestion.occe92.example"
        year = world.year.previous()
        affiliation = AffiliationFactory(
            cooperative=world.own_coop, school_year=year, submitted=True
        )
        MandateFactory(cooperative=world.own_coop, kind="co", user__email="co@exemple.fr")
        client.force_login(world.users["secretariat"])
        data = {"classes": 8, "pupils": 200, "adults": 12}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url("affiliation_validate", world.own_coop, year), data)
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert sorted(message.to) == ["co@exemple.fr", "mandataire@exemple.fr"]
        assert message.subject.endswith(f"affiliation {year} validée")
        attestation = reverse("cooperatives:attestation", args=[world.own_coop.pk, year.label])
        assert f"https://gestion.occe92.example{attestation}" in message.body
        assert "212 adhérents" in message.body
        affiliation.refresh_from_db()
        assert affiliation.validation_notified_at is not None

    def test_the_notice_is_enqueued_after_commit_with_the_id(self, world, monkeypatch):
        from cooperatives import tasks

        calls = []
        monkeypatch.setattr(
            tasks.notify_affiliation_validated, "delay_on_commit", lambda *a: calls.append(a)
        )
        affiliation = AffiliationFactory(
            cooperative=world.own_coop, school_year=world.year.previous(), submitted=True
        )
        affiliation.validate(world.users["secretariat"])
        assert calls == [(affiliation.pk,)] and not mail.outbox

    def test_running_the_task_twice_sends_once(self, world):
        from cooperatives.tasks import notify_affiliation_validated

        affiliation = world.own_affiliation  # validated, not notified yet
        assert notify_affiliation_validated(affiliation.pk) == 1
        assert notify_affiliation_validated(affiliation.pk) == 0
        assert len(mail.outbox) == 1

    def test_a_reopened_then_validated_affiliation_is_announced_again(
        self, world, django_capture_on_commit_callbacks
    ):
        from cooperatives.tasks import notify_affiliation_validated

        affiliation = world.own_affiliation
        notify_affiliation_validated(affiliation.pk)
        affiliation.reopen()
        with django_capture_on_commit_callbacks(execute=True):
            affiliation.validate(world.users["secretariat"])
        assert len(mail.outbox) == 2


def test_secretariat_sends_a_submitted_affiliation_back_to_draft(world, client):
    affiliation = AffiliationFactory(
        cooperative=world.own_coop, school_year=world.year.previous(), submitted=True
    )
    client.force_login(world.users["secretariat"])
    client.post(url("affiliation_reopen", world.own_coop, affiliation.school_year))
    affiliation.refresh_from_db()
    assert affiliation.status == Affiliation.Status.DRAFT


def test_an_affiliation_with_payments_cannot_be_reopened(world, client):
    FeePaymentFactory(affiliation=world.own_affiliation)
    client.force_login(world.users["secretariat"])
    response = client.post(url("affiliation_reopen", world.own_coop, world.year), follow=True)
    assert "annulez-les avant de rouvrir" in response.content.decode()
    world.own_affiliation.refresh_from_db()
    assert world.own_affiliation.is_validated


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
        started = AffiliationFactory(school_year=world.year, cooperative__name="École commencée")
        MandateFactory(cooperative=started.cooperative, user__email="brouillon@exemple.fr")
        submitted = AffiliationFactory(school_year=world.year, submitted=True)
        return late, started, submitted

    def test_counts_and_year_over_year(self, world, client, campaign):
        client.force_login(world.users["administrateur"])
        response = client.get(reverse("cooperatives:campaign"), {"annee": world.year.label})
        context = response.context
        assert context["counts"]["validees"] == 2
        assert context["counts"]["soumises"] == 1
        assert context["counts"]["brouillons"] == 1
        # The previous year's 3 coops, the late one: none this year.
        assert context["counts"]["non_commencees"] == 4
        assert context["totals"]["members"] == 424
        assert context["previous_totals"]["members"] == 3000
        page = response.content.decode()
        assert "2\u00a0576 de moins" in page
        assert "École en retard" in page  # the default tab: not started

    def test_reminders_go_to_the_chosen_coops_once(
        self, world, client, campaign, django_capture_on_commit_callbacks
    ):
        client.force_login(world.users["secretariat"])

        def remind(target):
            mail.outbox.clear()
            with django_capture_on_commit_callbacks(execute=True):
                client.post(
                    reverse("cooperatives:campaign_remind"),
                    {"annee": world.year.label, "target": target},
                )
            return sorted(address for message in mail.outbox for address in message.to)

        # Coops with a submitted or validated affiliation are never reminded; the submitted
        # one's factory coop has no mandataire anyway.
        assert remind("drafts") == ["brouillon@exemple.fr"]
        assert remind("not_started") == ["retard@exemple.fr"]
        assert remind("both") == ["brouillon@exemple.fr", "retard@exemple.fr"]
        assert ReminderBatch.objects.filter(finished_at__isnull=False).count() == 3

        # Running the same batch again sends nothing more.
        from cooperatives.tasks import send_affiliation_reminders

        batch = ReminderBatch.objects.get(target="both")
        assert send_affiliation_reminders(batch.pk) == 0

    def test_the_reminder_has_the_link_and_the_deadline(
        self, world, client, campaign, settings, django_capture_on_commit_callbacks
    ):
        settings.SITE_URL = "https://gestion.occe92.example"
        late = campaign[0]
        association = Association.get()
        association.short_name = "OCCE 92"
        association.affiliation_deadline = world.year.start_date.replace(month=10, day=15)
        association.save()
        client.force_login(world.users["secretariat"])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("cooperatives:campaign_remind"),
                {"annee": world.year.label, "target": "not_started"},
            )
        body = mail.outbox[0].body
        link = reverse("cooperatives:affiliation", args=[late.pk, world.year.label])
        assert f"https://gestion.occe92.example{link}" in body
        assert f"Date limite : 15 octobre {world.year.start_year}." in body
        assert "transmise à OCCE 92" in body

    def test_a_deadline_of_another_year_is_not_announced(self, world, campaign):
        from cooperatives.tasks import reminder_message

        association = Association.get()
        association.affiliation_deadline = world.year.previous().start_date
        _, body = reminder_message(campaign[0], world.year, association)
        assert "Date limite" not in body

    def test_the_secretariat_previews_the_reminder_and_its_recipients(
        self, world, client, campaign
    ):
        late, started, _ = campaign
        client.force_login(world.users["secretariat"])
        preview = reverse("cooperatives:campaign_remind_preview")
        response = client.get(preview, {"annee": world.year.label, "target": "drafts"})
        page = response.content.decode()
        assert response.context["coops"] == 1 and response.context["reached"] == 1
        assert "École commencée" in page and "Objet :" in page
        assert (
            reverse("cooperatives:affiliation", args=[started.cooperative.pk, world.year.label])
            in page
        )
        assert 'name="target" value="drafts"' in page
        both = client.get(preview, {"annee": world.year.label, "target": "both"})
        # 4 not started (3 of them without a mandataire) and 1 draft.
        assert (both.context["coops"], both.context["reached"]) == (5, 2)
        assert not mail.outbox  # a preview sends nothing


def test_affiliation_changes_appear_in_the_cooperative_history(world, client):
    client.force_login(world.users["secretariat"])
    year = world.year.previous()
    client.post(url("affiliation", world.own_coop, year), {"classes": 3, "pupils": 75, "adults": 4})
    client.post(url("affiliation", world.own_coop, year), {"classes": 3, "pupils": 80, "adults": 4})
    page = client.get(reverse("cooperatives:detail", args=[world.own_coop.pk])).content.decode()
    assert f"Affiliation {year.label}" in page
    assert "élèves : « 75 » → « 80 »" in page
