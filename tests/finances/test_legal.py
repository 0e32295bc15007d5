"""What the receipts print and declare: the issuer's status and signatory, the annual
declaration's two bases, page numbers and the cancelled copy, SIREN check digits."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from finances import services
from finances.imports import gift_from_record
from finances.models import ISSUED_FIELDS, Receipt
from finances.registers import Declaration, Period, declaration, declarations
from occe.core.forms import AssociationForm
from occe.core.models import Association
from occe.core.validators import clean_siren
from tests.finances.factories import DonationLineFactory, DonationRequestFactory, submitted_request
from tests.finances.test_receipts import pdf_text
from tests.finances.test_views import build_xlsx


def pages_text(field) -> list[str]:
    with field.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def validate(request, user, capture) -> list[Receipt]:
    with capture(execute=True):
        receipts = services.validate(request.pk, user)
    for receipt in receipts:
        receipt.refresh_from_db()
    return receipts


# --- 2.4 Reconnue d'utilité publique: the decree and its publication are two dates -----------


def test_a_recognised_association_prints_its_decree_and_journal_officiel_dates(
    association, secretary, django_capture_on_commit_callbacks
):
    association.status = Association.Status.UTILITE_PUBLIQUE
    association.decree_date = datetime.date(1951, 3, 2)
    association.journal_officiel_date = datetime.date(1951, 3, 18)
    association.full_clean()
    association.save()
    (receipt,) = validate(submitted_request(lines=1), secretary, django_capture_on_commit_callbacks)
    text = pdf_text(receipt)
    assert (
        "☒ Association ou fondation reconnue d'utilité publique par décret en date du "
        "2 mars 1951 publié au Journal officiel du 18 mars 1951" in text
    )
    assert "☐ Association loi 1901 d'intérêt général" in text


def test_the_journal_officiel_date_is_a_setting_of_its_own(association):
    association.status = Association.Status.UTILITE_PUBLIQUE
    association.decree_date = datetime.date(1951, 3, 2)
    with pytest.raises(ValidationError) as error:
        association.full_clean()
    assert "journal_officiel_date" in error.value.message_dict
    association.journal_officiel_date = datetime.date(1951, 2, 1)  # before the decree
    with pytest.raises(ValidationError, match="après avoir été pris"):
        association.full_clean()
    assert "journal_officiel_date" in AssociationForm().fields


# --- 2.5 Signatory required; the demo association is complete ---------------------------------


@pytest.mark.parametrize("field", ["signatory_name", "signatory_quality"])
def test_validation_is_refused_while_the_signatory_is_missing(association, secretary, field):
    setattr(association, field, "")
    association.save()
    request = submitted_request(lines=1)
    expected = "nom du signataire" if field == "signatory_name" else "qualité du signataire"
    with pytest.raises(
        services.WorkflowError, match=f"Aucun reçu ne peut être émis : .*{expected}"
    ):
        services.validate(request.pk, secretary)
    assert not Receipt.objects.exists()


def test_the_secretariat_is_told_in_french_on_the_page(association, world, login):
    association.signatory_name = ""
    association.save()
    request = submitted_request(lines=1, cooperative=world.own_coop)
    response = login(world.users["secretariat"]).post(
        reverse("finances:request_validate", args=[request.pk]), follow=True
    )
    assert "renseignez le nom du signataire des reçus" in response.content.decode()


def test_the_demo_association_has_a_logo_and_a_signature(db):
    from cooperatives.demo import generate

    generate(coops=3, seed=1)
    association = Association.get()
    assert association.logo and association.signature
    for image in (association.logo, association.signature):
        with image.open("rb") as handle:
            assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    assert services.issuer_problems(association) == []


# --- 2.6 Article 222 bis: gifts received during the year, receipts delivered during the year --


def receipt_at(request, number: int, issued: datetime.datetime, gifts: list[tuple], **extra):
    """A receipt as validation makes it, issued at a chosen moment."""
    gift_list = [
        {"date": day.isoformat(), "amount": str(amount), "payment_method": "cheque"}
        for day, amount in gifts
    ]
    summary = len(gifts) > 1
    return Receipt.objects.create(
        year=issued.year,
        sequence=number,
        number=Receipt.format_number(issued.year, number),
        request=request,
        cooperative=request.cooperative,
        donor_type="particulier",
        last_name=f"Donateur{number}",
        address="1 rue A",
        postal_code="92000",
        city="Nanterre",
        country="France",
        amount=sum((Decimal(str(a)) for _, a in gifts), Decimal("0")),
        gift_date=None if summary else gifts[0][0],
        summary_year=gifts[0][0].year if summary else None,
        gifts=gift_list,
        form="don_manuel",
        nature="numeraire",
        payment_method="cheque",
        issued_at=issued,
        issued_by=request.created_by,
        **extra,
    )


def test_declaration_amount_follows_gift_dates_and_count_follows_issue_dates(db):
    request = DonationRequestFactory(status="validated")
    tz = timezone.get_current_timezone()
    january = datetime.datetime(2025, 1, 10, 10, tzinfo=tz)
    # Issued in January 2025 for gifts of November 2024: amount in 2024, count in 2025.
    receipt_at(request, 1, january, [(datetime.date(2024, 11, 20), 100)])
    # A summary receipt of 2024 issued in January 2025, with gifts in both school years.
    receipt_at(
        request, 2, january, [(datetime.date(2024, 3, 5), 30), (datetime.date(2024, 10, 1), 20)]
    )
    # Issued and received in 2024.
    receipt_at(
        request, 3, datetime.datetime(2024, 12, 1, tzinfo=tz), [(datetime.date(2024, 11, 30), 7)]
    )
    # Cancelled: counts nowhere.
    receipt_at(
        request,
        4,
        january,
        [(datetime.date(2024, 12, 24), 1000)],
        cancelled_at=january,
        cancel_reason="Erreur",
    )

    civil_2024 = declaration(Period("civile", 2024))
    assert (civil_2024.amount, civil_2024.count) == (Decimal("157"), 1)
    civil_2025 = declaration(Period("civile", 2025))
    assert (civil_2025.amount, civil_2025.count) == (Decimal("0"), 2)
    school = declaration(Period("scolaire", 2024))  # 1 Sept 2024 - 31 Aug 2025
    assert (school.amount, school.count) == (Decimal("127"), 3)
    assert [d.period.label for d in declarations(Period("civile", 2025))] == [
        "année civile 2025",
        "année scolaire 2024-2025",
    ]


def test_the_registers_say_which_basis_each_figure_uses(world, login):
    client = login(world.users["administrateur"])
    page = client.get(reverse("finances:registers"), {"period": "civile", "year": 2026})
    content = page.content.decode()
    assert "dons <strong>reçus</strong> pendant la période (date de chaque don)" in content
    assert "reçus <strong>délivrés</strong> pendant la période (date d'émission)" in content
    assert "Année civile 2026" in content and "Exercice (année scolaire) 2025-2026" in content
    export = client.get(
        reverse("finances:registers_export"),
        {"period": "civile", "year": 2026, "tableau": "declaration"},
    )
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.values)
    assert rows[0] == (
        "Période (article 222 bis du CGI)",
        Declaration.AMOUNT_BASIS,
        Declaration.COUNT_BASIS,
    )
    assert [row[0] for row in rows[1:]] == ["année civile 2026", "année scolaire 2025-2026"]


def test_the_registers_print_years_without_a_thousands_separator(world, login):
    """Seen: « 2 026 » on the page and `year=2 026` in its export links."""
    page = login(world.users["secretariat"]).get(
        reverse("finances:registers"), {"period": "civile", "year": 2026}
    )
    content = page.content.decode()
    assert "year=2026&amp;tableau=registre" in content
    assert "2\u00a0026" not in content and "2 026" not in content
    assert "<td>2026</td>" in content  # the numbering check's year


# --- 2.7 Page n/m and ANNULÉ on every page; only the marked copy is served ---------------------


def test_every_page_of_a_long_receipt_carries_its_number_and_page_count(
    association, secretary, django_capture_on_commit_callbacks
):
    request = DonationRequestFactory(submitted=True, group_by_donor=True)
    day = timezone.localdate() - datetime.timedelta(days=3)
    for _ in range(70):
        DonationLineFactory(request=request, last_name="Petit", first_name="Luc", date=day)
    DonationLineFactory(request=request, last_name="Seul")  # laid out in the same batch
    long, short = sorted(
        validate(request, secretary, django_capture_on_commit_callbacks), key=lambda r: r.sequence
    )
    pages = pages_text(long.pdf)
    assert len(pages) >= 2
    for n, text in enumerate(pages, start=1):
        assert f"Reçu n° {long.number} — page {n}/{len(pages)}" in text
        assert "ANNULÉ" not in text
    (single,) = pages_text(short.pdf)
    assert f"Reçu n° {short.number} — page 1/1" in single

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(long.pk, secretary, "Adresse fausse")
    long.refresh_from_db()
    marked = pages_text(long.cancelled_pdf)
    assert len(marked) == len(pages)
    for n, text in enumerate(marked, start=1):
        assert f"Reçu n° {long.number} ANNULÉ — page {n}/{len(marked)}" in text
    # The original is kept, unmarked, as the archive.
    assert long.pdf.name != long.cancelled_pdf.name
    assert all("ANNULÉ" not in text for text in pages_text(long.pdf))


def test_only_the_marked_copy_of_a_cancelled_receipt_is_served(
    world, association, login, django_capture_on_commit_callbacks
):
    secretary = world.users["secretariat"]
    request = submitted_request(lines=1, cooperative=world.own_coop)
    (receipt,) = validate(request, secretary, django_capture_on_commit_callbacks)
    services.cancel(receipt.pk, secretary, "Erreur")  # marked copy not rendered yet
    client = login(world.users["mandataire"])
    response = client.get(reverse("finances:receipt_pdf", args=[receipt.pk]), follow=True)
    assert "en cours de production" in response.content.decode()
    assert (
        "Télécharger tous les reçus"
        in client.get(reverse("finances:request_detail", args=[request.pk])).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_rendering(request, [receipt.pk])
    response = client.get(reverse("finances:receipt_pdf", args=[receipt.pk]))
    content = b"".join(response.streaming_content)
    text = " ".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().split())
    assert "ANNULÉ le" in text and "motif : Erreur" in text
    zipped = client.get(reverse("finances:request_zip", args=[request.pk]))
    import zipfile

    with zipfile.ZipFile(io.BytesIO(b"".join(zipped.streaming_content))) as archive:
        assert archive.read(receipt.filename) == content


# --- 3.3 SIREN check digits --------------------------------------------------------------------


@pytest.mark.parametrize("siren", ["552081317", "552 081 317", "356000000", "775671878"])
def test_a_right_siren_is_accepted(siren):
    assert clean_siren(siren) == siren.replace(" ", "")


@pytest.mark.parametrize("siren", ["123456789", "552081318", "12345678", "55208131A"])
def test_a_wrong_siren_is_refused_in_french(siren):
    with pytest.raises(ValidationError, match="SIREN"):
        clean_siren(siren)


def test_la_postes_siren_passes(db):
    """La Poste (356 000 000) is the known exception of the SIRET's key; its SIREN passes the
    Luhn key like any other, and stdnum agrees."""
    assert clean_siren("356000000") == "356000000"


def test_a_wrong_siren_is_refused_at_import_submission_and_in_settings(association):
    fields, errors = gift_from_record(
        {"company_name": "Garage", "siren": "123 456 789", "amount": "10", "date": "01/02/2025"}
    )
    assert any("clé de contrôle" in e for e in errors)
    request = DonationRequestFactory()
    line = DonationLineFactory(request=request, company=True, siren="123456789")
    assert any("clé de contrôle est fausse" in m for m in services.line_problems(request)[line])
    with pytest.raises(services.WorkflowError, match="lignes sont à corriger"):
        services.submit(request, request.created_by)
    form = AssociationForm(
        {**AssociationForm(instance=association).initial, "siren": "123 456 789"},
        instance=association,
    )
    assert not form.is_valid()
    assert "clé de contrôle est fausse" in form.errors["siren"][0]


def test_a_company_receipt_needs_the_legal_form(association):
    request = DonationRequestFactory()
    line = DonationLineFactory(request=request, company=True, legal_form="")
    assert services.line_problems(request)[line] == ["À compléter : forme juridique."]


def test_import_reads_the_legal_form(world, association, login):
    from finances.imports import read_request_file

    data = build_xlsx(
        [
            "Raison sociale",
            "Forme juridique",
            "SIREN",
            "Nom",
            "Adresse",
            "Code postal",
            "Commune",
            "Montant",
            "Date du don",
        ],
        [
            [
                "Garage Dupuis",
                "SAS",
                "552081317",
                "",
                "1 rue A",
                "92000",
                "Nanterre",
                300,
                timezone.localdate(),
            ]
        ],
    )
    (gift,), errors = read_request_file(data)
    assert not errors and gift["legal_form"] == "SAS" and gift["donor_type"] == "entreprise"


# --- Issue: SIREN/RNA, frozen issuer, year prefix -----------------------------------------


def test_receipts_need_the_associations_siren_or_rna(association, secretary):
    association.siren = association.rna = ""
    association.save()
    request = submitted_request(lines=1)
    with pytest.raises(services.WorkflowError, match="renseignez le SIREN ou le RNA"):
        services.validate(request.pk, secretary)
    assert not Receipt.objects.exists()


def png(colour) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="image.png")


def test_a_receipt_keeps_the_issuer_it_was_issued_with(
    association, secretary, django_capture_on_commit_callbacks
):
    association.signature.save("signature.png", png("blue"))
    request = submitted_request(lines=1)
    (receipt,) = validate(request, secretary, django_capture_on_commit_callbacks)
    frozen = receipt.issuer["signature"]
    assert frozen.startswith("private/finances/") and frozen != association.signature.name

    association.signatory_name = "Nouveau Président"
    association.name = "Autre association"
    association.address = "1 place Neuve"
    association.signature.delete()
    association.save()
    request.cooperative.name = "École renommée"
    request.cooperative.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(receipt.pk, secretary, "Erreur")

    text = pdf_text(receipt)
    assert "ANNULÉ" in text
    assert "Marie Dupont" in text and "Nouveau Président" not in text
    assert "10 rue de Paris" in text and "1 place Neuve" not in text
    assert "École renommée" not in text
    receipt.refresh_from_db()
    with receipt.cancelled_pdf.open("rb") as handle:
        assert b"/Image" in handle.read()  # the frozen signature, though the setting is gone
    receipt.issuer = {**receipt.issuer, "signatory_name": "Autre"}
    with pytest.raises(ValidationError):
        receipt.save()
    assert "issuer" in ISSUED_FIELDS


def test_the_prefix_of_the_first_issue_holds_for_the_whole_year(
    association, secretary, django_capture_on_commit_callbacks
):
    association.receipt_number_prefix = "92-"
    association.save()
    (first,) = validate(submitted_request(lines=1), secretary, django_capture_on_commit_callbacks)
    association.receipt_number_prefix = "OCCE-"
    association.save()
    (second,) = validate(submitted_request(lines=1), secretary, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        replacement = services.replace(first.pk, secretary, "Erreur")
    year = timezone.localdate().year
    assert first.number == f"92-{year}-000001"
    assert second.number == f"92-{year}-000002"
    assert replacement.number == f"92-{year}-000003"
