"""The report's « Actions pédagogiques départementales »: one block per edition of the year, as
in the seed report (title, objectives, partners, « 8 classes participantes du CP au CM2 de 4
écoles : 192 ÉLÈVES CONCERNÉS », classes by cycle, interventions per class and who held them,
resources, final event, « Participations financières : 500,00 € de la DSDEN et 4 000,00 € du
Rectorat. », « Montant global de l'action … — part de l'association : … »), read through the
listing registry (`rapport.actions`); an edition with no data says "non renseigné", never 0.
The workbook has the same blocks as a sheet of real numbers."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time
from openpyxl import load_workbook

from actions.listings import of
from actions.models import BudgetLine, ClassRegistration, Intervention
from occe.core.listings import registry
from occe.core.models import SchoolYear
from occe.reports.generate import generate
from tests.actions.factories import (
    ActionFactory,
    BudgetLineFactory,
    ClassRegistrationFactory,
    EditionFactory,
    IntervenantFactory,
    InterventionFactory,
)
from tests.cooperatives.factories import CooperativeFactory
from tests.reports.test_report import indicators_sheet, pdf_pages, section_page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
SECTION = "Actions pédagogiques départementales"


@pytest.fixture
def frozen():
    with freeze_time("2025-11-20 10:00"):
        yield


@pytest.fixture
def year() -> SchoolYear:
    return SchoolYear.objects.get_or_create(start_year=2024)[0]


def thea(year: SchoolYear, classes: int = 3):
    """THEA 2024-2025: `classes` classes of 2 schools (CP, CE1, then CM2…: 25 pupils each, one
    class on the waiting list left out), 2 interventions held per class by two actors of one
    company (one more cancelled), a restitution on 10 June 2025, 500 € from the DSDEN and
    4 000 € from the Rectorat, 11 871,61 € spent."""
    edition = EditionFactory(
        action=ActionFactory(
            title="THEA", objectives="Favoriser la création théâtrale.\nÀ partir d'une œuvre."
        ),
        school_year=year,
        levels=["CP", "CE1", "CE2", "CM1", "CM2"],
        interventions_per_class=2,
        partners="Caroline Stella, autrice\nCompagnie du Hasard, comédiens",
        resources="https://padlet.com/occe/thea",
        final_event="Restitution au théâtre",
        final_event_place="Théâtre Jean Vilar, Suresnes",
        final_event_date=datetime.date(2025, 6, 10),
    )
    schools = [CooperativeFactory(), CooperativeFactory()]
    actors = [
        IntervenantFactory(name=name, organisation="Compagnie du Hasard")
        for name in ("Marion Monier", "Wilhem Mahtallah")
    ]
    levels = [["CP"], ["CE1"], ["CM2"]]
    for n in range(classes):
        registration = ClassRegistrationFactory(
            edition=edition, cooperative=schools[n % 2], levels=levels[n % 3], pupils=25
        )
        for k in range(2):
            InterventionFactory(
                registration=registration,
                intervenant=actors[k],
                status=Intervention.Status.REALISEE,
                # An intervenant is in one class at a time (PostgreSQL's exclusion constraint).
                starts_at=timezone.make_aware(
                    datetime.datetime(2025, 1, 6, 9 + 3 * k) + datetime.timedelta(days=n)
                ),
            )
    ClassRegistrationFactory(edition=edition, status=ClassRegistration.Status.ATTENTE)
    InterventionFactory(
        registration=registration,
        intervenant=actors[0],
        status=Intervention.Status.ANNULEE,
        starts_at=timezone.make_aware(datetime.datetime(2025, 2, 3, 9)),
    )
    BudgetLineFactory(edition=edition, amount=Decimal("11871.61"))
    for label, amount in (("DSDEN", "500"), ("Rectorat", "4000")):
        BudgetLineFactory(
            edition=edition,
            kind=BudgetLine.Kind.CONTRIBUTION,
            category=BudgetLine.Category.SUBVENTION,
            label=label,
            amount=Decimal(amount),
        )
    return edition


def quiet(year: SchoolYear):
    """Land art 2024-2025: an edition at a distance, nothing recorded yet."""
    return EditionFactory(
        action=ActionFactory(title="Land art et poésie", objectives="Créer avec la nature."),
        school_year=year,
        mode="a_distance",
        capacity=0,
        interventions_per_class=0,
    )


def test_each_edition_has_its_block_in_french_in_the_actions_section(year):
    thea(year)
    quiet(year)
    EditionFactory(action=ActionFactory(title="Action d'une autre année"))  # this year's
    pages = pdf_pages(generate(year).pdf)
    text = section_page(pages, SECTION)
    assert "OBJECTIFS : Favoriser la création théâtrale. À partir d'une œuvre." in text
    assert "Avec : Caroline Stella, autrice ; Compagnie du Hasard, comédiens" in text
    assert "3 classes participantes du CP au CM2 de 2 écoles : 75 ÉLÈVES CONCERNÉS" in text
    assert "Classes par cycle : 2 de cycle 2 et 1 de cycle 3" in text
    assert (
        "2 interventions par classe de la part de Marion Monier et Wilhem Mahtallah "
        "(Compagnie du Hasard)" in text
    )
    assert "Ressources : https://padlet.com/occe/thea" in text
    assert "Restitution au théâtre — Théâtre Jean Vilar, Suresnes, le 10 juin 2025" in text
    assert "Participations financières : 500,00 € de la DSDEN et 4 000,00 € du Rectorat." in text
    assert "Montant global de l'action 11 871,61 € — part de l'association : 7 371,61 €" in text
    # The edition with nothing recorded: its figures are not provided, never 0; it plans no
    # interventions, so none are expected.
    land_art = text[text.index("Land art et poésie OBJECTIFS") :]
    assert land_art.startswith(
        "Land art et poésie OBJECTIFS : Créer avec la nature. "
        "Classes participantes, écoles, élèves concernés : non renseigné "
        "Montant global de l'action, part de l'association : non renseigné"
    )
    assert "intervention" not in land_art[:200]
    assert "Action d'une autre année" not in text
    # The table still compares with last year; the contributions are said once, in the block.
    assert "THEA 3 2 75 6 11 871,61 € 7 371,61 €" in text
    assert "Participation financière — THEA" not in text


def test_the_workbook_has_the_blocks_as_real_numbers_and_the_same_indicators(year):
    thea(year)
    quiet(year)
    output = generate(year)
    book = load_workbook(io.BytesIO(output.xlsx))
    rows = list(book["Actions pédagogiques (détail)"].iter_rows(values_only=True))
    header = rows[0]
    by_title = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    thea_row = by_title["THEA"]
    assert (thea_row["Classes participantes"], thea_row["Écoles"]) == (3, 2)
    assert thea_row["Élèves concernés"] == 75
    assert thea_row["Interventions par classe"] == 2
    assert thea_row["Montant global de l'action"] == 11871.61
    assert thea_row["Part de l'association"] == 7371.61
    assert thea_row["Niveaux des classes"] == "du CP au CM2"
    assert (
        thea_row["Participations financières"].replace("\u00a0", " ")
        == "500,00 € de la DSDEN et 4 000,00 € du Rectorat"
    )
    land_art = by_title["Land art et poésie"]
    assert (
        land_art["Classes participantes"] is None and land_art["Montant global de l'action"] is None
    )
    # The contract's keys are untouched, the contributions among them.
    values = indicators_sheet(output.xlsx)
    assert values["actions.thea.budget.contributions.rectorat"] == 4000
    assert values["actions.thea.classes"] == 3


def test_the_blocks_take_as_many_queries_whatever_the_number_of_editions(year):
    listing = registry()["rapport.actions"]
    thea(year, classes=1)
    with CaptureQueriesContext(connection) as few:
        assert len(listing.entries(year)) == 1
    thea(SchoolYear.objects.get_or_create(start_year=2023)[0])  # another year: not counted
    for n in range(4):
        edition = quiet(year) if n == 0 else EditionFactory(school_year=year)
        ClassRegistrationFactory(edition=edition, levels=["CE2", "CM1"])
    with CaptureQueriesContext(connection) as many:
        entries = listing.entries(year)
    assert [entry.title for entry in entries][-1] == "THEA" and len(entries) == 5
    assert len(many) == len(few) == 9, "\n".join(q["sql"][:120] for q in many)


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("DSDEN", "de la DSDEN"),
        ("Rectorat", "du Rectorat"),
        ("DRAC Île-de-France", "de la DRAC Île-de-France"),
        ("Agence de l'eau Seine-Normandie", "de l'Agence de l'eau Seine-Normandie"),
        ("la Ville de Sceaux", "de la Ville de Sceaux"),
        ("le Département", "du Département"),
        ("Canopé", "de Canopé"),
    ],
)
def test_contributors_are_named_in_french(name, said):
    assert of(name) == said
