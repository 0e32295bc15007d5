"""A person's data: the notice, the export (a job: JSON + the PDFs), the anonymisation on
request (what no legal duty keeps), both recorded; the login audit read by the president."""

import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from finances import services
from finances.models import DonationLine, Receipt
from occe.core.models import Job
from occe.ops.models import LoginEvent, PersonAction
from tests.accounts.factories import PASSWORD, UserFactory
from tests.finances.factories import DonationLineFactory, DonationRequestFactory, submitted_request

DONOR = "claire.durand@exemple.fr"


@pytest.fixture
def donor_receipt(association, secretary, django_capture_on_commit_callbacks) -> Receipt:
    request = submitted_request(lines=1)
    DonationLine.objects.filter(request=request).update(email=DONOR)
    with django_capture_on_commit_callbacks(execute=True):
        (receipt,) = services.validate(request.pk, secretary)
    receipt.refresh_from_db()
    return receipt


def test_the_notice_is_public_and_linked_in_the_footer(client, db):
    response = client.get(reverse("ops:personal_data"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Identité des donateurs (reçus fiscaux)" in page
    assert "6 ans après la fin de l&#x27;année d&#x27;émission" in page
    assert "CNIL" in page
    home = client.get(reverse("account_login")).content.decode()
    assert reverse("ops:personal_data") in home


def test_the_secretariat_exports_everything_about_a_person(
    client, secretary, donor_receipt, django_capture_on_commit_callbacks
):
    teacher = UserFactory(email=DONOR, phone="06 12 34 56 78")
    client.force_login(secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ops:person"),
            {"email": DONOR, "reason": "courriel du 3 mars", "action": "export"},
        )
    assert response.status_code == 302
    action = PersonAction.objects.get()
    assert (action.kind, action.subject, action.done_by) == ("export", DONOR, secretary)
    job = Job.objects.get(pk=action.job_id)
    assert job.status == Job.Status.DONE and job.user == secretary
    download = client.get(reverse("core:job_file", args=[job.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    data = json.loads(archive.read("donnees.json"))
    account = data["compte"]["compte"][0]
    assert account["email"] == DONOR and account["phone"] == "06 12 34 56 78"
    assert "password" not in account
    assert any(key.startswith("account.emailaddress") for key in data["compte"])
    (receipt,) = [row["reçu"] for row in data["dons"] if "reçu" in row]
    assert receipt["number"] == donor_receipt.number and receipt["last_name"].startswith("Durand")
    pdf = archive.read(f"recus/{donor_receipt.number}.pdf")
    assert pdf.startswith(b"%PDF") and pdf == donor_receipt.pdf.read()
    action.refresh_from_db()
    assert action.counts["fichiers"] == 1
    assert teacher.pk == account["id"]


def test_an_export_includes_rows_that_refer_to_the_account_without_a_reverse_name(
    secretary, donor_receipt
):
    from occe.ops.privacy import collect

    data, files = collect(secretary.email)
    issued = data["compte"]["finances.receipt (issued_by)"]
    assert [row["number"] for row in issued] == [donor_receipt.number]
    assert not files  # the PDFs are the donor's, not the secretary's


def test_anonymisation_erases_what_no_legal_duty_keeps(
    client, secretary, donor_receipt, django_capture_on_commit_callbacks
):
    teacher = UserFactory(email=DONOR)
    rejected = DonationRequestFactory(status="rejected", decided_at=timezone.now())
    DonationLineFactory(request=rejected, email=DONOR)
    client.force_login(secretary)
    # Without the confirmation: nothing happens.
    response = client.post(reverse("ops:person"), {"email": DONOR, "action": "anonymise"})
    assert response.status_code == 200 and "Cochez cette case" in response.content.decode()
    response = client.post(
        reverse("ops:person"),
        {"email": DONOR, "action": "anonymise", "confirm": "on", "reason": "lettre"},
        follow=True,
    )
    page = response.content.decode()
    teacher.refresh_from_db()
    assert teacher.email == f"anonyme-{teacher.pk}@anonyme.invalid" and not teacher.is_active
    assert DonationLine.objects.get(request=rejected).last_name == ""
    # The receipt is a tax document for six years: its donor stays, and the page says until when.
    donor_receipt.refresh_from_db()
    assert donor_receipt.last_name.startswith("Durand") and donor_receipt.pdf
    year_end = f"31/12/{donor_receipt.year + 6}"
    assert year_end in page
    action = PersonAction.objects.get()
    assert action.counts["compte"] == 1 and action.counts["dons"] == 1
    assert year_end in action.counts["conserve"][0]


def test_the_association_records_are_exported_and_kept(secretary, db):
    from occe.association.models import Person
    from occe.ops.privacy import anonymise_person, collect

    Person.objects.create(first_name="Anne", last_name="Leroy", email="anne@exemple.fr")
    data, _ = collect("anne@exemple.fr")
    assert data["vie associative"][0]["personne"]["last_name"] == "Leroy"
    action = anonymise_person("anne@exemple.fr", secretary)
    assert "archives de l'association" in action.counts["conserve"][0]
    assert Person.objects.get().last_name == "Leroy"


def test_a_staff_account_is_not_anonymised(client, secretary):
    colleague = UserFactory(animation=True)
    client.force_login(secretary)
    client.post(
        reverse("ops:person"), {"email": colleague.email, "action": "anonymise", "confirm": "on"}
    )
    colleague.refresh_from_db()
    assert colleague.is_active and colleague.email.startswith("utilisateur")
    assert "rôle" in PersonAction.objects.get().counts["conserve"][0]


def test_who_may_handle_a_persons_data(client, db):
    president = UserFactory(signataire=True)
    for user, status in [
        (president, 200),
        (UserFactory(administrateur=True), 403),
        (UserFactory(animation=True), 403),
        (UserFactory(mandataire=True), 403),
    ]:
        client.force_login(user)
        assert client.get(reverse("ops:person")).status_code == status


def test_logins_are_audited_for_the_president_only(client, db):
    teacher = UserFactory(email="enseignante@exemple.fr")
    login = reverse("account_login")
    client.post(login, {"login": teacher.email, "password": "mauvais"})
    client.post(login, {"login": "inconnu@ailleurs.fr", "password": "mauvais"})
    client.post(login, {"login": teacher.email, "password": PASSWORD})
    events = list(LoginEvent.objects.order_by("pk").values_list("outcome", "user", "identifier"))
    assert events == [
        ("failure", teacher.pk, ""),
        ("failure", None, "…@ailleurs.fr"),  # an unknown address: its domain only
        ("success", teacher.pk, ""),
    ]
    assert all(event.ip == "127.0.0.1" for event in LoginEvent.objects.all())

    client.force_login(UserFactory(administrateur=True))
    assert client.get(reverse("ops:login_audit")).status_code == 403
    client.force_login(UserFactory(signataire=True))
    response = client.get(reverse("ops:login_audit") + "?resultat=failure")
    assert response.status_code == 200
    page = response.content.decode()
    assert "…@ailleurs.fr" in page and page.count("<strong>Échec</strong>") == 2


def test_the_demo_fills_the_login_audit_and_runs_the_retention(db):
    from io import StringIO

    from django.core.management import call_command

    from occe.ops.models import RetentionRun

    out = StringIO()
    call_command("demo_data", "--scale", "test", "--seed", "3", stdout=out)
    assert "Données personnelles" in out.getvalue()
    assert LoginEvent.objects.filter(outcome="failure").exists()
    assert LoginEvent.objects.filter(outcome="success").count() > 20
    assert RetentionRun.objects.count() == 1
