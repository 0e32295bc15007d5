"""Validation, numbering, immutability, cancellation, rendering of the receipts."""

import datetime
import io
import threading
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models.signals import post_init
from django.test import RequestFactory
from django.utils import timezone
from pypdf import PdfReader

from finances import services, tasks
from finances.forms import LINE_FIELDS
from finances.models import (
    DONOR_FIELDS,
    ISSUED_FIELDS,
    DonationLine,
    DonationRequest,
    Receipt,
    ReceiptCounter,
)
from finances.registers import Period, figures, numbering_check
from occe.core.jobs import GENERIC_ERROR
from occe.core.models import Job
from tests.accounts.factories import UserFactory
from tests.finances.factories import (
    DonationLineFactory,
    DonationRequestFactory,
    ReceiptFactory,
    recent,
    submitted_request,
)

# Every statement of Cerfa 11580*05 (2023) that a receipt of our own layout must carry.
MANDATORY_STATEMENTS = [
    "Cerfa n° 11580*05",
    "Reçu des dons et versements effectués par les particuliers au titre des articles 200 et "
    "978 du code général des impôts",
    "Numéro d'ordre du reçu",
    "Bénéficiaire des versements",
    "Association ou fondation reconnue d'utilité publique par décret en date du",
    "publié au Journal officiel du",
    "Œuvre ou organisme d'intérêt général",
    "Donateur",
    "Le bénéficiaire reconnaît avoir reçu au titre des dons et versements ouvrant droit à "
    "réduction d'impôt, la somme de (1) :",
    "Somme en toutes lettres :",
    "Date du versement ou du don :",
    "Le bénéficiaire certifie sur l'honneur que les dons et versements qu'il reçoit ouvrent "
    "droit à la réduction d'impôt prévue à l'article (2) :",
    "200 du CGI",
    "978 du CGI",
    "Forme du don :",
    "Acte authentique",
    "Acte sous seing privé",
    "Déclaration de don manuel",
    "Nature du don (3) :",
    "Numéraire",
    "Titres de sociétés cotés",
    "Abandon exprès de revenus ou de produits",
    "Frais engagés par les bénévoles, dont ils renoncent expressément au remboursement",
    "Autres (dons en nature) (4)",
    "En cas de don en numéraire, mode de versement du don :",
    "Remise d'espèces",
    "Chèque",
    "Virement, prélèvement, carte bancaire",
    "Date et signature",
    "(1) Pour les dons de titres de sociétés cotées et les dons en nature",
    "(2) L'organisme bénéficiaire peut cocher une ou plusieurs cases",
    "article 1740 A du code général des impôts",
    "(3) La réduction d'impôt sur la fortune immobilière ne s'applique qu'aux dons en numéraire",
    "(4) Notamment les dons en nature.",
]


def pdf_text(receipt: Receipt) -> str:
    """The text of the PDF a user downloads (once cancelled: the copy marked « ANNULÉ »)."""
    receipt.refresh_from_db()
    with receipt.served_pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\u2019", "'").split())


def validate(request, user, capture):
    with capture(execute=True):
        return services.validate(request.pk, user)


def test_validation_issues_consecutive_numbers_and_renders_pdfs(
    association, secretary, django_capture_on_commit_callbacks
):
    association.receipt_number_prefix = "92-"
    association.save()
    first = submitted_request(lines=2)
    second = submitted_request(lines=3)
    year = datetime.date.today().year

    receipts = validate(first, secretary, django_capture_on_commit_callbacks)
    receipts += validate(second, secretary, django_capture_on_commit_callbacks)

    assert [r.number for r in receipts] == [f"92-{year}-{n:06d}" for n in range(1, 6)]
    assert ReceiptCounter.objects.get(year=year).last_number == 5
    assert all(r.pdf for r in Receipt.objects.all())
    job = second.render_job()
    assert (job.done, job.total, job.status) == (3, 3, Job.Status.DONE) and job.finished_at
    first.refresh_from_db()
    assert first.status == DonationRequest.Status.VALIDATED
    assert numbering_check(year).ok


def test_individual_receipt_has_every_mandatory_statement(
    association, secretary, django_capture_on_commit_callbacks
):
    request = DonationRequestFactory(submitted=True)
    DonationLineFactory(
        request=request,
        last_name="Lefèvre",
        first_name="Anne-Sophie",
        amount=Decimal("280.00"),
        date=recent(10),
    )
    (receipt,) = validate(request, secretary, django_capture_on_commit_callbacks)

    text = pdf_text(receipt)
    for statement in MANDATORY_STATEMENTS:
        assert statement in text, statement
    # Article 238 bis is the companies' (Cerfa 16216*01), never on an individual's receipt.
    assert "238 bis" not in text and "entreprise" not in text.lower()
    assert "Reçu au titre des dons à certains organismes d'intérêt général" not in text
    assert receipt.number in text
    assert "*** 280,00 € ***" in text
    assert "deux cent quatre-vingts euros" in text
    assert "Lefèvre" in text and "Anne-Sophie" in text
    assert "775671878" in text and "W922001234" in text
    assert "☒ 200 du CGI" in text
    assert "☒ Déclaration de don manuel" in text and "☒ Chèque" in text
    assert "Marie Dupont" in text and "Présidente" in text


def test_company_receipt_follows_cerfa_16216(
    association, secretary, django_capture_on_commit_callbacks
):
    request = DonationRequestFactory(submitted=True)
    DonationLineFactory(
        request=request, company=True, company_name="Boulangerie Martin", amount=Decimal("1000")
    )
    (receipt,) = validate(request, secretary, django_capture_on_commit_callbacks)

    text = pdf_text(receipt)
    assert "Cerfa n° 16216*01" in text
    assert (
        "Reçu des dons et versements effectués par les entreprises au titre de l'article 238 bis "
        "du code général des impôts" in text
    )
    assert "Entreprise donatrice" in text
    assert "Boulangerie Martin" in text and "N° SIREN : 552081317" in text
    assert "Forme juridique : SARL" in text
    assert "☒ 238 bis du CGI" in text
    # Only article 238 bis; nothing of the individuals' form.
    assert "200 du CGI" not in text and "978" not in text
    assert "particuliers" not in text and "Prénoms" not in text
    assert "Reçu au titre des dons à certains organismes d'intérêt général" not in text
    assert "bénévoles" not in text
    assert "mille euros" in text


def test_annual_summary_receipt_groups_a_donors_gifts(
    association, secretary, django_capture_on_commit_callbacks
):
    request = DonationRequestFactory(submitted=True, group_by_donor=True)
    day = recent(40)
    for days, amount in [(0, "20.50"), (1, "30.00")]:
        DonationLineFactory(
            request=request,
            last_name="Petit",
            first_name="Luc",
            amount=Decimal(amount),
            date=day + datetime.timedelta(days=days) if day.month == 12 else day,
        )
    DonationLineFactory(request=request, last_name="Autre")
    receipts = validate(request, secretary, django_capture_on_commit_callbacks)

    assert len(receipts) == 2
    summary = next(r for r in receipts if r.last_name == "Petit")
    assert summary.amount == Decimal("50.50")
    assert summary.summary_year == day.year and summary.gift_date is None
    text = pdf_text(summary)
    assert f"cumul {day.year}" in text
    assert "cinquante euros et cinquante centimes" in text
    assert "20,50 €" in text and "30,00 €" in text


def test_a_receipt_is_never_edited_nor_deleted(
    association, secretary, django_capture_on_commit_callbacks
):
    (receipt,) = validate(submitted_request(lines=1), secretary, django_capture_on_commit_callbacks)

    receipt.amount = Decimal("1")
    with pytest.raises(ValidationError):
        receipt.save()
    receipt.refresh_from_db()
    receipt.number = "2025-999999"
    with pytest.raises(ValidationError):
        receipt.save()
    with pytest.raises(ValidationError):
        receipt.delete()
    assert Receipt.objects.filter(pk=receipt.pk, amount=Decimal("150.00")).exists()

    admin = site._registry[Receipt]
    http_request = RequestFactory().get("/")
    http_request.user = UserFactory(is_superuser=True, is_staff=True)
    assert not admin.has_change_permission(http_request, receipt)
    assert not admin.has_delete_permission(http_request, receipt)
    assert not admin.has_add_permission(http_request)


def test_cancellation_keeps_the_number_and_replacement_takes_a_new_one(
    association, secretary, django_capture_on_commit_callbacks
):
    (receipt,) = validate(submitted_request(lines=1), secretary, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        replacement = services.replace(
            receipt.pk, secretary, "Erreur sur le nom", last_name="Durand-Lemoine"
        )

    receipt.refresh_from_db()
    assert receipt.is_cancelled and receipt.cancelled_by == secretary
    assert receipt.cancel_reason == "Erreur sur le nom"
    assert replacement.replaces == receipt
    assert replacement.sequence == receipt.sequence + 1
    assert replacement.last_name == "Durand-Lemoine" and replacement.amount == receipt.amount
    cancelled_text = pdf_text(receipt)
    assert "ANNULÉ" in cancelled_text and receipt.number in cancelled_text
    assert replacement.number in cancelled_text
    replacement_text = pdf_text(replacement)
    assert f"remplace le reçu n° {receipt.number}" in replacement_text
    assert "Durand-Lemoine" in replacement_text

    period = Period("civile", receipt.year)
    data = figures(period)
    assert (data["issued"], data["cancelled"], data["replacements"]) == (2, 1, 1)
    assert data["amount"] == Decimal("150.00") and data["declaration_count"] == 1
    assert all(check.ok for check in data["numbering"])
    with pytest.raises(services.WorkflowError):
        services.cancel(receipt.pk, secretary, "encore")


def test_a_failed_rendering_neither_consumes_nor_changes_a_number(
    association, secretary, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(receipts):
        raise RuntimeError("WeasyPrint a planté")

    monkeypatch.setattr("finances.tasks.receipts.render_pdfs", broken)
    request = submitted_request(lines=2)
    with pytest.raises(RuntimeError):
        validate(request, secretary, django_capture_on_commit_callbacks)
    numbers = list(Receipt.objects.values_list("number", flat=True))
    assert len(numbers) == 2 and not Receipt.objects.exclude(pdf="").exists()
    job = request.render_job()
    assert job.status == Job.Status.FAILED and job.error == GENERIC_ERROR

    monkeypatch.undo()
    ids = list(Receipt.objects.values_list("pk", flat=True))
    tasks.render_receipts(job.pk, ids)
    tasks.render_receipts(job.pk, ids)  # a second run (a redelivered task) changes nothing
    job.refresh_from_db()
    assert (job.status, job.done, job.error) == (Job.Status.DONE, 2, "")  # the files are the truth
    assert list(Receipt.objects.values_list("number", flat=True)) == numbers
    assert ReceiptCounter.objects.get().last_number == 2
    paths = list(Receipt.objects.values_list("pdf", flat=True))
    assert all(paths) and len(set(paths)) == 2
    pdf_dir = Receipt.objects.first().pdf.path.rsplit("/", 1)[0]
    import os

    assert sorted(os.listdir(pdf_dir)) == sorted(p.rsplit("/", 1)[1] for p in paths)
    # A later validation continues the sequence with no gap.
    more = validate(submitted_request(lines=1), secretary, django_capture_on_commit_callbacks)
    assert more[0].sequence == 3


def test_a_rolled_back_validation_leaves_no_gap(association, secretary, monkeypatch):
    request = submitted_request(lines=2)

    def fail(*args, **kwargs):
        raise RuntimeError("panne pendant l'émission")

    monkeypatch.setattr("finances.services.receipts.schedule_rendering", fail)
    with pytest.raises(RuntimeError):
        services.validate(request.pk, secretary)
    assert not Receipt.objects.exists()
    assert not ReceiptCounter.objects.filter(last_number__gt=0).exists()
    request.refresh_from_db()
    assert request.status == DonationRequest.Status.SUBMITTED


@pytest.mark.django_db(transaction=True)
def test_concurrent_validations_number_without_gap_or_duplicate(association):
    """Eight threads validate eight requests at once. On PostgreSQL they really run in
    parallel and the locked counter row serializes the numbering; SQLite serializes whole
    write transactions, so there the same assertions hold because only one writer runs."""
    secretary = UserFactory(secretariat=True)
    requests = [submitted_request(lines=5) for _ in range(8)]
    barrier = threading.Barrier(len(requests))
    errors = []

    def worker(request_id):
        try:
            barrier.wait(timeout=10)
            for attempt in range(20):
                try:
                    services.validate(request_id, secretary)
                    return
                except Exception as exc:  # SQLite: "database is locked" → try again
                    if connection.vendor == "postgresql" or "locked" not in str(exc):
                        raise
                    threading.Event().wait(0.05 * (attempt + 1))
            raise AssertionError("verrou SQLite jamais obtenu")
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(r.pk,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    year = datetime.date.today().year
    sequences = sorted(Receipt.objects.filter(year=year).values_list("sequence", flat=True))
    assert sequences == list(range(1, 41))
    assert ReceiptCounter.objects.get(year=year).last_number == 40
    # Each request got one block of consecutive numbers.
    for request in requests:
        own = sorted(Receipt.objects.filter(request=request).values_list("sequence", flat=True))
        assert own == list(range(own[0], own[0] + 5))
    assert numbering_check(year).ok


def test_eligibility_rules_give_a_french_message_on_the_line(association):
    association.receipt_min_amount = Decimal("30")
    association.receipt_max_age_months = 12
    association.save()
    request = DonationRequestFactory()
    future = DonationLineFactory(request=request, date=datetime.date.today().replace(year=2100))
    old = DonationLineFactory(request=request, date=recent(400))
    small = DonationLineFactory(request=request, amount=Decimal("10"))
    incomplete = DonationLineFactory(request=request, address="", payment_method="")
    fine = DonationLineFactory(request=request)

    problems = services.line_problems(request)

    assert "La date du don est dans le futur." in problems[future]
    assert any("plus de 12 mois" in m for m in problems[old])
    assert any("inférieurs au minimum de 30,00" in m for m in problems[small])
    assert problems[incomplete] == ["À compléter : adresse, mode de versement."]
    assert fine not in problems
    with pytest.raises(services.WorkflowError, match="lignes sont à corriger"):
        services.submit(request, request.created_by)


def test_a_gift_already_receipted_is_refused(
    association, secretary, django_capture_on_commit_callbacks
):
    first = submitted_request(lines=1)
    (receipt,) = validate(first, secretary, django_capture_on_commit_callbacks)
    line = first.lines.get()
    again = DonationRequestFactory()
    DonationLineFactory(
        request=again,
        last_name=line.last_name.upper(),
        first_name=line.first_name,
        date=line.date,
        amount=line.amount,
    )
    (problem,) = services.line_problems(again).values()
    assert problem == [f"Ce don a déjà fait l'objet du reçu {receipt.number}."]


def test_staff_warnings_flag_unusual_amounts_and_duplicates(association):
    first = submitted_request(lines=1)
    line = first.lines.get()
    other = DonationRequestFactory()
    duplicate = DonationLineFactory(
        request=other, last_name=line.last_name, date=line.date, amount=line.amount
    )
    big = DonationLineFactory(request=other, amount=Decimal("5000"))
    warnings = services.staff_warnings(other, [duplicate, big])
    assert warnings[duplicate] == [f"Même don dans la demande n° {first.pk}."]
    assert any("Montant inhabituel" in w for w in warnings[big])


def test_submission_needs_the_certification(association):
    request = DonationRequestFactory(certified=False)
    DonationLineFactory(request=request)
    with pytest.raises(services.WorkflowError, match="Certifiez"):
        services.submit(request, request.created_by)
    request.certified = True
    services.submit(request, request.created_by)
    assert request.status == DonationRequest.Status.SUBMITTED


def test_a_batch_is_laid_out_once_and_split_per_receipt(
    association, secretary, django_capture_on_commit_callbacks, caplog
):
    receipts = validate(submitted_request(lines=4), secretary, django_capture_on_commit_callbacks)
    assert "rendu seul" not in caplog.text  # no receipt fell back to a document of its own
    for receipt in receipts:
        receipt.refresh_from_db()
        with receipt.pdf.open("rb") as handle:
            reader = PdfReader(io.BytesIO(handle.read()))
        assert len(reader.pages) == 1
        assert receipt.number in reader.pages[0].extract_text()


# --- The minimum per donor and per civil year -------------------------------------------------


def minimum_problems(request) -> dict:
    return {
        line: [m for m in messages if "inférieurs au minimum" in m]
        for line, messages in services.line_problems(request).items()
        if any("inférieurs au minimum" in m for m in messages)
    }


@pytest.fixture
def minimum(association):
    association.receipt_min_amount = Decimal("50")
    association.save()
    return association


def test_gifts_each_below_the_minimum_count_together_for_their_donor(
    minimum, secretary, django_capture_on_commit_callbacks
):
    request = DonationRequestFactory(submitted=True)
    donor = {"request": request, "last_name": "Roux", "first_name": "Paul"}
    first = DonationLineFactory(amount=Decimal("30"), date=recent(40), **donor)
    second = DonationLineFactory(amount=Decimal("30"), date=recent(20), **donor)
    if first.date.year != second.date.year:
        second.date = first.date
        second.save()

    assert minimum_problems(request) == {}
    receipts = validate(request, secretary, django_capture_on_commit_callbacks)
    assert sorted(r.amount for r in receipts) == [Decimal("30"), Decimal("30")]


def test_gifts_below_the_minimum_in_total_are_refused(minimum):
    request = DonationRequestFactory()
    donor = {"request": request, "last_name": "Roux", "first_name": "Paul"}
    small = [DonationLineFactory(amount=Decimal("20"), **donor) for _ in range(2)]
    # The same amounts from two different donors do not add up either.
    others = [DonationLineFactory(request=request, amount=Decimal("30")) for _ in range(2)]
    at_minimum = DonationLineFactory(request=request, amount=Decimal("50"))

    problems = minimum_problems(request)

    assert set(problems) == {*small, *others}
    assert at_minimum not in problems
    with pytest.raises(services.WorkflowError, match="lignes sont à corriger"):
        services.submit(request, request.created_by)


def test_the_minimum_is_per_civil_year(minimum):
    today = datetime.date.today()
    request = DonationRequestFactory()
    donor = {"request": request, "last_name": "Roux", "first_name": "Paul"}
    december = DonationLineFactory(
        amount=Decimal("30"), date=datetime.date(today.year - 1, 12, 31), **donor
    )
    january = DonationLineFactory(
        amount=Decimal("30"), date=datetime.date(today.year, 1, 1), **donor
    )
    assert set(minimum_problems(request)) == {december, january}


def test_gifts_of_the_year_already_receipted_count_towards_the_minimum(minimum, secretary):
    donor = {"last_name": "Roux", "first_name": "Paul", "date": recent(1)}
    earlier = ReceiptFactory(amount=Decimal("60"), issued_by=secretary, **donor)
    request = DonationRequestFactory()
    late = DonationLineFactory(request=request, amount=Decimal("20"), **donor)
    assert late not in minimum_problems(request)
    # A cancelled receipt (not replaced) no longer counts.
    services.cancel(earlier.pk, secretary, "Erreur de saisie")
    assert minimum_problems(request)[late]


# --- Donor fields, duplicates, unusual amounts --------------------------------------------


def test_one_list_of_donor_fields():
    assert LINE_FIELDS[: len(DONOR_FIELDS)] == DONOR_FIELDS
    assert set(DONOR_FIELDS) <= set(ISSUED_FIELDS)


def test_duplicate_search_loads_only_the_same_donors_lines(association):
    day = timezone.localdate() - datetime.timedelta(days=10)
    other = DonationRequestFactory(submitted=True)
    DonationLine.objects.bulk_create(
        DonationLineFactory.build(request=other, last_name=f"Autre{i}", date=day, position=i)
        for i in range(200)
    )
    DonationLineFactory(request=other, last_name="Durand", date=day)
    request = DonationRequestFactory(submitted=True)
    line = DonationLineFactory(request=request, last_name="Durand", date=day)
    loaded = []

    def count(sender, instance, **kwargs):
        loaded.append(instance)

    post_init.connect(count, sender=DonationLine)
    try:
        warnings = services.staff_warnings(request, [line])
        services.line_problems(request, [line])
    finally:
        post_init.disconnect(count, sender=DonationLine)
    assert warnings[line] == [f"Même don dans la demande n° {other.pk}."]
    assert len(loaded) <= 2


def test_the_unusual_amount_is_the_associations_setting(association):
    association.receipt_unusual_amount = Decimal("100")
    association.save()
    request = submitted_request(lines=1)
    (line,) = request.lines.all()
    (warning,) = services.staff_warnings(request, [line])[line]
    assert warning.replace("\xa0", " ") == "Montant inhabituel (≥ 100,00 €)."
