"""What a mandataire (and the secretariat) trip over on the request pages: amounts typed the
French way, a forged line count, the certification, the donor's type, drafts, the home page,
the template, a validated request, and the history's names."""

import datetime
import io
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from finances import services
from finances.forms import LINE_FIELDS, LineForm, RequestForm
from finances.models import MAX_GIFT_AMOUNT, MAX_LINES, DonationLine, DonationRequest
from tests.finances.factories import DonationLineFactory, DonationRequestFactory
from tests.finances.test_views import html, line_data


@pytest.fixture
def draft(world, association):
    return DonationRequestFactory(cooperative=world.own_coop, created_by=world.users["mandataire"])


def edit(client, request, data):
    return client.post(reverse("finances:request_edit", args=[request.pk]), data)


MANAGEMENT = {"lignes-INITIAL_FORMS": "0"}
# The line form's amount field, as every amount of the project is read (occe.core.forms).
AMOUNT = LineForm.base_fields["amount"]


# --- 1.7 A forged line count ---------------------------------------------------------------------


@pytest.mark.parametrize("extra", [{}, {"ajouter": "1"}])
def test_a_forged_line_count_gets_a_quick_french_error(world, draft, login, extra):
    client = login(world.users["mandataire"])
    start = time.perf_counter()
    response = edit(
        client, draft, {**MANAGEMENT, "lignes-TOTAL_FORMS": "100000", "enregistrer": "1", **extra}
    )
    elapsed = time.perf_counter() - start
    content = response.content.decode()
    assert f"Une demande compte au plus {MAX_LINES} dons" in content
    assert elapsed < 2 and len(response.content) < 200_000
    assert not draft.lines.exists()


def test_a_real_request_of_many_lines_still_fits(world, draft, login):
    data = {**MANAGEMENT, "lignes-TOTAL_FORMS": "3", "enregistrer": "1"}
    for i in range(3):
        data.update(line_data("lignes", i, last_name=f"N{i}", amount="10"))
    response = edit(login(world.users["mandataire"]), draft, data)
    assert response.status_code == 302 and draft.lines.count() == 3


# --- 3.2 Amounts typed the French way ------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("120,50", "120.50"),
        ("120.50", "120.50"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1234", "1234.00"),
        ("45 €", "45.00"),
        ("0,5", "0.50"),
    ],
)
def test_amounts_are_read_the_french_way(typed, stored):
    assert AMOUNT.clean(typed) == Decimal(stored)


@pytest.mark.parametrize(
    "typed, message",
    [
        ("1.234,5", "Montant ambigu"),
        ("1,234.50", "Montant ambigu"),
        ("1,234", "Montant ambigu"),
        ("1.234", "Montant ambigu"),
        ("12,345,6", "Montant ambigu"),
        ("12 34", "Montant ambigu"),
        ("dix", "Montant illisible"),
        ("0", "supérieur à zéro"),
        ("-5", "supérieur à zéro"),
        ("100 000,01", "ne peut pas dépasser 100\u00a0000,00\u00a0€"),
    ],
)
def test_an_ambiguous_or_impossible_amount_is_refused_in_french(typed, message):
    with pytest.raises(ValidationError) as error:
        AMOUNT.clean(typed)
    assert message in error.value.messages[0]


def test_the_amount_is_a_text_input_shown_the_french_way(world, draft, login):
    DonationLineFactory(request=draft, amount=Decimal("120.50"))
    content = (
        login(world.users["mandataire"])
        .get(reverse("finances:request_edit", args=[draft.pk]))
        .content.decode()
    )
    assert 'name="lignes-0-amount" value="120,50"' in content
    assert 'inputmode="decimal"' in content and 'type="number"' not in content
    assert 'id="total-dons"' in content and "js/dons.js" in content
    assert "<script>" not in content  # no inline script (Content-Security-Policy)


def test_the_database_refuses_an_amount_out_of_bounds(db):
    line = DonationLineFactory()
    for amount in (Decimal("0"), Decimal("-1"), MAX_GIFT_AMOUNT + Decimal("0.01")):
        with pytest.raises(IntegrityError), transaction.atomic():
            DonationLine.objects.filter(pk=line.pk).update(amount=amount)


def test_an_import_refuses_an_ambiguous_amount(world, draft, login):
    from tests.finances.test_views import HEADERS, build_xlsx

    row = [
        "Martin",
        "Claire",
        "",
        "",
        "1 rue A",
        "92000",
        "Nanterre",
        "",
        "",
        "1,234",
        timezone.localdate(),
        "Chèque",
    ]
    upload = io.BytesIO(build_xlsx(HEADERS, [row]))
    upload.name = "dons.xlsx"
    response = login(world.users["mandataire"]).post(
        reverse("finances:request_import", args=[draft.pk]), {"file": upload}, follow=True
    )
    assert "Ligne 2 : montant ambigu « 1,234 »" in response.content.decode()
    assert not draft.lines.exists()


# --- 3.12 The mandataire's own requests ----------------------------------------------------------


def test_the_certification_error_is_shown_next_to_its_box(world, draft, login):
    DonationLineFactory(request=draft)
    data = {**MANAGEMENT, "lignes-TOTAL_FORMS": "0", "soumettre": "1"}
    response = edit(login(world.users["mandataire"]), draft, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<p class="error" id="id_demande-certified_error">Certifiez que chaque don' in content
    draft.refresh_from_db()
    assert draft.status == DonationRequest.Status.DRAFT


def test_only_the_fields_of_the_donors_type_are_kept(world, draft, login):
    data = {**MANAGEMENT, "lignes-TOTAL_FORMS": "1", "enregistrer": "1"}
    data.update(
        line_data(
            "lignes",
            0,
            donor_type="particulier",
            last_name="Martin",
            company_name="Reste d'une saisie",
            siren="123",
            amount="10",
        )
    )
    response = edit(login(world.users["mandataire"]), draft, data)
    assert response.status_code == 302
    line = draft.lines.get()
    assert (line.last_name, line.company_name, line.siren) == ("Martin", "", "")
    form = LineForm()
    assert form.fields["company_name"].widget.attrs["data-pour"] == "entreprise"
    assert form.fields["last_name"].widget.attrs["data-pour"] == "particulier"


def test_a_company_siren_is_checked_as_typed(world, draft, login):
    data = {**MANAGEMENT, "lignes-TOTAL_FORMS": "1", "enregistrer": "1"}
    data.update(
        line_data("lignes", 0, donor_type="entreprise", company_name="Garage", siren="123 456 789")
    )
    response = edit(login(world.users["mandataire"]), draft, data)
    assert "clé de contrôle est fausse" in response.content.decode()
    assert not draft.lines.exists()


def test_a_draft_is_deleted_after_a_confirmation(world, draft, login):
    DonationLineFactory(request=draft)
    client = login(world.users["mandataire"])
    url = reverse("finances:request_delete", args=[draft.pk])
    page = client.get(url).content.decode()
    assert "Ce brouillon contient 1 don" in page and "Supprimer définitivement" in page
    assert DonationRequest.objects.filter(pk=draft.pk).exists()
    response = client.post(url, follow=True)
    assert f"Brouillon n° {draft.pk} supprimé." in response.content.decode()
    assert not DonationRequest.objects.filter(pk=draft.pk).exists()


def test_only_a_draft_is_deleted(world, association, login):
    submitted = DonationRequestFactory(cooperative=world.own_coop, submitted=True)
    response = login(world.users["mandataire"]).post(
        reverse("finances:request_delete", args=[submitted.pk]), follow=True
    )
    assert "Seul un brouillon peut être supprimé" in response.content.decode()
    assert DonationRequest.objects.filter(pk=submitted.pk).exists()


def test_the_home_page_lists_the_mandataires_requests(world, association, login):
    draft = DonationRequestFactory(cooperative=world.own_coop)
    DonationLineFactory(request=draft, amount=Decimal("30"))
    submitted = DonationRequestFactory(cooperative=world.own_coop, submitted=True)
    DonationRequestFactory(cooperative=world.other_coop)
    content = login(world.users["mandataire"]).get(reverse("home")).content.decode()
    assert f"Demande n° {draft.pk}</a>" in content and f"Demande n° {submitted.pk}</a>" in content
    assert "Brouillon</span> — 1 don, 30,00\u00a0€" in content
    assert "Soumise</span> — 0 don, 0,00\u00a0€" in content
    assert "Soumise</span>" in content
    assert reverse("finances:request_edit", args=[draft.pk]) in content
    assert content.count("Demande n° ") == 2


def test_the_templates_example_row_is_dated_this_year(world, login):
    response = login(world.users["mandataire"]).get(reverse("finances:import_template"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    headers = rows[0]
    for row in rows[1:]:
        day = row[headers.index("Date du don")]
        assert isinstance(day, datetime.datetime)
        assert day.year == timezone.localdate().year and day.date() <= timezone.localdate()


def test_editing_a_validated_request_says_it_is_validated(world, association, login):
    validated = DonationRequestFactory(
        cooperative=world.own_coop, status=DonationRequest.Status.VALIDATED
    )
    response = login(world.users["mandataire"]).get(
        reverse("finances:request_edit", args=[validated.pk]), follow=True
    )
    content = response.content.decode()
    assert "Cette demande est validée : elle ne peut plus être modifiée." in content
    assert "Votre rôle ne permet pas" not in content
    # A role that never edits still gets its 403.
    forbidden = login(world.users["administrateur"]).get(
        reverse("finances:request_edit", args=[validated.pk])
    )
    assert forbidden.status_code == 403


# --- 3.8 Histories show names and numbers, never ids -------------------------------------------


def test_the_history_shows_names_and_receipt_numbers(
    world, association, login, django_capture_on_commit_callbacks
):
    mandataire, secretary = world.users["mandataire"], world.users["secretariat"]
    request = DonationRequestFactory(cooperative=world.own_coop, created_by=mandataire)
    DonationLineFactory(request=request)
    services.submit(request, mandataire)
    with django_capture_on_commit_callbacks(execute=True):
        (receipt,) = services.validate(request.pk, secretary)
    content = (
        login(secretary).get(reverse("finances:request_detail", args=[request.pk])).content.decode()
    )
    history = content[content.index('id="historique"') :]
    assert f"« {receipt.number} »" in history
    assert f"« {mandataire} »" in history and f"« {secretary} »" in history
    assert f"« {receipt.pk} »" not in history and f"« {mandataire.pk} »" not in history


def test_request_numbers_print_without_a_thousands_separator(world, association, login):
    request = DonationRequestFactory(id=1037, cooperative=world.own_coop)
    client = login(world.users["mandataire"])
    detail = client.get(reverse("finances:request_detail", args=[request.pk])).content.decode()
    listing = client.get(reverse("finances:request_list")).content.decode()
    for content in (detail, listing):
        assert "n° 1037" in content and "1\u00a0037" not in content


# --- History of a request, certification by the mandataire only ---------------------------


def test_who_did_what_is_kept_and_shown_to_staff(
    world, association, login, django_capture_on_commit_callbacks
):
    request = DonationRequestFactory(
        cooperative=world.own_coop, created_by=world.users["mandataire"]
    )
    line = DonationLineFactory(request=request)
    mandataire = login(world.users["mandataire"])
    data = {
        "demande-group_by_donor": "",
        "demande-email_donors": "",
        "demande-certified": "on",
        "lignes-TOTAL_FORMS": "1",
        "lignes-INITIAL_FORMS": "1",
        "lignes-0-id": line.pk,
        **{
            f"lignes-0-{name}": (
                getattr(line, name).isoformat() if name == "date" else getattr(line, name)
            )
            for name in LINE_FIELDS
            if name != "request"  # added to the list by the inline formset
        },
        "lignes-0-amount": "175.00",
        "soumettre": "1",
    }
    mandataire.post(reverse("finances:request_edit", args=[request.pk]), data)
    request.refresh_from_db()
    assert request.status == "submitted"
    assert request.submitted_by == world.users["mandataire"]
    changed = DonationLine.history.filter(id=line.pk).order_by("-history_date").first()
    assert changed.amount == Decimal("175.00")
    assert changed.history_user == world.users["mandataire"]
    submitted = request.history.order_by("-history_date").first()
    assert submitted.status == "submitted" and submitted.history_user == world.users["mandataire"]

    detail = reverse("finances:request_detail", args=[request.pk])
    page = html(login(world.users["animation"]).get(detail))
    assert "Historique de la demande" in page
    assert "montant : « 150,00 » → « 175,00 »" in page
    assert "Historique de la demande" not in html(login(world.users["mandataire"]).get(detail))


def test_staff_editing_a_draft_never_certify_for_the_mandataire(world, association, login):
    request = DonationRequestFactory(
        cooperative=world.own_coop, created_by=world.users["mandataire"], certified=False
    )
    staff = login(world.users["secretariat"])
    url = reverse("finances:request_edit", args=[request.pk])
    assert "certified" not in staff.get(url).context["form"].fields
    staff.post(
        url,
        {
            "demande-certified": "on",
            "lignes-TOTAL_FORMS": "0",
            "lignes-INITIAL_FORMS": "0",
        },
    )
    request.refresh_from_db()
    assert not request.certified
    assert "certified" in RequestForm(can_certify=True).fields
