"""The actions' figures of the annual report, each on data in several states (classes taking
part or not, interventions planned, held or cancelled, productions accepted or not, answers
scored or not, diplomas, budgets, interventions outside actions per theme), the figures page
and its Excel export."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from actions import indicators
from actions.models import ClassRegistration, Diploma, Intervention, Production, Submission
from occe.core.indicators import registry
from occe.core.models import SchoolYear
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory

from .factories import (
    BudgetLineFactory,
    ClassRegistrationFactory,
    EditionFactory,
    IntervenantFactory,
    InterventionFactory,
    RoundFactory,
    at,
)

pytestmark = pytest.mark.django_db
S = ClassRegistration.Status


@pytest.fixture
def year():
    return SchoolYear.objects.current()


@pytest.fixture
def world(year):
    """THEA this year: classes of cycles 2, 3 and both, one on the waiting list and one not
    retained (not counted); a last year's edition (never counted this year)."""
    thea = EditionFactory(action__title="THEA", levels=["CP", "CE1", "CE2", "CM1", "CM2"])
    cp = ClassRegistrationFactory(edition=thea, levels=["CP"], status=S.PARTICIPANTE)
    ce2_cm1 = ClassRegistrationFactory(edition=thea, levels=["CE2", "CM1"], status=S.RETENUE)
    cm2 = ClassRegistrationFactory(edition=thea, levels=["CM2"], status=S.TERMINEE)
    ClassRegistrationFactory(edition=thea, levels=["CE1"], status=S.ATTENTE)
    ClassRegistrationFactory(edition=thea, levels=["CM1"], status=S.NON_RETENUE)
    poetry = EditionFactory(action__title="La Picardie en poésie", mode="a_distance")
    ClassRegistrationFactory(edition=poetry, levels=["GS"], status=S.INSCRITE)
    last = EditionFactory(action__title="THEA", school_year=year.previous())
    ClassRegistrationFactory(edition=last, levels=["5e"], status=S.TERMINEE)
    return {"thea": thea, "poetry": poetry, "cp": cp, "ce2_cm1": ce2_cm1, "cm2": cm2}


def test_classes_by_cycle_per_edition_and_overall(world, year):
    assert indicators.classes(year) == {"thea": 3, "la_picardie_en_poesie": 1}
    # The CE2-CM1 class counts in cycles 2 and 3; the waiting list and the left out do not.
    assert indicators.classes_cycle_1(year) == {"thea": 0, "la_picardie_en_poesie": 1}
    assert indicators.classes_cycle_2(year) == {"thea": 2, "la_picardie_en_poesie": 0}
    assert indicators.classes_cycle_3(year) == {"thea": 2, "la_picardie_en_poesie": 0}
    assert indicators.classes_cycle_4(year) == {"thea": 0, "la_picardie_en_poesie": 0}
    assert indicators.total_classes(year) == 4
    assert [indicators.total_classes_cycle_1(year), indicators.total_classes_cycle_2(year)] == [
        1,
        2,
    ]
    assert indicators.total_classes_cycle_3(year) == 2
    assert indicators.total_classes_cycle_4(year) == 0  # last year's 5e is last year's
    assert indicators.total_classes_cycle_4(year.previous()) == 1


def test_interventions_planned_held_and_per_class(world, year):
    intervenant = IntervenantFactory()
    day = datetime.date.today() + datetime.timedelta(days=7)
    for hour, status, registration in [
        (8, Intervention.Status.REALISEE, world["cp"]),
        (10, Intervention.Status.REALISEE, world["cp"]),
        (12, Intervention.Status.PLANIFIEE, world["cm2"]),
        (14, Intervention.Status.ANNULEE, world["cm2"]),
    ]:
        InterventionFactory(
            registration=registration,
            intervenant=intervenant,
            starts_at=at(day, hour),
            ends_at=at(day, hour + 1),
            status=status,
        )
    assert indicators.interventions(year)["thea"] == 2
    assert indicators.interventions_planned(year) == {"thea": 3, "la_picardie_en_poesie": 0}
    # 2 held for 3 classes taking part; an edition without classes: 0, not a division error.
    assert indicators.interventions_per_class(year) == {
        "thea": Decimal("0.67"),
        "la_picardie_en_poesie": Decimal("0"),
    }


def test_productions_answers_and_diplomas(world, year):
    poetry_class = ClassRegistration.objects.get(edition=world["poetry"])
    for title, status in [
        ("Le vent", Production.Status.ACCEPTEE),
        ("La pluie", Production.Status.ACCEPTEE),
        ("Brouillon", Production.Status.REFUSEE),
        ("Neige", Production.Status.PROPOSEE),
    ]:
        Production.objects.create(
            edition=world["poetry"], registration=poetry_class, title=title, status=status
        )
    round_ = RoundFactory(edition=world["thea"], cycle=3)
    Submission.objects.create(round=round_, registration=world["cm2"], text="42", score=15)
    Submission.objects.create(round=round_, registration=world["ce2_cm1"], text="41")
    diploma = Diploma(registration=world["cp"])
    diploma.pdf.save("d.pdf", ContentFile(b"%PDF-1.4"))

    assert indicators.productions(year) == {"thea": 0, "la_picardie_en_poesie": 4}
    assert indicators.productions_accepted(year)["la_picardie_en_poesie"] == 2
    assert indicators.answers(year) == {"thea": 2, "la_picardie_en_poesie": 0}
    assert indicators.answers_scored(year) == {"thea": 1, "la_picardie_en_poesie": 0}
    assert indicators.diplomas(year) == {"thea": 1, "la_picardie_en_poesie": 0}
    assert indicators.diplomas(year.previous()) == {"thea": 0}


def test_budget_contributions_beside_total_and_share(world, year):
    BudgetLineFactory(edition=world["thea"], amount=Decimal("11871.61"))
    for amount in ("500", "4000"):
        BudgetLineFactory(edition=world["thea"], kind="contribution", amount=Decimal(amount))
    assert indicators.budget_contributions(year) == {
        "thea": Decimal("4500"),
        "la_picardie_en_poesie": None,  # no budget recorded: « non renseigné », not 0
    }
    assert indicators.budget_share(year) == {
        "thea": Decimal("7371.61"),
        "la_picardie_en_poesie": None,
    }
    assert indicators.budget_total(year)["la_picardie_en_poesie"] is None


def test_coops_reached_per_theme_outside_actions(year):
    """PHILO in 1 coop, JEUX COOPÉRATIFS in 2 (a coop visited twice counts once; the theme
    typed with other capitals is the same theme); planned or cancelled ones reach nobody; last
    year's are last year's."""
    assert indicators.themes_cooperatives(year) is None  # nothing: « non renseigné »
    intervenant = IntervenantFactory()
    coops = [CooperativeFactory() for _ in range(4)]
    day = year.start_date + datetime.timedelta(days=40)
    rows = [
        ("PHILO", coops[0], Intervention.Status.REALISEE, day),
        ("Jeux coopératifs", coops[1], Intervention.Status.REALISEE, day),
        ("JEUX COOPÉRATIFS", coops[1], Intervention.Status.REALISEE, day + datetime.timedelta(1)),
        ("Jeux coopératifs", coops[2], Intervention.Status.REALISEE, day + datetime.timedelta(2)),
        ("Jeux coopératifs", coops[3], Intervention.Status.ANNULEE, day + datetime.timedelta(3)),
        ("Jeux coopératifs", coops[3], Intervention.Status.PLANIFIEE, day + datetime.timedelta(4)),
        ("Land art", coops[0], Intervention.Status.PLANIFIEE, day),
        ("PHILO", coops[3], Intervention.Status.REALISEE, day - datetime.timedelta(days=80)),
    ]
    for n, (theme, coop, status, when) in enumerate(rows):
        Intervention.objects.create(
            theme=theme,
            cooperative=coop,
            intervenant=intervenant,
            starts_at=at(when, 8 + n),
            ends_at=at(when, 9 + n),
            status=status,
        )
    assert indicators.themes_cooperatives(year) == {
        "philo": 1,
        "jeux_cooperatifs": 2,
        "land_art": 0,
    }
    assert indicators.themes_interventions(year) == {
        "philo": 1,
        "jeux_cooperatifs": 3,
        "land_art": 0,
    }
    assert indicators.themes_cooperatives(year.previous()) == {"philo": 1}


def test_a_year_without_edition_is_not_provided(year):
    for function in (
        indicators.classes_cycle_2,
        indicators.total_classes,
        indicators.total_classes_cycle_3,
        indicators.interventions_planned,
        indicators.interventions_per_class,
        indicators.productions,
        indicators.answers_scored,
        indicators.diplomas,
        indicators.budget_contributions,
    ):
        assert function(year) is None, function


def test_the_report_reads_every_figure(world, year):
    keys = set(registry())
    assert {
        "actions.*.cycles.cycle_2",
        "actions.classes_cycle_2",
        "actions.classes",
        "actions.*.interventions_planifiees",
        "actions.*.interventions_par_classe",
        "actions.*.productions",
        "actions.*.productions_acceptees",
        "actions.*.reponses_notees",
        "actions.*.diplomes",
        "actions.*.budget.contributions",
        "interventions.*.cooperatives",
    } <= keys
    values = registry()["actions.*.cycles.cycle_3"].compute(year)
    assert values["actions.thea.cycles.cycle_3"] == 2


def test_the_figures_page_and_its_export(client, world, year):
    BudgetLineFactory(edition=world["thea"], amount=Decimal("11871.61"))
    BudgetLineFactory(edition=world["thea"], kind="contribution", amount=Decimal("4500"))
    Intervention.objects.create(
        theme="Philo",
        cooperative=CooperativeFactory(),
        intervenant=IntervenantFactory(),
        starts_at=at(year.start_date + datetime.timedelta(days=30), 9),
        ends_at=at(year.start_date + datetime.timedelta(days=30), 10),
        status=Intervention.Status.REALISEE,
    )
    client.force_login(UserFactory(administrateur=True))
    url = reverse("actions:figures")
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert "THEA" in page and "11\u00a0871,61\u00a0€" in page and "7\u00a0371,61\u00a0€" in page
    assert "Toutes les actions" in page and "Philo" in page

    export = client.get(reverse("actions:figures_export"), {"annee": year.label})
    workbook = load_workbook(io.BytesIO(export.content))
    sheet = workbook["Par action"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    thea = next(r for r in rows if r[0] == "THEA")
    figures = dict(zip(header, thea, strict=True))
    assert figures["Classes"] == 3 and figures["Cycle 2"] == 2 and figures["Cycle 3"] == 2
    assert figures["Part de l'association"] == pytest.approx(7371.61)
    total = dict(zip(header, rows[-1], strict=True))
    assert total["Action"] == "Toutes les actions" and total["Classes"] == 4
    assert total["Cycle 1"] == 1
    themes = list(workbook["Hors action"].iter_rows(values_only=True))
    assert themes[1] == ("Philo", 1, 1)

    # Many more editions, classes and themes: as many queries.
    for n in range(5):
        edition = EditionFactory(action__title=f"Action {n}")
        for _ in range(3):
            ClassRegistrationFactory(edition=edition, levels=["CE1", "CM1"], status=S.RETENUE)
    with CaptureQueriesContext(connection) as many:
        assert "Action 4" in client.get(url).content.decode()
    assert len(many) == len(few)

    client.force_login(UserFactory())  # a teacher
    assert client.get(url).status_code == 403
