"""Grants: an application with a balanced budget, submitted with the engagement, reviewed and
decided by the commission, notified by letter, paid in parts and never beyond the grant; who
may do what."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from finances.models import GrantApplication, GrantDocument, GrantSession, last_crfs_balance
from finances.services import grants as services
from finances.services.errors import WorkflowError
from occe.core.formats import NBSP
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import MandateFactory

from .factories_grants import GrantApplicationFactory, GrantSessionFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def mandataire():
    return MandateFactory().user


@pytest.fixture
def coop(mandataire):
    return mandataire.mandates.get().cooperative


def prefixed(prefix: str, **fields) -> dict:
    """The fields of one application's form on the commission's page."""
    return {f"{prefix}-{name}": value for name, value in fields.items()}


def application_data(coop, session, **overrides) -> dict:
    data = {
        "cooperative": coop.pk,
        "session": session.pk,
        "title": "Un potager dans la cour",
        "description": "Les élèves cultivent et vendent leurs légumes.",
        "classes": "2",
        "pupils": "48",
        "start_date": "",
        "end_date": "",
        "amount_requested": "200,00",
        "situation": "",
        "current_balance": "",
        "depenses-TOTAL_FORMS": "2",
        "depenses-INITIAL_FORMS": "0",
        "depenses-0-label": "Graines et outils",
        "depenses-0-amount": "250",
        "depenses-1-label": "Bacs",
        "depenses-1-amount": "1 050,50",
        "recettes-TOTAL_FORMS": "1",
        "recettes-INITIAL_FORMS": "0",
        "recettes-0-label": "Vente de gâteaux",
        "recettes-0-amount": "1100,50",
    }
    data.update(overrides)
    return data


def test_a_mandataire_applies_with_a_balanced_budget(client, mandataire, coop):
    session = GrantSessionFactory()
    client.force_login(mandataire)
    response = client.post(
        reverse("finances:grant_application_create"), application_data(coop, session)
    )
    application = GrantApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == application.get_absolute_url()
    assert application.status == GrantApplication.Status.DRAFT
    assert application.kind == "aap" and application.requested_by == mandataire
    assert application.budget_totals() == (Decimal("1300.50"), Decimal("1300.50"))
    page = client.get(application.get_absolute_url()).content.decode()
    assert f"1{NBSP}300,50" in page and "Déposer la demande" in page


def test_an_unbalanced_budget_is_refused_and_the_form_says_by_how_much(client, mandataire, coop):
    session = GrantSessionFactory()
    client.force_login(mandataire)
    data = application_data(coop, session, **{"recettes-0-amount": "1000"})
    response = client.post(reverse("finances:grant_application_create"), data)
    assert response.status_code == 200
    assert not GrantApplication.objects.exists()
    assert (
        "Le budget n&#x27;est pas équilibré : 1 300,50 € de dépenses pour 1 200,00 € de recettes"
        in response.content.decode().replace(NBSP, " ")
    )
    # What was typed is kept.
    assert 'value="1000"' in response.content.decode()


def test_submission_needs_the_engagement_and_the_previous_bilan(client, mandataire, coop):
    application = GrantApplicationFactory(cooperative=coop, requested_by=mandataire)
    client.force_login(mandataire)
    url = reverse("finances:grant_application_submit", args=[application.pk])
    client.post(url, {})
    application.refresh_from_db()
    assert application.status == GrantApplication.Status.DRAFT

    previous = GrantApplicationFactory(cooperative=coop, granted=True, title="Chorale")
    page = client.get(application.get_absolute_url()).content.decode()
    assert "Le bilan du projet « Chorale »" in page
    client.post(url, {"engaged": "on"})
    application.refresh_from_db()
    assert application.status == GrantApplication.Status.DRAFT

    services.submit_report(previous, mandataire, "Concert donné en juin.", Decimal("180"))
    client.post(url, {"engaged": "on"})
    application.refresh_from_db()
    assert application.status == GrantApplication.Status.SUBMITTED
    assert application.engaged_at is not None


def test_no_submission_after_the_deadline(mandataire, coop):
    session = GrantSessionFactory(deadline=timezone.localdate() - datetime.timedelta(days=1))
    application = GrantApplicationFactory(session=session, cooperative=coop)
    with pytest.raises(WorkflowError, match="date limite"):
        services.submit(application, mandataire, engaged=True)


def test_solidarity_asks_the_situation_and_the_balance_is_typed(client, mandataire, coop):
    session = GrantSessionFactory(kind="solidarite", title="Solidarité")
    client.force_login(mandataire)
    response = client.post(
        reverse("finances:grant_application_create"), application_data(coop, session)
    )
    assert response.status_code == 200
    assert "Décrivez la situation" in response.content.decode()
    data = application_data(
        coop, session, situation="Vol de la caisse de la kermesse.", current_balance="12,40"
    )
    client.post(reverse("finances:grant_application_create"), data)
    application = GrantApplication.objects.get()
    assert application.kind == "solidarite" and application.current_balance == Decimal("12.40")
    assert last_crfs_balance(coop) is None  # no CRFS received yet: the typed balance counts


def test_attachments_are_checked_by_their_content(client, mandataire, coop):
    application = GrantApplicationFactory(cooperative=coop, requested_by=mandataire)
    client.force_login(mandataire)
    url = reverse("finances:grant_document_add", args=[application.pk])
    fake = SimpleUploadedFile("devis.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    client.post(url, {"file": fake})
    assert not GrantDocument.objects.exists()
    client.post(url, {"file": SimpleUploadedFile("devis.pdf", PDF, "application/pdf")})
    document = GrantDocument.objects.get()
    response = client.get(reverse("finances:grant_document", args=[document.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    other = MandateFactory().user
    client.force_login(other)
    assert client.get(reverse("finances:grant_document", args=[document.pk])).status_code == 404


def test_the_commission_reviews_gives_opinions_and_decides(
    client, coop, mandataire, django_capture_on_commit_callbacks
):
    session = GrantSessionFactory(envelope=Decimal("300"))
    first = GrantApplicationFactory(session=session, cooperative=coop, submitted=True)
    second = GrantApplicationFactory(session=session, submitted=True, amount_requested=200)
    GrantApplicationFactory(session=session)  # a draft: not the commission's
    admin = UserFactory(administrateur=True)
    client.force_login(admin)
    client.post(reverse("finances:grant_session_advance", args=[session.pk]))
    session.refresh_from_db()
    assert session.status == GrantSession.Status.REVIEW
    assert set(session.applications.values_list("status", flat=True)) == {"examen", "brouillon"}

    client.post(
        reverse("finances:grant_opinion", args=[first.pk]),
        prefixed(
            f"avis-{first.pk}", opinion="partiel", proposed_amount="150", comment="Beau projet."
        ),
    )
    page = client.get(session.get_absolute_url()).content.decode().replace(NBSP, " ")
    # 150 proposed for the first, 200 asked for the second: 350 against 300.
    assert "350,00" in page and "dépasse l'enveloppe de 50,00" in page
    assert "Beau projet." in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("finances:grant_decide", args=[first.pk]),
            prefixed(
                f"decision-{first.pk}", decision="accordee", amount="150", note="Pour les bacs."
            ),
        )
    client.post(
        reverse("finances:grant_decide", args=[second.pk]),
        prefixed(f"decision-{second.pk}", decision="refusee", amount="", note=""),
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "accordee" and first.granted_amount == Decimal("150")
    assert second.status == "examen"  # a refusal needs its reason
    client.post(
        reverse("finances:grant_decide", args=[second.pk]),
        prefixed(f"decision-{second.pk}", decision="refusee", note="Hors des critères de l'AAP."),
    )
    second.refresh_from_db()
    assert second.status == "refusee"

    # The letter went to the coop's mandataire, with the PDF.
    letters = [m for m in mail.outbox if mandataire.email in m.to]
    assert len(letters) == 1
    assert letters[0].attachments[0][0] == f"decision-{first.pk}.pdf"
    assert letters[0].attachments[0][1].startswith(b"%PDF")
    first.refresh_from_db()
    assert first.letter_sent_at is not None
    # A second run of the task sends nothing.
    from finances.tasks.grants import send_decision_letter

    assert send_decision_letter(first.pk) == "skipped"

    client.post(reverse("finances:grant_session_advance", args=[session.pk]))
    session.refresh_from_db()
    assert session.status == GrantSession.Status.DECIDED
    assert client.get(reverse("finances:grant_minutes_pdf", args=[session.pk])).content.startswith(
        b"%PDF"
    )
    xlsx = client.get(reverse("finances:grant_minutes_xlsx", args=[session.pk]))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")

    # The mandataire reads the decision, not the opinions.
    client.force_login(mandataire)
    page = client.get(first.get_absolute_url()).content.decode()
    assert "Aide accordée" in page and "150,00" in page and "Beau projet." not in page


def test_the_session_is_decided_only_once_every_application_is(client):
    application = GrantApplicationFactory(review=True)
    with pytest.raises(WorkflowError, match="attendent encore une décision"):
        services.advance_session(application.session, UserFactory(administrateur=True))


def test_a_grant_cannot_exceed_the_amount_asked():
    application = GrantApplicationFactory(review=True)
    with pytest.raises(WorkflowError, match="dépasse le montant demandé"):
        services.decide(application, UserFactory(administrateur=True), True, Decimal("201"), "")


def test_payments_in_parts_never_beyond_the_grant(client):
    application = GrantApplicationFactory(granted=True)  # 150 granted
    secretary = UserFactory(secretariat=True)
    client.force_login(secretary)
    url = reverse("finances:grant_pay", args=[application.pk])
    today = timezone.localdate().isoformat()
    client.post(url, {"date": today, "amount": "100", "reference": "VIR-1"})
    client.post(url, {"date": today, "amount": "60", "reference": "VIR-2"})
    client.post(url, {"date": today, "amount": "10", "reference": "VIR-1"})
    application.refresh_from_db()
    assert application.paid_amount == Decimal("100")
    assert list(application.payments.values_list("reference", flat=True)) == ["VIR-1"]
    response = client.post(url, {"date": today, "amount": "50", "reference": "VIR-3"}, follow=True)
    assert "Versement enregistré." in response.content.decode()
    application.refresh_from_db()
    assert application.paid_amount == Decimal("150") and application.remaining_to_pay == 0
    with pytest.raises(WorkflowError, match="reste à verser"):
        services.record_payment(application, secretary, timezone.localdate(), Decimal("0.01"), "X")


def test_the_database_refuses_paying_beyond_the_grant():
    application = GrantApplicationFactory(granted=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        GrantApplication.objects.filter(pk=application.pk).update(paid_amount=Decimal("150.01"))
    refused = GrantApplicationFactory(review=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        GrantApplication.objects.filter(pk=refused.pk).update(paid_amount=Decimal("1"))


@pytest.mark.parametrize(
    ("role", "name", "status"),
    [
        ("mandataire", "grant_decide", 403),
        ("secretariat", "grant_decide", 403),
        ("administrateur", "grant_pay", 403),
        ("animation", "grant_pay", 403),
        # Deciding is the board's: another coop's mandataire is refused before any lookup.
        ("other", "grant_decide", 403),
    ],
)
def test_who_decides_and_who_pays(client, role, name, status, coop, mandataire):
    application = GrantApplicationFactory(cooperative=coop, review=True)
    users = {
        "mandataire": mandataire,
        "other": MandateFactory().user,
        "secretariat": UserFactory(secretariat=True),
        "administrateur": UserFactory(administrateur=True),
        "animation": UserFactory(animation=True),
    }
    client.force_login(users[role])
    response = client.post(reverse(f"finances:{name}", args=[application.pk]), {})
    assert response.status_code == status


def test_a_mandataire_sees_only_their_coops_applications(client, coop, mandataire):
    own = GrantApplicationFactory(cooperative=coop, title="Le nôtre")
    other = GrantApplicationFactory(title="Celui des autres")
    client.force_login(mandataire)
    page = client.get(reverse("finances:grant_application_list")).content.decode()
    assert "Le nôtre" in page and "Celui des autres" not in page
    assert client.get(own.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    assert (
        client.get(reverse("finances:grant_session_detail", args=[own.session_id])).status_code
        == 403
    )


def test_the_application_list_runs_a_constant_number_of_queries(
    client, django_assert_max_num_queries
):
    admin = UserFactory(administrateur=True)
    GrantApplicationFactory.create_batch(3)
    client.force_login(admin)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("finances:grant_application_list"))
    GrantApplicationFactory.create_batch(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("finances:grant_application_list"))


def test_editing_a_draft_keeps_and_replaces_its_budget(client, mandataire, coop):
    application = GrantApplicationFactory(cooperative=coop, requested_by=mandataire)
    client.force_login(mandataire)
    url = reverse("finances:grant_application_edit", args=[application.pk])
    page = client.get(url).content.decode()
    assert 'value="Graines et outils"' in page and 'value="Fonds propres de la coopérative"' in page
    data = application_data(coop, application.session, title="Un potager plus grand")
    client.post(url, data)
    application.refresh_from_db()
    assert application.title == "Un potager plus grand"
    assert sorted(application.budget_lines.values_list("label", flat=True)) == [
        "Bacs",
        "Graines et outils",
        "Vente de gâteaux",
    ]
    # Once submitted, the mandataire reads it and no longer edits it.
    GrantApplication.objects.filter(pk=application.pk).update(status="deposee")
    assert client.get(url).status_code == 403


def test_the_commission_page_runs_a_constant_number_of_queries(
    client, django_assert_max_num_queries
):
    session = GrantSessionFactory(review=True)
    admin = UserFactory(administrateur=True)
    for _ in range(2):
        application = GrantApplicationFactory(session=session, status="examen")
        services.give_opinion(application, admin, "favorable", Decimal("100"), "Oui")
    client.force_login(admin)
    with django_assert_max_num_queries(20) as few:
        assert client.get(session.get_absolute_url()).status_code == 200
    for _ in range(8):
        application = GrantApplicationFactory(session=session, status="examen")
        services.give_opinion(application, admin, "partiel", Decimal("50"), "")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(session.get_absolute_url())


def test_the_letter_is_sent_again_only_if_the_mail_server_failed(monkeypatch, mandataire, coop):
    import smtplib

    from finances.tasks.grants import send_decision_letter

    application = GrantApplicationFactory(cooperative=coop, review=True)
    GrantApplication.objects.filter(pk=application.pk).update(
        status="accordee", granted_amount=Decimal("100"), decided_at=timezone.now()
    )

    def down(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("serveur indisponible")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", down)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_decision_letter.run(application.pk)
    application.refresh_from_db()
    assert application.letter_sent_at is None  # still to send: the retry will
    monkeypatch.undo()
    assert send_decision_letter.run(application.pk) == "sent"
    assert send_decision_letter.run(application.pk) == "skipped"
    assert len(mail.outbox) == 1
