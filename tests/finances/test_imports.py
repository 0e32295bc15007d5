"""Uploaded files (requests' Excel files, Trousse à projets exports): size and row limits,
encodings, headers, amounts; an export becomes one request only."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from finances import services
from finances.imports import gift_from_record, read_any_table, read_request_file
from finances.models import DonationRequest
from occe.core.spreadsheets import SpreadsheetError
from tests.finances.factories import DonationRequestFactory
from tests.finances.test_views import build_xlsx, html

TOO_LARGE = "Le fichier dépasse la taille maximale de 10 Mo."


def big_file(name):
    return SimpleUploadedFile(name, b"x" * (10 * 1024 * 1024 + 1))


def test_a_request_import_over_the_size_limit_is_refused(world, association, login):
    client = login(world.users["mandataire"])
    request = DonationRequestFactory(cooperative=world.own_coop)
    response = client.post(
        reverse("finances:request_import", args=[request.pk]),
        {"file": big_file("dons.xlsx")},
        follow=True,
    )
    assert TOO_LARGE in html(response)
    assert not request.lines.exists()


def test_a_trousse_csv_over_the_size_limit_is_refused(world, login):
    client = login(world.users["secretariat"])
    response = client.post(reverse("finances:trousse_upload"), {"file": big_file("t.csv")})
    assert response.status_code == 200
    assert TOO_LARGE in html(response)


def test_a_csv_in_an_unknown_encoding_is_refused_in_french():
    with pytest.raises(SpreadsheetError, match="Encodage du fichier non reconnu"):
        read_any_table(b"Nom;Montant\n\x81\x8d;10\n", "trousse.csv")


@pytest.mark.parametrize("filename", ["trousse.csv", "trousse.xlsx"])
def test_too_many_rows_is_an_error_not_a_silent_cut(filename):
    rows = [[f"Nom{i}", "10"] for i in range(501)]
    if filename.endswith(".csv"):
        data = ("Nom;Montant\n" + "\n".join(";".join(r) for r in rows)).encode()
    else:
        data = build_xlsx(["Nom", "Montant"], rows)
    with pytest.raises(SpreadsheetError, match="au plus 500 lignes"):
        read_any_table(data, filename)


def test_csv_headers_match_like_excel_ones():
    headers, rows = read_any_table("Nom ; Montant\nRoux;25\n".encode("cp1252"), "t.csv")
    assert headers == ["Nom", "Montant"] and rows == [["Roux", "25"]]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "1e20", float("nan"), 10**10])
def test_non_finite_or_huge_amounts_are_refused_on_the_line(value):
    fields, errors = gift_from_record({"last_name": "Roux", "amount": value, "date": "01/02/2025"})
    assert fields["amount"] is None
    assert any("montant" in e for e in errors), errors


def test_each_faulty_gift_line_has_one_french_message():
    day = datetime.date(2025, 2, 1)
    data = build_xlsx(
        ["nom", "ADRESSE", "Code Postal", "Commune", "Courriel", "Montant", "Date du don", "SIREN"],
        [
            ["Roux", "1 rue A", 92000, "Nanterre", "x@", "1,234", "hier", "123"],
            ["", "2 rue B", "92100", "Boulogne", "", 0, day, ""],
            ["Blanc", "3 rue C", "92100", "Boulogne", "", "12,50", day, ""],
        ],
    )
    gifts, errors = read_request_file(data)
    assert errors == [
        "Ligne 2 : courriel invalide « x@ » ; montant ambigu « 1,234 » : écrivez les centimes "
        "après une seule virgule (120,50) et séparez les milliers par des espaces (1 234,56), "
        "ou ne les séparez pas (1234,56) ; date illisible « hier » (attendu JJ/MM/AAAA).",
        "Ligne 3 : le nom (ou la raison sociale) est vide ; le montant « 0 » doit être "
        "supérieur à zéro.",
    ]
    assert gifts[2]["amount"] == Decimal("12.50") and gifts[2]["country"] == "France"
    assert gifts[2]["postal_code"] == "92100" and gifts[2]["payment_method"] == ""


def test_a_gift_file_needs_the_name_address_amount_and_date_columns():
    with pytest.raises(SpreadsheetError, match="Colonnes manquantes : Adresse, Commune, Date du"):
        read_request_file(build_xlsx(["Nom", "Code postal", "Montant"], [["Roux", "1", "2"]]))


@pytest.mark.parametrize(
    "method, value",
    [("Espèces", "especes"), ("CB", "virement"), ("chèque", "cheque"), ("Prélèvement", "virement")],
)
def test_payment_methods_read_by_their_usual_names(method, value):
    fields, errors = gift_from_record(
        {"last_name": "Roux", "amount": "10", "date": "01/02/2025", "payment_method": method}
    )
    assert not errors and fields["payment_method"] == value


def test_a_private_donors_siren_is_not_checked_a_companys_is():
    private = {"last_name": "Roux", "siren": "12 3", "amount": "10", "date": "01/02/2025"}
    fields, errors = gift_from_record(private)
    assert not errors and fields["siren"] == "123"
    fields, errors = gift_from_record({**private, "last_name": "", "company_name": "Garage"})
    assert errors == ["le SIREN compte 9 chiffres"]


def test_a_trousse_export_becomes_one_request_only(world, association, secretary):
    from finances.models import TrousseImport

    imported = TrousseImport.objects.create(headers=[], rows=[], created_by=secretary)
    gift = {
        "donor_type": "particulier",
        "last_name": "Roux",
        "first_name": "Paul",
        "address": "5 allée Verte",
        "postal_code": "92200",
        "city": "Neuilly",
        "country": "France",
        "amount": Decimal("25"),
        "date": timezone.localdate() - datetime.timedelta(days=3),
    }
    request = services.import_trousse(imported.pk, world.own_coop, [gift], secretary)
    assert request.status == DonationRequest.Status.SUBMITTED
    assert request.submitted_by == secretary and request.submitted_at
    with pytest.raises(services.WorkflowError, match="déjà été importé"):
        services.import_trousse(imported.pk, world.own_coop, [gift], secretary)
    assert DonationRequest.objects.filter(channel="trousse").count() == 1
