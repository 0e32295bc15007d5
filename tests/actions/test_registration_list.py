"""The staff's list of class registrations, across editions, filtered with django-filter like
the other lists (year, edition, status, cycle, circonscription, school search, REP/REP+), in a
constant number of queries; teachers do not reach it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.models import ClassRegistration
from occe.core.models import SchoolYear
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CirconscriptionFactory, CooperativeFactory

from .factories import ClassRegistrationFactory, EditionFactory

pytestmark = pytest.mark.django_db
URL = "/actions/inscriptions/"
S = ClassRegistration.Status


@pytest.fixture
def world():
    laon = CirconscriptionFactory(name="Laon")
    soissons = CirconscriptionFactory(name="Soissons")
    thea = EditionFactory(action__title="THEA")
    films = EditionFactory(action__title="Les Écoles qui filment")
    last_year = EditionFactory(
        action__title="Porté disparu", school_year=SchoolYear.objects.current().previous()
    )
    jaures = CooperativeFactory(
        name="École Jean Jaurès", commune="Laon", circonscription=laon, priority_education="REP"
    )
    macé = CooperativeFactory(
        name="École Jean Macé",
        commune="Soissons",
        circonscription=soissons,
        priority_education="REP+",
    )
    ferry = CooperativeFactory(name="École Ferry", commune="Chauny", circonscription=soissons)
    rows = {
        "cp_jaures": ClassRegistrationFactory(
            edition=thea, cooperative=jaures, class_name="CP A", levels=["CP"]
        ),
        "ce2cm1_mace": ClassRegistrationFactory(
            edition=thea,
            cooperative=macé,
            class_name="CE2-CM1",
            levels=["CE2", "CM1"],
            status=S.RETENUE,
        ),
        "gs_ferry": ClassRegistrationFactory(
            edition=films, cooperative=ferry, class_name="GS", levels=["GS"], status=S.ATTENTE
        ),
        "cm2_ferry_old": ClassRegistrationFactory(
            edition=last_year,
            cooperative=ferry,
            class_name="CM2 vieux",
            levels=["CM2"],
            status=S.TERMINEE,
        ),
    }
    return {"thea": thea, "films": films, "laon": laon, "year": last_year.school_year} | rows


def shown(client, **params) -> set[str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    page = response.content.decode()
    names = ["CP A", "CE2-CM1", "GS", "CM2 vieux"]
    return {name for name in names if f">{name}</a>" in page}


def test_each_filter_narrows_the_list(client, world):
    client.force_login(UserFactory(animation=True))
    assert shown(client) == {"CP A", "CE2-CM1", "GS", "CM2 vieux"}
    assert shown(client, edition=world["thea"].pk) == {"CP A", "CE2-CM1"}
    assert shown(client, annee=world["year"].label) == {"CM2 vieux"}
    assert shown(client, status="retenue") == {"CE2-CM1"}
    # A multi-level class belongs to each of its cycles.
    assert shown(client, cycle="2") == {"CP A", "CE2-CM1"}
    assert shown(client, cycle="3") == {"CE2-CM1", "CM2 vieux"}
    assert shown(client, cycle="1") == {"GS"}
    assert shown(client, cycle="4") == set()
    assert shown(client, circonscription=world["laon"].pk) == {"CP A"}
    assert shown(client, q="macé") == {"CE2-CM1"}
    assert shown(client, q="chauny") == {"GS", "CM2 vieux"}
    assert shown(client, priority_education="REP") == {"CP A"}
    assert shown(client, priority_education="REP+") == {"CE2-CM1"}
    assert shown(client, priority_education="aucune") == {"GS", "CM2 vieux"}
    assert shown(client, cycle="3", status="terminee", q="ferry") == {"CM2 vieux"}
    page = client.get(URL, {"cycle": "9"}).content.decode()
    assert "Sélectionnez un choix valide" in page  # a tampered choice is said, not a crash


def test_the_filters_are_a_get_form_folded_on_phones(client, world):
    """static/js/app.js folds every `form.filters[method=get]` under « Filtres » on a phone."""
    client.force_login(UserFactory(administrateur=True))
    page = client.get(URL).content.decode()
    assert '<form method="get" class="card filters"' in page
    for label in ("Édition", "Statut", "Cycle", "Circonscription", "Éducation prioritaire"):
        assert f">{label}</label>" in page, label


def test_constant_queries_whatever_the_number_of_registrations(client, world):
    client.force_login(UserFactory(animation=True))
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"cycle": "3"})
    for n in range(30):
        ClassRegistrationFactory(edition=world["films"], levels=["CM1"], class_name=f"CM1 {n}")
    with CaptureQueriesContext(connection) as many:
        page = client.get(URL, {"cycle": "3"}).content.decode()
    assert "CM1 29" in page
    assert len(many) == len(few)


def test_teachers_do_not_reach_the_list(client, world):
    client.force_login(world["cp_jaures"].teacher)
    assert client.get(URL).status_code == 403
