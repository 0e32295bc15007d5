"""Staff pages: editions created and edited, budgets in French amounts and their export, the
registrations list in a constant number of queries."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from actions.models import BudgetLine, Edition
from occe.core.models import SchoolYear
from tests.accounts.factories import UserFactory

from .factories import (
    ActionFactory,
    BudgetLineFactory,
    ClassRegistrationFactory,
    EditionFactory,
    InterventionFactory,
    in_days,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(animation=True))
    return client


def test_staff_create_an_edition(staff):
    action = ActionFactory(title="Porté disparu")
    year = SchoolYear.objects.current()
    response = staff.post(
        reverse("actions:edition_create", args=[action.pk]),
        {
            "school_year": year.pk,
            "mode": "partenaire",
            "levels": ["CM1", "CM2", "6e"],
            "registration_opens": in_days(-1).isoformat(),
            "registration_closes": in_days(30).isoformat(),
            "capacity": "9",
            "interventions_per_class": "0",
        },
    )
    edition = Edition.objects.get()
    assert response.status_code == 302 and edition.cycles == [3]
    # A second edition the same year is refused next to the field.
    again = staff.post(
        reverse("actions:edition_create", args=[action.pk]),
        {
            "school_year": year.pk,
            "mode": "partenaire",
            "levels": ["CM1"],
            "registration_opens": in_days(-1).isoformat(),
            "registration_closes": in_days(-5).isoformat(),
            "capacity": "9",
            "interventions_per_class": "0",
        },
    )
    assert again.status_code == 200
    assert "La clôture des inscriptions précède leur ouverture." in again.content.decode()


def test_the_budget_shows_the_association_s_share_like_the_seed(staff):
    edition = EditionFactory(action__title="THEA")
    url = reverse("actions:budget", args=[edition.pk])
    for label, amount in [("Comédiens", "8 400"), ("Transport", "3 471,61")]:
        staff.post(url, {"kind": "depense", "category": "autre", "label": label, "amount": amount})
    for label, amount in [("DSDEN", "500"), ("Rectorat", "4 000,00")]:
        staff.post(
            url,
            {"kind": "contribution", "category": "subvention", "label": label, "amount": amount},
        )
    page = staff.get(url).content.decode()
    assert (
        "Montant global de l'action 11\xa0871,61\xa0€ – part de l'association : "
        "7\xa0371,61\xa0€" in page
    )
    assert edition.budget() == {
        "total": Decimal("11871.61"),
        "contributions": Decimal("4500.00"),
        "share": Decimal("7371.61"),
    }
    refused = staff.post(
        url, {"kind": "depense", "category": "autre", "label": "Trop", "amount": "-5"}
    )
    assert "supérieur à zéro" in refused.content.decode()
    assert BudgetLine.objects.count() == 4

    workbook = load_workbook(
        io.BytesIO(staff.get(reverse("actions:budget_export", args=[edition.pk])).content)
    )
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0] == ("Nature", "Poste", "Libellé", "Montant")
    assert rows[-1][2:] == ("Part de l'association", 7371.61)


def test_the_board_reads_the_budget_but_cannot_add(client):
    line = BudgetLineFactory()
    client.force_login(UserFactory(administrateur=True))
    url = reverse("actions:budget", args=[line.edition_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"kind": "depense"}).status_code == 403


def test_the_edition_page_takes_constant_queries(staff, django_assert_max_num_queries):
    edition = EditionFactory()
    for _ in range(3):
        InterventionFactory(registration__edition=edition)
    url = reverse("actions:edition_detail", args=[edition.pk])
    staff.get(url)
    with django_assert_max_num_queries(25) as few:
        staff.get(url)
    for _ in range(10):
        InterventionFactory(registration__edition=edition)
    ClassRegistrationFactory.create_batch(5, edition=edition)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = staff.get(url)
    assert page.content.decode().count("/actions/inscriptions/") >= 18
