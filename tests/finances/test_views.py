"""The pages of the receipts, driven as each persona would."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core import mail
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from finances.models import Channel, DonationLine, DonationRequest, Receipt, TrousseMapping
from tests.finances.factories import (
    DonationLineFactory,
    DonationRequestFactory,
    ReceiptFactory,
    recent,
)


@pytest.fixture
def own_request(world, association):
    request = DonationRequestFactory(
        cooperative=world.own_coop, created_by=world.users["mandataire"], submitted=True
    )
    DonationLineFactory(request=request, email="donateur@exemple.fr")
    DonationLineFactory(request=request)
    return request


@pytest.fixture
def other_request(world, association):
    request = DonationRequestFactory(
        cooperative=world.other_coop, created_by=world.users["autre_mandataire"], submitted=True
    )
    DonationLineFactory(request=request)
    return request


def validate(client, request, capture):
    with capture(execute=True):
        return client.post(reverse("finances:request_validate", args=[request.pk]))


def html(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


def line_data(prefix, index, **values):
    data = {
        "donor_type": "particulier",
        "last_name": "",
        "first_name": "",
        "company_name": "",
        "siren": "",
        "address": "",
        "postal_code": "",
        "city": "",
        "country": "France",
        "email": "",
        "amount": "",
        "date": "",
        "payment_method": "",
        "form": "don_manuel",
        "nature": "numeraire",
        **values,
    }
    return {f"{prefix}-{index}-{k}": v for k, v in data.items()}


def test_mandataire_types_a_request_saves_a_draft_and_submits(world, association, login):
    client = login(world.users["mandataire"])
    response = client.post(reverse("finances:request_create"), {"cooperative": world.own_coop.pk})
    request = DonationRequest.objects.get()
    assert response.url == reverse("finances:request_edit", args=[request.pk])
    management = {"lignes-TOTAL_FORMS": "0", "lignes-INITIAL_FORMS": "0"}

    # The form grows by one line with HTMX and keeps what was typed.
    grown = client.post(
        reverse("finances:request_edit", args=[request.pk]),
        {**management, "ajouter": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert 'name="lignes-0-last_name"' in grown.content.decode()
    assert "<html" not in grown.content.decode()

    gift = line_data("lignes", 0, last_name="Martin", first_name="Claire", amount="45")
    draft = client.post(
        reverse("finances:request_edit", args=[request.pk]),
        {"lignes-TOTAL_FORMS": "1", "lignes-INITIAL_FORMS": "0", **gift, "enregistrer": "1"},
        follow=True,
    )
    assert "Brouillon enregistré" in draft.content.decode()
    assert "À compléter : adresse, code postal, commune, date du don, mode de versement." in (
        draft.content.decode().replace("&#x27;", "'")
    )
    line = request.lines.get()

    complete = line_data(
        "lignes",
        0,
        id=line.pk,
        last_name="Martin",
        first_name="Claire",
        address="1 rue Haute",
        postal_code="92000",
        city="Nanterre",
        amount="45",
        date=recent().isoformat(),
        payment_method="cheque",
    )
    submitted = client.post(
        reverse("finances:request_edit", args=[request.pk]),
        {
            "lignes-TOTAL_FORMS": "1",
            "lignes-INITIAL_FORMS": "1",
            **complete,
            "demande-certified": "on",
            "soumettre": "1",
        },
        follow=True,
    )
    request.refresh_from_db()
    assert request.status == DonationRequest.Status.SUBMITTED, submitted.content.decode()[:3000]
    assert "Demande soumise" in submitted.content.decode()


def test_staff_validate_and_everyone_in_scope_downloads(
    world, own_request, login, django_capture_on_commit_callbacks
):
    own_request.email_donors = True
    own_request.save()
    staff = login(world.users["secretariat"])
    validate(staff, own_request, django_capture_on_commit_callbacks)

    own_request.refresh_from_db()
    assert own_request.status == DonationRequest.Status.VALIDATED
    receipts = list(own_request.receipts.all())
    assert len(receipts) == 2 and all(r.pdf for r in receipts)
    # The mandataire is told; the donor with an address gets the PDF attached.
    donor_mail = next(m for m in mail.outbox if m.to == ["donateur@exemple.fr"])
    assert donor_mail.attachments[0][0] == receipts[0].filename
    assert donor_mail.attachments[0][1].startswith(b"%PDF")
    assert any(world.users["mandataire"].email in m.to for m in mail.outbox)
    emailed = Receipt.objects.get(email="donateur@exemple.fr")
    assert emailed.email_status == "sent" and emailed.email_sent_at

    mandataire = login(world.users["mandataire"])
    page = mandataire.get(reverse("finances:request_detail", args=[own_request.pk]))
    assert receipts[0].number in page.content.decode()
    pdf = mandataire.get(reverse("finances:receipt_pdf", args=[receipts[0].pk]))
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    archive = mandataire.get(reverse("finances:request_zip", args=[own_request.pk]))
    names = zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))).namelist()
    assert sorted(names) == sorted(r.filename for r in receipts)
    progress = mandataire.get(reverse("finances:request_progress", args=[own_request.pk]))
    assert "2 / 2" in progress.content.decode() and "every 2s" not in progress.content.decode()


def test_a_mandataire_never_reaches_another_coops_requests_or_receipts(
    world, own_request, other_request, login, django_capture_on_commit_callbacks
):
    staff = login(world.users["secretariat"])
    validate(staff, other_request, django_capture_on_commit_callbacks)
    receipt = other_request.receipts.get()
    client = login(world.users["mandataire"])

    listing = client.get(reverse("finances:request_list")).content.decode()
    assert f"Demande n° {own_request.pk}" in listing
    assert f"Demande n° {other_request.pk}" not in listing
    filtered = client.get(reverse("finances:request_list"), {"cooperative": world.other_coop.pk})
    assert f"Demande n° {other_request.pk}" not in filtered.content.decode()
    for name in ["request_detail", "request_edit", "request_progress", "request_zip"]:
        assert client.get(reverse(f"finances:{name}", args=[other_request.pk])).status_code == 404
    assert client.get(reverse("finances:receipt_pdf", args=[receipt.pk])).status_code == 404
    # A reader cannot validate its own request (403), nor cancel its own receipts.
    assert (
        client.post(reverse("finances:request_validate", args=[own_request.pk])).status_code == 403
    )
    assert client.post(reverse("finances:receipt_cancel", args=[receipt.pk])).status_code == 404


def test_the_board_reads_but_does_not_decide(world, own_request, login):
    client = login(world.users["administrateur"])
    assert client.get(reverse("finances:request_detail", args=[own_request.pk])).status_code == 200
    response = client.post(
        reverse("finances:request_reject", args=[own_request.pk]), {"reason": "non"}
    )
    assert response.status_code == 403


def test_send_back_and_reject_tell_the_mandataire_the_reason(world, own_request, login):
    client = login(world.users["secretariat"])
    with_reason = {"reason": "Les adresses des donateurs manquent."}
    client.post(reverse("finances:request_send_back", args=[own_request.pk]), with_reason)
    own_request.refresh_from_db()
    assert own_request.status == DonationRequest.Status.TO_CORRECT

    mandataire = login(world.users["mandataire"])
    page = mandataire.get(reverse("finances:request_detail", args=[own_request.pk]))
    assert "Les adresses des donateurs manquent." in page.content.decode()
    assert (
        mandataire.get(reverse("finances:request_edit", args=[own_request.pk])).status_code == 200
    )

    staff = login(world.users["secretariat"])
    staff.post(reverse("finances:request_reject", args=[own_request.pk]), {"reason": "Doublon"})
    own_request.refresh_from_db()
    assert own_request.status == DonationRequest.Status.REJECTED
    assert own_request.reason == "Doublon"


def test_send_back_mail_is_sent_on_commit(
    world, own_request, login, django_capture_on_commit_callbacks
):
    client = login(world.users["secretariat"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("finances:request_send_back", args=[own_request.pk]), {"reason": "Motif X"}
        )
    (message,) = mail.outbox
    assert message.to == [world.users["mandataire"].email]
    assert "Motif X" in message.body


def test_list_query_count_does_not_grow_with_rows(
    world, association, login, django_assert_num_queries
):
    client = login(world.users["secretariat"])
    DonationRequestFactory(cooperative=world.own_coop)
    client.get(reverse("finances:request_list"))  # warm caches (session, content types)

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            client.get(reverse("finances:request_list"))
        return len(context)

    few = count()
    for _ in range(30):
        request = DonationRequestFactory(cooperative=world.other_coop)
        DonationLineFactory(request=request)
    with django_assert_num_queries(few):
        response = client.get(reverse("finances:request_list"))
    assert response.content.decode().count("Demande n°") == 31


def build_xlsx(headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADERS = [
    "Nom",
    "Prénom",
    "Raison sociale",
    "SIREN",
    "Adresse",
    "Code postal",
    "Commune",
    "Pays",
    "Courriel",
    "Montant",
    "Date du don",
    "Mode de versement",
]


def test_mandataire_imports_the_excel_template(world, association, login):
    client = login(world.users["mandataire"])
    template = client.get(reverse("finances:import_template"))
    assert template.status_code == 200
    request = DonationRequestFactory(cooperative=world.own_coop)
    day = recent()
    data = build_xlsx(
        [" nom", "PRENOM", *HEADERS[2:]],
        [
            ["Martin", "Claire", "", "", "1 rue A", "92000", "Nanterre", "", "", 40, day, "Chèque"],
            [
                "",
                "",
                "Garage Dupuis",
                "552 081 317",
                "2 rue B",
                92100,
                "Boulogne",
                "France",
                "",
                "1 200,50",
                day.strftime("%d/%m/%Y"),
                "virement",
            ],
        ],
    )
    upload = io.BytesIO(data)
    upload.name = "dons.xlsx"
    response = client.post(
        reverse("finances:request_import", args=[request.pk]), {"file": upload}, follow=True
    )
    assert "2 dons importés" in response.content.decode()
    martin, garage = request.lines.order_by("position")
    assert (martin.last_name, martin.amount, martin.country, martin.payment_method) == (
        "Martin",
        Decimal("40.00"),
        "France",
        "cheque",
    )
    assert garage.donor_type == "entreprise" and garage.siren == "552081317"
    assert garage.amount == Decimal("1200.50") and garage.postal_code == "92100"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"Nom;Montant\nMartin;10\n", "n'est pas un classeur Excel"),
        (build_xlsx(["Nom", "Montant"], [["A", 1]]), "Colonnes manquantes"),
        (
            build_xlsx(HEADERS, [["A", "B", "", "", "x", "1", "c", "", "", "dix", "hier", "troc"]]),
            "montant illisible « dix »",
        ),
    ],
)
def test_bad_files_are_refused_with_a_french_message(world, association, login, content, message):
    client = login(world.users["mandataire"])
    request = DonationRequestFactory(cooperative=world.own_coop)
    upload = io.BytesIO(content)
    upload.name = "dons.xlsx"
    response = client.post(
        reverse("finances:request_import", args=[request.pk]), {"file": upload}, follow=True
    )
    assert message in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert not request.lines.exists()


def test_trousse_a_projets_import_remembers_the_mapping(world, association, login):
    client = login(world.users["secretariat"])
    day = recent().strftime("%d/%m/%Y")
    csv = (
        "Nom du contributeur;Prénom;Rue;CP;Ville;Montant (€);Date;Email\n"
        f"Roux;Paul;5 allée Verte;92200;Neuilly;25,00;{day};paul@exemple.fr\n"
        f"Blanc;Eva;6 allée Verte;92200;Neuilly;60;{day};\n"
    ).encode()
    upload = io.BytesIO(csv)
    upload.name = "trousse.csv"
    response = client.post(reverse("finances:trousse_upload"), {"file": upload})
    mapping_url = response.url
    page = client.get(mapping_url)
    assert "Nom du contributeur" in page.content.decode()
    mapping = {
        "last_name": "Nom du contributeur",
        "first_name": "Prénom",
        "address": "Rue",
        "postal_code": "CP",
        "city": "Ville",
        "amount": "Montant (€)",
        "date": "Date",
        "email": "Email",
    }
    response = client.post(mapping_url, {"cooperative": world.own_coop.pk, **mapping})
    request = DonationRequest.objects.get(channel=Channel.TROUSSE)
    assert response.url == reverse("finances:request_detail", args=[request.pk])
    assert request.status == DonationRequest.Status.SUBMITTED
    assert [(line.last_name, line.amount) for line in request.lines.all()] == [
        ("Roux", Decimal("25.00")),
        ("Blanc", Decimal("60.00")),
    ]
    assert TrousseMapping.get().mapping == mapping
    # The next upload proposes the same mapping.
    upload = io.BytesIO(csv)
    upload.name = "trousse2.csv"
    second = client.post(reverse("finances:trousse_upload"), {"file": upload})
    form = client.get(second.url).context["form"]
    assert form.fields["last_name"].initial == "Nom du contributeur"


def test_registers_and_exports(world, own_request, login, django_capture_on_commit_callbacks):
    staff = login(world.users["secretariat"])
    validate(staff, own_request, django_capture_on_commit_callbacks)
    year = own_request.receipts.first().year
    board = login(world.users["administrateur"])
    page = board.get(reverse("finances:registers"), {"period": "civile", "year": year})
    content = page.content.decode()
    assert "Conforme : aucun trou, aucun doublon" in content
    assert "300,00" in content
    for table in ["registre", "coops", "numerotation", "declaration"]:
        response = board.get(
            reverse("finances:registers_export"),
            {"period": "scolaire", "year": year - 1, "tableau": table},
        )
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_failed_email_is_visible_and_can_be_retried(
    world, own_request, login, django_capture_on_commit_callbacks, monkeypatch
):
    import smtplib

    from django.core.mail import EmailMessage

    own_request.email_donors = True
    own_request.save()
    original = EmailMessage.send

    def refuse(self, *args, **kwargs):
        if self.to != ["donateur@exemple.fr"]:
            return original(self, *args, **kwargs)
        raise smtplib.SMTPRecipientsRefused({"donateur@exemple.fr": (550, b"inconnu")})

    monkeypatch.setattr(EmailMessage, "send", refuse)
    monkeypatch.setattr("finances.tasks.send_receipt_email.max_retries", 0)
    staff = login(world.users["secretariat"])
    validate(staff, own_request, django_capture_on_commit_callbacks)
    receipt = Receipt.objects.get(email="donateur@exemple.fr")
    assert receipt.email_status == "failed" and "inconnu" in receipt.email_error
    page = staff.get(reverse("finances:request_detail", args=[own_request.pk]))
    assert "Échec" in page.content.decode() and "Réessayer" in page.content.decode()

    monkeypatch.setattr(EmailMessage, "send", original)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("finances:receipt_email_retry", args=[receipt.pk]))
    receipt.refresh_from_db()
    assert receipt.email_status == "sent" and not receipt.email_error


def test_lines_keep_their_order(world, association):
    request = DonationRequestFactory(cooperative=world.own_coop)
    for name in ["B", "A", "C"]:
        DonationLineFactory(request=request, last_name=name)
    assert [line.last_name for line in DonationLine.objects.filter(request=request)] == [
        "B",
        "A",
        "C",
    ]


# --- Pages: PDF not ready, zip, registers, long requests ----------------------------------


def test_a_pdf_not_ready_sends_back_to_the_request_with_a_message(world, association, login):
    receipt = ReceiptFactory(request__cooperative=world.own_coop)  # no PDF yet
    request = receipt.request
    client = login(world.users["mandataire"])
    detail = reverse("finances:request_detail", args=[request.pk])
    for url in [
        reverse("finances:receipt_pdf", args=[receipt.pk]),
        reverse("finances:request_zip", args=[request.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response.url == detail
        assert "en cours de production" in html(client.get(detail))


def test_the_zip_is_streamed_from_a_file(world, association, login):
    request = ReceiptFactory(gifts=2, rendered=True, request__cooperative=world.own_coop).request
    response = login(world.users["mandataire"]).get(
        reverse("finances:request_zip", args=[request.pk])
    )
    assert isinstance(response, FileResponse)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == 2
    assert all(archive.read(name).startswith(b"%PDF") for name in archive.namelist())


@pytest.mark.parametrize("year", ["9999", "1000", "-5"])
def test_registers_refuse_an_absurd_year_without_error(world, login, year):
    response = login(world.users["secretariat"]).get(
        reverse("finances:registers"), {"period": "civile", "year": year}
    )
    assert response.status_code == 200


def test_a_long_request_is_paginated_with_messages_on_their_lines(world, association, login):
    request = DonationRequestFactory(cooperative=world.own_coop, submitted=True)
    DonationLine.objects.bulk_create(
        DonationLineFactory.build(request=request, position=i) for i in range(150)
    )
    last = request.lines.order_by("position").last()
    last.date = timezone.localdate() + datetime.timedelta(days=3)
    last.save()
    client = login(world.users["secretariat"])
    url = reverse("finances:request_detail", args=[request.pk])
    first_page = client.get(url)
    assert len(first_page.context["lines"]) == 100
    assert "150 dons" in html(first_page)
    assert "dans le futur" not in html(first_page)
    second = client.get(url, {"page": 2})
    assert len(second.context["lines"]) == 50
    assert "La date du don est dans le futur." in html(second)
