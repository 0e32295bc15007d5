"""The CRFS: checks and flags at their boundaries, the form (French amounts, bounds, the
statement checked by its content), the workflow and who reaches what."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from PIL import Image

from finances.forms_crfs import CrfsForm
from finances.models import Crfs, CrfsCategory, Reason, last_crfs_balance
from finances.models.crfs import BALANCE_FIELDS
from finances.services import crfs as services
from finances.services.errors import WorkflowError
from occe.core.models import Association
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import AffiliationFactory, CooperativeFactory

from .factories_crfs import CrfsFactory, last_year

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def thresholds(db):
    association = Association.get()
    association.control_high_balance = Decimal("15000.00")
    association.control_gap = Decimal("200.00")
    association.save()
    return association


def check(crfs, key):
    return next(c for c in crfs.checks(previous=None) if c.key == key)


def reasons(crfs):
    return [flag.reason for flag in crfs.flags()]


# --- Checks and flags at their boundaries ---------------------------------------------------


def test_balanced_report_has_no_flag(thresholds):
    crfs = CrfsFactory(submitted=True)
    assert all(c.ok for c in crfs.checks(previous=None))
    assert crfs.flags() == []


def test_balance_check_is_to_the_cent(thresholds):
    crfs = CrfsFactory.build(
        opening_balance=Decimal("100.00"),
        income_total=Decimal("50.00"),
        expense_total=Decimal("30.00"),
        closing_balance=Decimal("120.01"),
    )
    result = check(crfs, "equilibre")
    assert not result.ok
    assert "0,01" in result.message
    crfs.closing_balance = Decimal("120.00")
    assert check(crfs, "equilibre").ok


@pytest.mark.parametrize(
    ("bank", "flagged"),
    [(Decimal("15000.00"), False), (Decimal("15000.01"), True)],
)
def test_high_balance_flag_at_threshold(thresholds, bank, flagged):
    crfs = CrfsFactory(
        submitted=True, closing_balance=bank, bank_balance=bank, pending_amount=Decimal("0")
    )
    assert (Reason.HIGH_BALANCE in reasons(crfs)) is flagged
    assert check(crfs, "solde").ok is not flagged
    assert Crfs.objects.flagged(Reason.HIGH_BALANCE).filter(pk=crfs.pk).exists() is flagged


@pytest.mark.parametrize(
    ("bank", "flagged"),
    [
        (Decimal("1600.00"), False),  # books 1 800 − bank 1 600 + 0 = 200: exactly the threshold
        (Decimal("1599.99"), True),  # 200,01: one cent over
        (Decimal("2000.00"), False),  # the other way round, exactly
        (Decimal("2000.01"), True),
    ],
)
def test_bank_gap_flag_at_threshold(thresholds, bank, flagged):
    crfs = CrfsFactory(
        submitted=True,
        closing_balance=Decimal("1800.00"),
        bank_balance=bank,
        pending_amount=Decimal("0"),
    )
    assert (Reason.BANK_GAP in reasons(crfs)) is flagged
    assert Crfs.objects.flagged(Reason.BANK_GAP).filter(pk=crfs.pk).exists() is flagged


def test_pending_operations_explain_the_gap(thresholds):
    crfs = CrfsFactory(
        submitted=True,
        closing_balance=Decimal("1000.00"),
        bank_balance=Decimal("1900.00"),
        pending_amount=Decimal("900.00"),  # cheques written, not yet cashed
    )
    assert crfs.gap == Decimal("0.00")
    assert Reason.BANK_GAP not in reasons(crfs)


def test_paper_and_no_quitus_flags(thresholds):
    crfs = CrfsFactory(submitted=True, format=Crfs.Format.PAPER, quitus=False, quitus_date=None)
    assert reasons(crfs) == [Reason.PAPER, Reason.NO_QUITUS]
    assert not check(crfs, "quitus").ok
    for reason in (Reason.PAPER, Reason.NO_QUITUS):
        assert list(Crfs.objects.flagged(reason)) == [crfs]


def test_a_draft_is_never_flagged(thresholds):
    crfs = CrfsFactory(format=Crfs.Format.PAPER, quitus=False, quitus_date=None)
    assert crfs.flags() == []
    assert not Crfs.objects.any_flag().exists()


def test_thresholds_come_from_the_association_settings(thresholds):
    crfs = CrfsFactory(submitted=True, bank_balance=Decimal("5000.00"))
    assert Reason.HIGH_BALANCE not in reasons(crfs)
    thresholds.control_high_balance = Decimal("4999.99")
    thresholds.save()
    assert Reason.HIGH_BALANCE in reasons(crfs)


@pytest.mark.parametrize(
    ("offset", "ok"),
    [(-1, False), (0, True), (122, True), (123, False)],
)
def test_approval_date_inside_the_year_or_shortly_after(thresholds, offset, ok):
    year = last_year()
    day = year.start_date if offset <= 0 else year.end_date
    crfs = CrfsFactory.build(school_year=year, approval_date=day + datetime.timedelta(offset))
    assert check(crfs, "approbation").ok is ok


def test_opening_differs_from_last_closing_is_a_warning(thresholds):
    coop = CooperativeFactory()
    year = last_year()
    CrfsFactory(cooperative=coop, school_year=year.previous(), accepted=True)
    crfs = CrfsFactory(cooperative=coop, school_year=year, opening_balance=Decimal("1.00"))
    warning = next(c for c in crfs.checks() if c.key == "ouverture")
    assert warning.warning and not warning.ok
    assert "1 800,25" in warning.message.replace("\u202f", " ").replace("\xa0", " ")


def test_last_balance_for_other_parts_of_finances(thresholds):
    coop = CooperativeFactory()
    year = last_year()
    assert Crfs.objects.last_balance(coop) is None
    CrfsFactory(cooperative=coop, school_year=year.previous(), accepted=True)
    CrfsFactory(cooperative=coop, school_year=year, closing_balance=Decimal("9.99"))  # draft
    assert Crfs.objects.last_balance(coop) == Decimal("1800.25")
    # What the grants commission and the solidarity form read.
    assert last_crfs_balance(coop) == Decimal("1800.25")
    other = CooperativeFactory()
    assert Crfs.objects.last_balances([coop.pk, other.pk]) == {coop.pk: Decimal("1800.25")}


# --- Database bounds ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", Crfs.AMOUNT_FIELDS)
def test_amounts_are_bounded_in_the_database(db, field):
    # A balance may be overdrawn down to −1 000 000 €; the other amounts are never negative.
    lowest = Decimal("-1000000.00") if field in BALANCE_FIELDS else Decimal("0")
    CrfsFactory(**{field: lowest})
    with pytest.raises(IntegrityError), transaction.atomic():
        CrfsFactory(**{field: lowest - Decimal("0.01")})


def test_one_report_per_coop_and_year(db):
    crfs = CrfsFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CrfsFactory(cooperative=crfs.cooperative, school_year=crfs.school_year)


# --- The form ----------------------------------------------------------------------------------


def form_data(**overrides):
    categories = list(CrfsCategory.objects.ensure_defaults())
    income = next(c for c in categories if c.kind == "produit")
    expense = next(c for c in categories if c.kind == "charge")
    data = {
        "format": "en_ligne",
        "opening_balance": "1 500,00",
        f"cat_{income.pk}": "4 200,50",
        f"cat_{expense.pk}": "3900.25",
        "closing_balance": "1 800,25",
        "bank_balance": "1850,25",
        "pending_amount": "50",
        "approval_date": "2025-10-10",
        "verifier1_name": "Paul Martin",
        "verifier1_quality": "enseignant",
        "verifier2_name": "Léa Bernard",
        "verifier2_quality": "parent",
        "quitus": "on",
        "quitus_date": "2025-10-10",
    }
    data.update(overrides)
    return data


def new_form(user, data, files=None, coop=None):
    crfs = Crfs(cooperative=coop or CooperativeFactory(), school_year=last_year())
    return CrfsForm(data, files, instance=crfs, user=user)


def test_form_reads_french_amounts_and_sums_categories(db):
    user = UserFactory(mandataire=True)
    form = new_form(user, form_data())
    assert form.is_valid(), form.errors
    crfs = form.save()
    assert crfs.opening_balance == Decimal("1500.00")
    assert crfs.income_total == Decimal("4200.50")
    assert crfs.expense_total == Decimal("3900.25")
    assert crfs.lines.count() == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10 000 000,00", "ne peut pas dépasser"),
        ("-1 000 000,01", "au moins -1"),
        ("−1 000 000,01", "au moins -1"),
        ("1.234,5", "ambigu"),
        ("-1.234,5", "ambigu"),
        ("abc", "illisible"),
        ("--5", "illisible"),
    ],
)
def test_form_refuses_bad_amounts_in_french(db, value, message):
    form = new_form(UserFactory(mandataire=True), form_data(bank_balance=value))
    assert not form.is_valid()
    assert message in form.errors["bank_balance"][0].replace("\u00a0", " ")


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("-1 234,56", Decimal("-1234.56")),
        ("−12,00", Decimal("-12.00")),  # the true minus sign (U+2212)
        ("-1\u202f000\u202f000,00", Decimal("-1000000.00")),  # the lowest accepted
        ("9 999 999,99", Decimal("9999999.99")),  # the highest
    ],
)
def test_form_accepts_overdrawn_balances(db, value, amount):
    data = form_data(opening_balance=value, closing_balance=value, bank_balance=value)
    form = new_form(UserFactory(mandataire=True), data)
    assert form.is_valid(), form.errors
    crfs = form.save()
    crfs.refresh_from_db()
    assert crfs.opening_balance == crfs.closing_balance == crfs.bank_balance == amount


@pytest.mark.parametrize("field", ["pending_amount", "category"])
@pytest.mark.parametrize("value", ["-5", "−12,00", "-0,01"])
def test_form_refuses_negative_amounts_other_than_balances(db, field, value):
    if field == "category":
        field = f"cat_{CrfsCategory.objects.ensure_defaults().first().pk}"
    form = new_form(UserFactory(mandataire=True), form_data(**{field: value}))
    assert not form.is_valid()
    assert "supérieur à zéro" in form.errors[field][0]


def test_overdrawn_report_is_checked_not_corrected(thresholds):
    crfs = CrfsFactory(
        submitted=True,
        opening_balance=Decimal("-50.00"),
        income_total=Decimal("100.00"),
        expense_total=Decimal("300.00"),
        closing_balance=Decimal("-250.00"),
        bank_balance=Decimal("-250.00"),
        pending_amount=Decimal("0"),
    )
    assert check(crfs, "equilibre").ok and check(crfs, "ecart").ok
    assert Reason.HIGH_BALANCE not in reasons(crfs)
    page_amount = check(crfs, "equilibre").message.replace("\u00a0", " ")
    assert "-250,00 €" in page_amount


def test_form_keeps_quitus_and_its_date_consistent(db):
    form = new_form(UserFactory(mandataire=True), form_data(quitus_date=""))
    assert not form.is_valid()
    assert "date du quitus" in form.errors["quitus_date"][0]


def test_only_the_secretariat_records_a_paper_report(db):
    form = new_form(UserFactory(mandataire=True), form_data(format="papier"))
    assert not form.is_valid() and "format" in form.errors
    form = new_form(UserFactory(secretariat=True), form_data(format="papier"))
    assert form.is_valid(), form.errors


def png_bytes() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (10, 10), "white").save(output, format="PNG")
    return output.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("releve.pdf", PDF, True),
        ("releve.png", None, True),
        ("releve.pdf", b"MZ\x90\x00 not a pdf at all", False),  # an executable named .pdf
        ("releve.pdf", b"%PDF-1.4 truncated", False),
        ("releve.jpg", b"GIF89a" + b"\x00" * 20, False),
    ],
)
def test_statement_checked_by_content(db, name, content, ok):
    upload = SimpleUploadedFile(name, content if content is not None else png_bytes())
    form = new_form(UserFactory(mandataire=True), form_data(), {"statement": upload})
    assert form.is_valid() is ok, form.errors


def test_statement_size_is_limited(db):
    big = PDF + b"0" * (5 * 1024 * 1024) + b"%%EOF"
    upload = SimpleUploadedFile("releve.pdf", big)
    form = new_form(UserFactory(mandataire=True), form_data(), {"statement": upload})
    assert not form.is_valid()
    assert "5 Mo" in form.errors["statement"][0]


# --- Workflow and access ------------------------------------------------------------------------


def test_mandataire_fills_in_submits_and_the_secretariat_accepts(world, client):
    mandataire = world.users["mandataire"]
    year = last_year()
    client.force_login(mandataire)
    url = reverse("finances:crfs_edit", args=[world.own_coop.pk, year.label])
    data = form_data(statement=SimpleUploadedFile("releve.pdf", PDF))
    response = client.post(url, data)
    crfs = Crfs.objects.get(cooperative=world.own_coop, school_year=year)
    assert response.status_code == 302
    assert crfs.status == Crfs.Status.DRAFT and crfs.statement
    response = client.post(reverse("finances:crfs_submit", args=[crfs.pk]), {})
    crfs.refresh_from_db()
    assert crfs.status == Crfs.Status.DRAFT  # no engagement ticked
    client.post(reverse("finances:crfs_submit", args=[crfs.pk]), {"engagement": "on"})
    crfs.refresh_from_db()
    assert crfs.status == Crfs.Status.SUBMITTED and crfs.submitted_by == mandataire
    assert client.get(url).status_code == 403  # no more changes once sent

    client.force_login(world.users["secretariat"])
    client.post(reverse("finances:crfs_accept", args=[crfs.pk]))
    crfs.refresh_from_db()
    assert crfs.status == Crfs.Status.ACCEPTED


def test_submission_needs_the_statement(world):
    crfs = CrfsFactory(cooperative=world.own_coop)
    with pytest.raises(WorkflowError, match="relevé"):
        services.submit(crfs, world.users["mandataire"])


def test_send_back_then_resubmit(world):
    crfs = CrfsFactory(cooperative=world.own_coop, submitted=True)
    crfs = services.send_back(crfs, world.users["secretariat"], "Le quitus n'est pas signé")
    assert crfs.status == Crfs.Status.TO_CORRECT
    assert crfs.can_be_edited_by(world.users["mandataire"])
    crfs.statement = SimpleUploadedFile("releve.pdf", PDF)
    crfs.save()
    crfs = services.submit(crfs, world.users["mandataire"])
    assert crfs.status == Crfs.Status.SUBMITTED and crfs.correction_reason == ""


def test_board_cannot_accept(world):
    crfs = CrfsFactory(cooperative=world.own_coop, submitted=True)
    with pytest.raises(WorkflowError):
        services.accept(crfs, world.users["administrateur"])


def test_other_coops_report_is_a_404(world, client):
    crfs = CrfsFactory(cooperative=world.other_coop, submitted=True)
    client.force_login(world.users["mandataire"])
    assert client.get(reverse("finances:crfs_detail", args=[crfs.pk])).status_code == 404
    url = reverse("finances:crfs_edit", args=[world.other_coop.pk, crfs.school_year.label])
    assert client.get(url).status_code == 404


def test_secretariat_types_in_a_paper_report(world, client):
    client.force_login(world.users["secretariat"])
    year = last_year()
    url = reverse("finances:crfs_edit", args=[world.other_coop.pk, year.label])
    response = client.get(url)
    assert 'value="papier" checked' in response.content.decode().replace("\n", " ") or (
        response.context["form"].instance.format == "papier"
    )
    client.post(url, form_data(format="papier"))
    crfs = Crfs.objects.get(cooperative=world.other_coop, school_year=year)
    services.submit(crfs, world.users["secretariat"])  # no statement needed: paper form
    crfs.refresh_from_db()
    assert crfs.flags()[0].reason == Reason.PAPER


def test_mandataire_list_shows_only_own_reports(world, client):
    CrfsFactory(cooperative=world.own_coop, submitted=True)
    CrfsFactory(cooperative=world.other_coop, submitted=True)
    client.force_login(world.users["mandataire"])
    response = client.get(reverse("finances:crfs_list"))
    assert [c.cooperative for c in response.context["reports"]] == [world.own_coop]


def test_secretariat_list_filters_by_flag_and_pins_its_queries(
    world, client, thresholds, django_assert_max_num_queries
):
    paper = CrfsFactory(format=Crfs.Format.PAPER, submitted=True)
    for _ in range(5):
        CrfsFactory(submitted=True)
    client.force_login(world.users["secretariat"])
    url = reverse("finances:crfs_list")
    response = client.get(url, {"motif": "papier"})
    assert [c.pk for c in response.context["page"]] == [paper.pk]
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for _ in range(10):
        CrfsFactory(submitted=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_campaign_counts(world, thresholds):
    year = last_year()
    AffiliationFactory(cooperative=world.own_coop, school_year=year, validated=True)
    AffiliationFactory(cooperative=world.other_coop, school_year=year, validated=True)
    crfs = CrfsFactory(cooperative=world.own_coop, school_year=year, accepted=True)
    from finances.models import due_date

    crfs.submitted_at = datetime.datetime.combine(
        due_date(year) + datetime.timedelta(days=1), datetime.time(12), tzinfo=datetime.UTC
    )
    crfs.save()
    before = services.campaign_figures(year, today=due_date(year))
    assert before == {"expected": 2, "received": 1, "accepted": 1, "late": None}
    after = services.campaign_figures(year, today=due_date(year) + datetime.timedelta(days=2))
    assert after["late"] == 2  # one received late, one still missing


@pytest.mark.django_db(transaction=True)
def test_campaign_reminders_in_the_background(world, client, mailoutbox):
    from finances.models import CrfsReminder

    year = last_year()
    AffiliationFactory(cooperative=world.own_coop, school_year=year, validated=True)
    AffiliationFactory(cooperative=world.other_coop, school_year=year, validated=True)
    CrfsFactory(cooperative=world.other_coop, school_year=year, submitted=True)
    client.force_login(world.users["secretariat"])
    url = reverse("finances:crfs_campaign_remind")
    client.post(url, {"annee": year.label})
    assert [m.to for m in mailoutbox] == [[world.users["mandataire"].email]]
    assert "Compte rendu financier" in mailoutbox[0].subject
    client.post(url, {"annee": year.label})  # the same day again: nobody twice
    assert len(mailoutbox) == 1
    assert CrfsReminder.objects.get().cooperative == world.own_coop
    page = client.get(reverse("finances:crfs_campaign"), {"annee": year.label})
    # After the due date the list is the late coops: the one still missing (reminded once)
    # and the one whose report came after the due date (never reminded).
    late = {coop: coop for coop in page.context["page"]}
    assert set(late) == {world.own_coop, world.other_coop}
    assert late[world.own_coop].reminders == 1 and late[world.own_coop].received_at is None
    assert late[world.other_coop].reminders == 0 and late[world.other_coop].received_at
    assert page.context["job"].status == "done"


def test_categories_kept_as_a_setting(world, client):
    client.force_login(world.users["secretariat"])
    url = reverse("finances:crfs_categories")
    formset = client.get(url).context["formset"]
    assert len(formset.forms) == 16 + 2  # OCCE's usual categories and two blank lines
    data = {
        "form-TOTAL_FORMS": "17",
        "form-INITIAL_FORMS": "16",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "60",
    }
    for index, form in enumerate(formset.forms[:16]):
        category = form.instance
        data.update(
            {
                f"form-{index}-id": category.pk,
                f"form-{index}-kind": category.kind,
                f"form-{index}-label": category.label,
                f"form-{index}-account_code": category.account_code,
                f"form-{index}-order": category.order,
                f"form-{index}-active": "on",
            }
        )
    data.update(
        {
            "form-16-kind": "produit",
            "form-16-label": "Kermesse",
            "form-16-order": "20",
            "form-16-active": "on",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["formset"].errors
    assert CrfsCategory.objects.filter(label="Kermesse", active=True).exists()
    client.force_login(world.users["administrateur"])
    assert client.post(url, data).status_code == 403


def test_a_report_covers_a_closed_year_only(world, client):
    from occe.core.models import SchoolYear

    client.force_login(world.users["mandataire"])
    current = SchoolYear.objects.current()
    url = reverse("finances:crfs_edit", args=[world.own_coop.pk, current.label])
    assert client.get(url).status_code == 404


def test_two_first_saves_keep_one_report(world, client, monkeypatch):
    year = last_year()
    client.force_login(world.users["mandataire"])
    url = reverse("finances:crfs_edit", args=[world.own_coop.pk, year.label])
    page = client.get(url)
    assert page.status_code == 200
    # Meanwhile the secretariat types in the paper form of the same coop and year.
    CrfsFactory(cooperative=world.own_coop, school_year=year, format="papier")
    # The view looked before the other save: it believes there is no report yet.
    first = Crfs.objects.filter
    monkeypatch.setattr(
        Crfs.objects,
        "filter",
        lambda *a, **k: first(*a, **k).none() if "school_year" in k else first(*a, **k),
    )
    response = client.post(url, form_data(), follow=True)
    assert "être créé pour cette coopérative" in response.content.decode()
    assert Crfs.objects.count() == 1


def test_secretariat_types_in_a_missing_report_from_the_campaign(world, client):
    year = last_year()
    AffiliationFactory(cooperative=world.own_coop, school_year=year, validated=True)
    client.force_login(world.users["secretariat"])
    page = client.get(reverse("finances:crfs_campaign"), {"annee": year.label}).content.decode()
    assert reverse("finances:crfs_edit", args=[world.own_coop.pk, year.label]) in page
    client.force_login(world.users["administrateur"])
    page = client.get(reverse("finances:crfs_campaign"), {"annee": year.label}).content.decode()
    assert reverse("finances:crfs_edit", args=[world.own_coop.pk, year.label]) not in page
