"""The retention task: each rule erases what expired on the day, not a day earlier; receipts
keep their donor for six years after the end of their year of issue, and the database refuses
any other way of erasing it (triggers of finances 0006), on SQLite and PostgreSQL."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from finances import services
from finances.models import DonationLine, DonationRequest, Receipt
from finances.retention import retention_end
from occe.ops import retention as registry
from occe.ops.models import AccountDeactivation, RetentionRun
from occe.ops.tasks import retention
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory
from tests.finances.factories import DonationLineFactory, DonationRequestFactory, submitted_request

DAY_BEFORE, DAY_OF, DAY_AFTER = (
    datetime.date(2025, 12, 30),
    datetime.date(2025, 12, 31),
    datetime.date(2026, 1, 1),
)


@pytest.fixture
def receipt_2019(association, secretary, django_capture_on_commit_callbacks) -> Receipt:
    """A receipt issued in 2019, its PDF rendered: its retention ends on 31/12/2025."""
    with freeze_time("2019-06-14 10:00:00"):
        request = submitted_request(lines=1)
        DonationLine.objects.filter(request=request).update(
            email="claire.durand@exemple.fr", date=datetime.date(2019, 5, 2)
        )
        with django_capture_on_commit_callbacks(execute=True):
            (receipt,) = services.validate(request.pk, secretary)
    receipt.refresh_from_db()
    assert receipt.year == 2019 and receipt.pdf and receipt.email
    return receipt


def refused(action) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        action()


def test_the_retention_of_a_receipt_ends_six_years_after_its_year():
    assert retention_end(2019) == DAY_OF


def test_a_receipt_keeps_its_donor_until_the_day_after_its_retention_ends(
    receipt_2019, django_capture_on_commit_callbacks
):
    pdf = receipt_2019.pdf.name
    for day in (DAY_BEFORE, DAY_OF):
        assert retention(day.isoformat())["finances.donateurs"] == 0
        receipt_2019.refresh_from_db()
        assert receipt_2019.last_name.startswith("Durand") and receipt_2019.pdf

    with django_capture_on_commit_callbacks(execute=True):
        counts = retention(DAY_AFTER.isoformat())
    assert counts["finances.donateurs"] == 1
    receipt = Receipt.objects.get(pk=receipt_2019.pk)
    # What the law no longer requires is gone; what proves the numbering and the figures stays.
    assert (receipt.last_name, receipt.first_name, receipt.address, receipt.email) == ("",) * 4
    assert (receipt.postal_code, receipt.city, receipt.country) == ("",) * 3
    assert not receipt.pdf and not default_storage.exists(pdf)
    assert receipt.number.endswith("000001") and receipt.amount == Decimal("150.00")
    assert receipt.anonymised_on == DAY_AFTER and receipt.gifts
    line = DonationLine.objects.get(receipt=receipt)
    assert (line.last_name, line.email, line.donor_index) == ("", "", "")
    assert line.amount == Decimal("150.00") and line.date == datetime.date(2019, 5, 2)
    # Nor does the history keep a copy of the identity.
    assert not receipt.history.exclude(last_name="").exists()

    # Counts only are recorded; a second run erases nothing more.
    run = RetentionRun.objects.get(ran_on=DAY_AFTER)
    assert run.counts["finances.donateurs"] == 1
    assert retention(DAY_AFTER.isoformat())["finances.donateurs"] == 0


def test_the_database_refuses_any_other_erasure(receipt_2019):
    receipts = Receipt._base_manager.filter(pk=receipt_2019.pk)
    blank = dict(last_name="", first_name="", address="", postal_code="", city="", country="")
    # Without the anonymisation date, or before the retention ends: refused.
    refused(lambda: receipts.update(**blank, email=""))
    refused(lambda: receipts.update(**blank, email="", anonymised_on=DAY_OF))
    # A date in the future (to get round the limit): refused.
    refused(lambda: receipts.update(**blank, email="", anonymised_on=datetime.date(2099, 1, 1)))
    # The path writes empty values only, and changes nothing else.
    refused(lambda: receipts.update(**blank, email="x@y.fr", anonymised_on=DAY_AFTER))
    refused(lambda: receipts.update(**blank, email="", amount=1, anonymised_on=DAY_AFTER))
    refused(lambda: receipts.update(pdf="private/autre.pdf", anonymised_on=DAY_AFTER))
    # A receipted line keeps its donor while its receipt does.
    lines = DonationLine.objects.filter(receipt=receipt_2019)
    refused(lambda: lines.update(last_name="", email="", donor_index=""))

    receipts.update(**blank, email="", pdf="", cancelled_pdf="", anonymised_on=DAY_AFTER)
    # Once anonymised: final.
    refused(lambda: receipts.update(anonymised_on=None))
    refused(lambda: receipts.update(anonymised_on=DAY_AFTER + datetime.timedelta(days=1)))
    refused(lambda: receipts.update(last_name="Durand"))
    refused(lambda: receipts.update(pdf="private/nouveau.pdf"))
    # Now its lines may blank the same columns, and only to empty values.
    refused(lambda: lines.update(last_name="Autre"))
    refused(lambda: lines.update(last_name="", amount=1))
    lines.update(
        last_name="", first_name="", address="", postal_code="", city="", country="",
        email="", donor_index="",
    )  # fmt: skip
    # Raw SQL is held to the same rule.
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE finances_receipt SET number = 'X' WHERE id = %s", [receipt_2019.pk])


def test_gifts_of_requests_that_came_to_nothing_are_erased_after_a_year(db, settings):
    settings.RETENTION_UNRECEIPTED_GIFTS_DAYS = 365
    with freeze_time("2024-03-01 10:00:00"):
        rejected = DonationRequestFactory(
            status=DonationRequest.Status.REJECTED, decided_at=timezone.now()
        )
        DonationLineFactory(request=rejected, email="a@exemple.fr")
        submitted = submitted_request(lines=1)
    assert registry.apply_all(datetime.date(2025, 3, 1))["finances.dons-sans-recu"] == 0
    assert registry.apply_all(datetime.date(2025, 3, 2))["finances.dons-sans-recu"] == 1
    line = DonationLine.objects.get(request=rejected)
    assert (line.last_name, line.email) == ("", "") and line.amount == Decimal("150.00")
    # A request still waiting for its decision keeps its donors.
    assert DonationLine.objects.get(request=submitted).last_name


def test_unconfirmed_signups_are_deleted_after_30_days(db):
    with freeze_time("2025-01-10 09:00:00"):
        signed_up = UserFactory(verified_email=False, signed_up_at=timezone.now())
        confirmed = UserFactory(signed_up_at=timezone.now())
    rule = "accounts.inscriptions-non-confirmees"
    assert registry.apply_all(datetime.date(2025, 2, 9))[rule] == 0  # 30 days: the last one
    assert registry.apply_all(datetime.date(2025, 2, 10))[rule] == 1
    assert not type(signed_up).objects.filter(pk=signed_up.pk).exists()
    assert type(confirmed).objects.filter(pk=confirmed.pk).exists()


def test_unused_accounts_are_deactivated_after_two_years_then_anonymised(db):
    from cooperatives.models import Mandate

    with freeze_time("2023-01-15 09:00:00"):
        teacher = UserFactory(last_login=timezone.now())
        mandataire = UserFactory(mandataire=True, last_login=timezone.now())
        Mandate.objects.create(
            cooperative=CooperativeFactory(), user=mandataire, start_date=timezone.localdate()
        )
        staff = UserFactory(secretariat=True, last_login=timezone.now())
    rule = "accounts.comptes-inutilises"
    # 730 days after the last login: still open; the day after: closed.
    assert registry.apply_all(datetime.date(2025, 1, 14))[rule] == 0
    assert registry.apply_all(datetime.date(2025, 1, 15))[rule] == 1
    teacher.refresh_from_db()
    assert not teacher.is_active and teacher.email.startswith("utilisateur")
    assert AccountDeactivation.objects.get(user=teacher).deactivated_on == datetime.date(
        2025, 1, 15
    )
    # A current mandataire and the staff stay.
    mandataire.refresh_from_db()
    staff.refresh_from_db()
    assert mandataire.is_active and staff.is_active
    # A year later, still unused: anonymised.
    assert registry.apply_all(datetime.date(2026, 1, 14))[rule] == 0
    assert registry.apply_all(datetime.date(2026, 1, 15))[rule] == 1
    teacher.refresh_from_db()
    assert teacher.email == f"anonyme-{teacher.pk}@anonyme.invalid"
    assert teacher.last_name == "Compte anonymisé" and not teacher.first_name
    assert not teacher.has_usable_password()


def test_the_task_is_scheduled_monthly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["ops-retention"]
    assert entry["task"] == "occe.ops.tasks.retention"
    assert entry["schedule"].day_of_month == {1}


def test_every_rule_says_what_why_and_how_long():
    keys = {rule.key for rule in registry.rules()}
    assert {"finances.donateurs", "accounts.comptes-inutilises", "core.fichiers-importes"} <= keys
    assert all(rule.label and rule.purpose and rule.duration for rule in registry.rules())


def test_the_command_runs_the_rules_in_process_and_the_staff_sees_the_runs(client, secretary):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("retention", "--date", "2026-01-01", stdout=out)
    assert "finances.donateurs : 0" in out.getvalue()
    client.force_login(secretary)
    page = client.get(reverse("ops:person")).content.decode()
    assert "1 janvier 2026" in page and "rien à effacer" in page


def test_a_receipt_anonymised_meanwhile_is_left_out_not_refused(receipt_2019):
    """A person's request and the monthly run may race: the later one skips the row."""
    from finances.retention import _anonymise

    assert _anonymise([receipt_2019.pk], DAY_AFTER) == 1
    assert _anonymise([receipt_2019.pk], DAY_AFTER) == 0


def test_trousse_exports_are_forgotten_after_30_days(secretary):
    from finances.models import TrousseImport

    with freeze_time("2025-03-01 10:00:00"):
        rows = [["Durand", "Claire", "claire@exemple.fr", "50"]]
        unmapped = TrousseImport.objects.create(headers=["nom"], rows=rows, created_by=secretary)
        mapped = TrousseImport.objects.create(
            headers=["nom"], rows=rows, created_by=secretary, request=DonationRequestFactory()
        )
    rule = "finances.exports-trousse"
    assert registry.apply_all(datetime.date(2025, 3, 31))[rule] == 0
    assert registry.apply_all(datetime.date(2025, 4, 1))[rule] == 2
    assert not TrousseImport.objects.filter(pk=unmapped.pk).exists()
    mapped.refresh_from_db()
    assert mapped.rows == [] and mapped.request_id
