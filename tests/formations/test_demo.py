"""The demo trainings reproduce the seed report's figures for the previous school year."""

import pytest

from cooperatives import demo as department
from formations import demo, indicators
from formations.models import Registration, Session
from occe.core.demo_apps import DemoContext
from occe.core.models import SchoolYear

pytestmark = pytest.mark.django_db


def test_department_scale_reproduces_the_seed_report():
    department.generate(625, seed=1)
    line = demo.populate(DemoContext(seed=1, coops=625))
    assert line.startswith("Formations : 6 formations")
    year = SchoolYear.objects.current().previous()
    held = indicators.sessions_held(year)
    people = indicators.participants(year)
    new, everyone = (
        "gerer_largent_de_la_cooperative_nouveaux_mandataires",
        "gerer_largent_de_la_cooperative_tous_les_mandataires",
    )
    assert (held[new], people[new]) == (5, 100)  # 5 sessions Sept–Oct: 100 teachers
    assert (held[everyone], people[everyone]) == (4, 54)  # 4 sessions March–June: 54
    assert people["thea_le_theatre_a_lecole"] == 8
    assert people["realiser_un_film_avec_sa_classe"] == 17
    assert held["les_rendez_vous_visio_des_mandataires"] == 9  # monthly, 1h30
    assert indicators.sessions_cancelled(year)[new] == 1  # « annulée faute d'inscrits »
    assert indicators.hours(year)[new] == 200  # 100 × 2 h
    thea = Session.objects.in_year(year).get(training__slug="thea_le_theatre_a_lecole")
    assert [(p.date.day, p.date.month) for p in thea.parts.all()] == [(13, 11), (30, 4)]
    assert indicators.staff_trainings(year) == 5
    # The demo accounts have something to see.
    assert Registration.objects.filter(user__email="enseignant@occe92.test").exists()
    assert Registration.objects.filter(user__email="mandataire@occe92.test").exists()


def test_a_small_department_works_too():
    department.generate(30, seed=2)
    demo.populate(DemoContext(seed=2, coops=30))
    for session in Session.objects.with_figures():
        assert session.confirmed_count <= session.capacity
