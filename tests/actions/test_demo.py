"""The demo actions reproduce the seed report's editions for the previous school year, and the
annual report's figures read them."""

from decimal import Decimal

import pytest

from actions import demo, indicators, selection
from actions.models import ClassRegistration, Edition
from cooperatives import demo as department
from occe.core.demo_apps import DemoContext
from occe.core.indicators import registry
from occe.core.models import SchoolYear

pytestmark = pytest.mark.django_db


def test_department_scale_reproduces_the_seed_report():
    department.generate(625, seed=1)
    line = demo.populate(DemoContext(seed=1, coops=625))
    assert line.startswith("Actions : 7 actions")
    year = SchoolYear.objects.current().previous()
    classes, schools = indicators.classes(year), indicators.schools(year)
    pupils, held = indicators.pupils(year), indicators.interventions(year)
    assert (classes["thea"], schools["thea"], pupils["thea"]) == (8, 4, 192)
    assert held["thea"] == 8 * 7
    assert indicators.budget_total(year)["thea"] == Decimal("11871.61")
    assert indicators.budget_share(year)["thea"] == Decimal("7371.61")
    assert (classes["les_ecoles_qui_filment"], schools["les_ecoles_qui_filment"]) == (26, 11)
    assert pupils["les_ecoles_qui_filment"] == 576
    assert classes["land_art_et_poesie"] == 9
    land_art = ClassRegistration.objects.filter(
        edition__school_year=year, edition__action__slug="land_art_et_poesie"
    )
    assert (
        sorted(r.cycles[0] for r in land_art) == [2] * 7 + [3] * 3
        or sorted(r.cycles[-1] for r in land_art) == [2] * 7 + [3] * 2
    )
    assert (classes["porte_disparu"], pupils["porte_disparu"]) == (9, 219)
    assert (
        classes["classe_deau"],
        schools["classe_deau"],
        pupils["classe_deau"],
    ) == (39, 10, 975)

    # This year: THEA has more classes than places; last year's teachers are left out.
    thea = Edition.objects.get(action__slug="thea", school_year=SchoolYear.objects.current())
    proposal = selection.propose(thea)
    assert len(proposal.candidates) > thea.capacity == len(proposal.proposed)
    assert sum(c.excluded for c in proposal.candidates) == 2
    # Défimaths: 3 rounds for each of the 3 cycles, the first ones answered.
    defimaths = Edition.objects.get(action__slug="defimaths")
    assert defimaths.rounds.count() == 9
    assert defimaths.rounds.filter(number=1, submissions__isnull=False).exists()
    poetry = Edition.objects.get(action__slug="la_picardie_en_poesie")
    assert poetry.productions.filter(status="acceptee").count() == 6
    # The demo teacher has classes to see.
    assert ClassRegistration.objects.filter(teacher__email="enseignant@occe92.test").count() == 2


def test_the_report_reads_the_keys():
    keys = set(registry())
    assert {
        "actions.*.classes",
        "actions.*.ecoles",
        "actions.*.eleves",
        "actions.*.interventions",
        "actions.*.budget.total",
        "actions.*.budget.part_association",
    } <= keys
    assert indicators.classes(SchoolYear.objects.current()) is None  # no edition: None


def test_a_small_department_works_too():
    department.generate(30, seed=2)
    demo.populate(DemoContext(seed=2, coops=30))
    assert Edition.objects.count() == 12
