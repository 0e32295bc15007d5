"""A teacher's school (issue 10): « Mon école », its history, and the school proposed when
they register to a training."""

import datetime

import pytest
from django.urls import reverse
from freezegun import freeze_time

from cooperatives.models import TeacherSchool
from formations.models import Registration
from formations.views.common import default_cooperative
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory, MandateFactory
from tests.formations.factories import RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def schools():
    return (
        CooperativeFactory(name="École Lucie Aubrac", commune="Bagneux"),
        CooperativeFactory(name="École Jean Jaurès", commune="Clamart"),
    )


def test_a_teacher_chooses_then_changes_their_school_and_the_history_keeps_both(client, schools):
    aubrac, jaures = schools
    teacher = UserFactory()
    client.force_login(teacher)
    page = client.get(reverse("cooperatives:my_school")).content.decode()
    assert "Choisir votre école" in page

    with freeze_time("2024-09-02"):
        client.post(reverse("cooperatives:my_school"), {"cooperative": aubrac.pk})
    with freeze_time("2025-03-10"):
        response = client.post(reverse("cooperatives:my_school"), {"cooperative": jaures.pk})
        assert response.status_code == 302
        page = client.get(reverse("cooperatives:my_school")).content.decode()
    school = TeacherSchool.objects.get(user=teacher)
    assert school.cooperative == jaures and school.since == datetime.date(2025, 3, 10)
    assert "rattaché·e à <strong>École Jean Jaurès</strong>" in page
    assert "depuis le 10 mars 2025" in page
    assert "Vos écoles successives" in page
    assert "<td>École Lucie Aubrac</td><td>Bagneux</td><td>2 septembre 2024</td>" in page
    assert [p.cooperative for p in school.periods()] == [jaures, aubrac]


def test_choosing_the_same_school_again_changes_nothing(schools):
    aubrac, _ = schools
    teacher = UserFactory()
    with freeze_time("2024-09-02"):
        TeacherSchool.set_for(teacher, aubrac)
    TeacherSchool.set_for(teacher, aubrac)
    school = TeacherSchool.objects.get(user=teacher)
    assert school.since == datetime.date(2024, 9, 2)
    assert school.history.count() == 1


def test_my_school_refuses_a_struck_off_school_and_searches_without_javascript(client, schools):
    aubrac, _ = schools
    closed = CooperativeFactory(name="École fermée", status="radiee")
    client.force_login(UserFactory())
    page = client.post(reverse("cooperatives:my_school"), {"cooperative": closed.pk})
    assert "Choisissez une école active de la liste." in page.content.decode()
    page = client.post(reverse("cooperatives:my_school"), {"cooperative": "", "q": "bagneux"})
    assert f'<option value="{aubrac.pk}">École Lucie Aubrac — Bagneux' in page.content.decode()
    assert not TeacherSchool.objects.exists()


def test_the_school_proposed_at_registration(schools):
    aubrac, jaures = schools
    teacher = UserFactory()
    assert default_cooperative(teacher) is None
    RegistrationFactory(user=teacher, cooperative=jaures)
    assert default_cooperative(teacher) == jaures  # the last registration's
    TeacherSchool.set_for(teacher, aubrac)
    assert default_cooperative(teacher) == aubrac  # « Mon école » first
    aubrac.strike_off(datetime.date(2025, 6, 30), "Fermeture")
    assert default_cooperative(teacher) == jaures  # never a struck-off school


def test_a_mandataire_is_proposed_their_coop(schools):
    aubrac, jaures = schools
    mandataire = UserFactory(mandataire=True)
    MandateFactory(cooperative=jaures, user=mandataire)
    TeacherSchool.set_for(mandataire, aubrac)
    assert default_cooperative(mandataire) == jaures


def test_the_registration_page_preselects_my_school(client, schools):
    aubrac, _ = schools
    teacher = UserFactory()
    TeacherSchool.set_for(teacher, aubrac)
    client.force_login(teacher)
    session = SessionFactory()
    page = client.get(reverse("formations:register", args=[session.pk])).content.decode()
    assert f'<option value="{aubrac.pk}" selected>École Lucie Aubrac' in page


def test_the_menu_offers_my_school_to_teachers_only(client):
    client.force_login(UserFactory())
    assert reverse("cooperatives:my_school") in client.get(reverse("home")).content.decode()
    client.force_login(UserFactory(mandataire=True))
    assert reverse("cooperatives:my_school") not in client.get(reverse("home")).content.decode()


def test_the_demo_teacher_has_a_school_and_registers_there():
    from cooperatives import demo
    from formations import demo as formations_demo
    from occe.core import demo as core_demo
    from occe.core.demo_apps import DemoContext
    from occe.core.models import Association

    context = DemoContext(seed=2, coops=30)
    core_demo.populate(context)
    assert "École de l'enseignant de démonstration" in demo.populate(context)[-1]
    formations_demo.populate(context)
    assert Association.get().academic_domains == ["ac-versailles.fr"]
    school = TeacherSchool.objects.get(user__email="enseignant@occe92.test")
    assert school.cooperative.is_active
    registrations = Registration.objects.filter(user__email="enseignant@occe92.test")
    assert registrations.exists()
    assert {r.cooperative_id for r in registrations} == {school.cooperative_id}
    # The trainings' demo teachers have their school too.
    assert TeacherSchool.objects.filter(user__email__contains=".f1@").exists()
