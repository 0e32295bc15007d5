"""A teacher registers a class (their school proposed), sees its status, is told by e-mail when
it changes; duplicates are refused; another teacher's class is out of reach."""

import pytest
from django.core import mail
from django.urls import reverse

from actions import services
from actions.models import ClassRegistration
from cooperatives.models import TeacherSchool
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory

from .factories import ClassRegistrationFactory, EditionFactory, in_days

pytestmark = pytest.mark.django_db


def test_the_teacher_s_school_is_proposed_and_the_class_registered(
    client, django_capture_on_commit_callbacks
):
    edition = EditionFactory(action__title="THEA")
    teacher = UserFactory(email="prof@exemple.fr")
    school = CooperativeFactory(name="École Jules Ferry")
    TeacherSchool.set_for(teacher, school)
    client.force_login(teacher)
    url = reverse("actions:register", args=[edition.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert f'value="{school.pk}" selected' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "cooperative": school.pk,
                "class_name": "  CM1  B ",
                "levels": ["CM1", "CM2"],
                "pupils": "24",
                "whole_team": "on",
                "motivation": "Projet théâtre de l'école",
                "q": "",
            },
        )
    registration = ClassRegistration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == registration.get_absolute_url()
    assert registration.class_name == "CM1 B"
    assert registration.cycles == [3]
    assert registration.whole_team and registration.teacher == teacher
    assert registration.status == ClassRegistration.Status.INSCRITE
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["prof@exemple.fr"]
    assert "bien enregistrée" in mail.outbox[0].body

    duplicate = client.post(
        url,
        {"cooperative": school.pk, "class_name": "cm1 b", "levels": ["CM1"], "pupils": "20"},
    )
    assert duplicate.status_code == 200
    assert "déjà inscrite à cette action" in duplicate.content.decode()
    assert ClassRegistration.objects.count() == 1


def test_a_form_error_is_said_next_to_the_field_and_levels_limited_to_the_edition():
    from actions.forms import RegistrationForm

    edition = EditionFactory(levels=["CP", "CE1"])
    form = RegistrationForm(
        {
            "cooperative": CooperativeFactory().pk,
            "class_name": "CP",
            "levels": ["CM2"],
            "pupils": "45",
        },
        edition=edition,
    )
    assert not form.is_valid()
    assert "pupils" in form.errors and "au plus 40" in form.errors["pupils"][0]
    assert "levels" in form.errors


def test_registrations_close_for_teachers_but_not_for_staff(client):
    edition = EditionFactory(registration_opens=in_days(-30), registration_closes=in_days(-1))
    teacher, staff = UserFactory(), UserFactory(animation=True)
    coop = CooperativeFactory()
    with pytest.raises(services.ActionError, match="closes"):
        services.register_class(
            edition, teacher=teacher, cooperative=coop, by=teacher, class_name="CE2",
            levels=["CE2"], pupils=20,
        )  # fmt: skip
    registration = services.register_class(
        edition, teacher=teacher, cooperative=coop, by=staff, class_name="CE2",
        levels=["CE2"], pupils=20,
    )  # fmt: skip
    assert registration.registered_by == staff


def test_staff_register_a_class_on_a_teacher_s_behalf(client):
    edition = EditionFactory()
    teacher = UserFactory(email="prof2@exemple.fr")
    coop = CooperativeFactory()
    client.force_login(UserFactory(animation=True))
    response = client.post(
        reverse("actions:register", args=[edition.pk]),
        {
            "email": "PROF2@exemple.fr",
            "cooperative": coop.pk,
            "class_name": "GS",
            "levels": ["CE2"],
            "pupils": "25",
        },
    )
    assert response.status_code == 302
    assert ClassRegistration.objects.get().teacher == teacher


def test_a_status_change_is_told_to_the_teacher(client, django_capture_on_commit_callbacks):
    registration = ClassRegistrationFactory(teacher__email="prof3@exemple.fr")
    client.force_login(UserFactory(animation=True))
    url = reverse("actions:registration_status", args=[registration.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"status": "retenue"})
    registration.refresh_from_db()
    assert registration.status == "retenue"
    assert len(mail.outbox) == 1 and "est retenue" in mail.outbox[0].body

    # A jump the workflow does not allow is refused, nothing sent.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"status": "terminee"}, follow=True)
    assert "ne peut pas passer" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == "retenue" and len(mail.outbox) == 1


def test_a_teacher_sees_their_own_classes_only(client):
    teacher = UserFactory()
    mine = ClassRegistrationFactory(teacher=teacher, class_name="CE1 A")
    other = ClassRegistrationFactory(edition=mine.edition, class_name="CE1 Z")
    client.force_login(teacher)
    page = client.get(reverse("actions:my_classes")).content.decode()
    assert "CE1 A" in page and "CE1 Z" not in page
    assert client.get(reverse("actions:registration_detail", args=[other.pk])).status_code == 404
    detail = client.get(reverse("actions:edition_detail", args=[mine.edition.pk])).content.decode()
    assert "CE1 A" in detail and "CE1 Z" not in detail


def test_an_edition_is_copied_to_the_next_year():
    edition = EditionFactory(final_event="Restitution", final_event_date=in_days(100))
    ClassRegistrationFactory(edition=edition)
    copy = edition.copy_to_next_year()
    assert copy.school_year.start_year == edition.school_year.start_year + 1
    assert copy.levels == edition.levels and copy.capacity == edition.capacity
    assert copy.final_event_date.year == edition.final_event_date.year + 1
    assert copy.registrations.count() == 0
