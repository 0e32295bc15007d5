"""The trainings' pages as their users see them."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from formations.forms import HoursField
from formations.models import Attendance, Registration, Session, SurveyAnswer, Training
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory, MandateFactory

from .factories import (
    AttendanceFactory,
    RegistrationFactory,
    SessionFactory,
    StaffTrainingFactory,
    ThemeFactory,
    TrainingFactory,
    in_days,
)

pytestmark = pytest.mark.usefixtures("association")


def html(response) -> str:
    return response.content.decode()


# --- Catalogue -------------------------------------------------------------------------------


def test_catalogue_filters_by_theme_audience_month_and_place(login):
    cinema = ThemeFactory(name="Cinéma")
    film = SessionFactory(
        training__title="Réaliser un film avec sa classe",
        training__theme=cinema,
        training__audience="enseignants",
    )
    film.parts.update(date=in_days(40))
    visio = SessionFactory(training__title="Mandataires en visio", training__audience="mandataires")
    visio.parts.update(place="", visio_url="https://visio.exemple.fr/m")
    SessionFactory(training__title="Session annulée", status=Session.Status.ANNULEE)
    past = SessionFactory(training__title="Session passée")
    past.parts.update(date=in_days(-3))
    client = login(UserFactory())
    url = reverse("formations:catalogue")

    page = html(client.get(url))
    assert "Réaliser un film" in page and "Mandataires en visio" in page
    assert "Session annulée" not in page and "Session passée" not in page

    assert "Mandataires en visio" not in html(client.get(url, {"theme": cinema.pk}))
    only = html(client.get(url, {"mode": "visio"}))
    assert "Mandataires en visio" in only and "Réaliser un film" not in only
    assert "Mandataires en visio" not in html(client.get(url, {"mode": "presentiel"}))
    month = f"{in_days(40):%Y-%m}"
    by_month = html(client.get(url, {"mois": month}))
    assert "Réaliser un film" in by_month
    assert ("Mandataires en visio" in by_month) == (in_days(21).month == in_days(40).month)
    assert "Réaliser un film" not in html(client.get(url, {"audience": "mandataires"}))
    partial = client.get(url, {"mode": "visio"}, headers={"HX-Request": "true"})
    assert "<html" not in html(partial) and "Mandataires en visio" in html(partial)


def test_catalogue_shows_my_own_status(login):
    teacher = UserFactory()
    RegistrationFactory(user=teacher, session__training__title="THEA", status="waiting")
    page = html(login(teacher).get(reverse("formations:catalogue")))
    assert "Vous êtes en liste d'attente" in page


@pytest.mark.parametrize("count", [3, 30])
def test_catalogue_queries_do_not_grow_with_sessions_or_registrants(
    login, count, django_assert_num_queries
):
    teacher = UserFactory()
    for n in range(count):
        session = SessionFactory(parts=2, capacity=40)
        RegistrationFactory.create_batch(3, session=session)
        if n % 2:
            RegistrationFactory(session=session, user=teacher)
    client = login(teacher)
    client.get(reverse("formations:catalogue"))
    # Session, user, count, page of sessions, their parts, the filter's themes.
    with django_assert_num_queries(6):
        response = client.get(reverse("formations:catalogue"))
    assert len(response.context["page"].object_list) == min(count, 30)


# --- Registering -----------------------------------------------------------------------------


def test_a_teacher_finds_their_school_and_registers(login, django_capture_on_commit_callbacks):
    session = SessionFactory(capacity=1)
    school = CooperativeFactory(name="École Lucie Aubrac", commune="Bagneux")
    CooperativeFactory(name="École Lucie Aubrac radiée", commune="Bagneux", status="radiee")
    teacher = UserFactory()
    client = login(teacher)
    options = html(client.get(reverse("cooperatives:school_options"), {"q": "aubrac"}))
    assert "École Lucie Aubrac — Bagneux" in options and "radiée" not in options
    assert school.uai in html(client.get(reverse("cooperatives:school_options"), {"q": school.uai}))
    page = client.get(reverse("formations:register", args=[session.pk]), {"q": "Bagneux"})
    assert "École Lucie Aubrac" in html(page)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("formations:register", args=[session.pk]), {"cooperative": school.pk}
        )
    assert response.status_code == 302
    registration = Registration.objects.get(user=teacher)
    assert registration.cooperative == school and registration.status == "confirmed"
    assert mail.outbox[0].to == [teacher.email]
    page = html(login(UserFactory()).get(reverse("formations:session_detail", args=[session.pk])))
    assert "S'inscrire sur la liste d'attente" in page


def test_a_struck_off_school_is_refused(login):
    session = SessionFactory()
    struck = CooperativeFactory(status="radiee")
    response = login(UserFactory()).post(
        reverse("formations:register", args=[session.pk]), {"cooperative": struck.pk}
    )
    assert "Choisissez une école active de la liste." in html(response)
    assert not Registration.objects.exists()


def test_a_mandataire_gets_their_own_school_proposed(login):
    session = SessionFactory()
    mandate = MandateFactory()
    page = html(login(mandate.user).get(reverse("formations:register", args=[session.pk])))
    assert f'value="{mandate.cooperative.pk}" selected' in page


def test_staff_register_a_teacher_by_email(login):
    session = SessionFactory()
    teacher = UserFactory(email="ines.benali@ac-versailles.fr")
    school = CooperativeFactory()
    client = login(UserFactory(animation=True))
    url = reverse("formations:register_other", args=[session.pk])
    client.post(url, {"email": "Ines.Benali@ac-versailles.fr", "cooperative": school.pk})
    registration = Registration.objects.get(user=teacher)
    assert registration.registered_by.is_animation
    response = client.post(
        url, {"email": "inconnu@exemple.fr", "cooperative": school.pk}, follow=True
    )
    assert "Aucun compte enseignant" in html(response)


def test_a_teacher_cancels_and_the_first_waiting_is_promoted(
    login, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=1)
    seated = RegistrationFactory(session=session)
    waiting = RegistrationFactory(session=session, status="waiting")
    client = login(seated.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("formations:registration_cancel", args=[seated.pk]))
    assert response.url == reverse("formations:my_trainings")
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    assert mail.outbox[0].to == [waiting.user.email]


def test_a_teacher_cannot_cancel_once_the_session_started(login):
    registration = RegistrationFactory()
    registration.session.parts.update(date=in_days(0))
    response = login(registration.user).post(
        reverse("formations:registration_cancel", args=[registration.pk])
    )
    assert response.status_code == 403


def test_my_trainings_lists_coming_and_past_with_certificate_and_survey(login):
    teacher = UserFactory()
    coming = RegistrationFactory(user=teacher, session__training__title="Faire équipe")
    past = AttendanceFactory(
        registration__user=teacher,
        registration__session__training__title="THEA",
        registration__session__status="tenue",
    ).registration
    past.session.parts.update(date=in_days(-5))
    RegistrationFactory(session__training__title="Pas la mienne")
    response = login(teacher).get(reverse("formations:my_trainings"))
    page = html(response)
    assert response.context["coming"] == [coming] and response.context["past"] == [past]
    assert "Pas la mienne" not in page
    assert reverse("formations:certificate", args=[past.pk]) in page
    assert reverse("formations:survey", args=[past.pk]) in page


# --- Questionnaire ---------------------------------------------------------------------------


def test_the_questionnaire_is_answered_once_and_aggregated_for_staff(login):
    session = SessionFactory(status=Session.Status.TENUE)
    answers = [(5, 4, 3, 5, "Très concret"), (3, 4, 5, 4, "")]
    for content, facilitation, organisation, reuse, comment in answers:
        registration = AttendanceFactory(registration__session=session).registration
        client = login(registration.user)
        url = reverse("formations:survey", args=[registration.pk])
        data = {
            "content": content,
            "facilitation": facilitation,
            "organisation": organisation,
            "reuse": reuse,
            "comment": comment,
        }
        assert client.post(url, data).status_code == 302
        assert "déjà répondu" in html(client.post(url, data, follow=True))
    assert SurveyAnswer.objects.count() == 2
    response = login(registration.user).post(url, {"content": 6})
    assert response.status_code == 302  # already answered: nothing recorded
    page = html(
        login(UserFactory(administrateur=True)).get(
            reverse("formations:session_detail", args=[session.pk])
        )
    )
    assert "Questionnaire de satisfaction (2 réponses)" in page
    assert '<td class="num">4,0</td>' in page  # (5 + 3) / 2
    assert "Très concret" in page


def test_out_of_range_scores_are_refused(login):
    registration = AttendanceFactory(registration__session__status="tenue").registration
    response = login(registration.user).post(
        reverse("formations:survey", args=[registration.pk]),
        {"content": 9, "facilitation": 4, "organisation": 4, "reuse": 4},
    )
    assert response.status_code == 200 and not SurveyAnswer.objects.exists()


# --- Attendance -------------------------------------------------------------------------------


def test_attendance_is_one_click_per_person_and_marks_the_session_held(login):
    session = SessionFactory()
    registration = RegistrationFactory(session=session)
    part = session.parts.get()
    animator = UserFactory(animation=True)
    client = login(animator)
    url = reverse("formations:attendance_mark", args=[part.pk, registration.pk])
    assert client.post(url, {"present": "1"}).status_code == 403  # not on the day yet
    assert "à partir du jour de la formation" in html(
        client.get(reverse("formations:attendance", args=[part.pk]))
    )
    session.parts.update(date=in_days(0))
    response = client.post(url, {"present": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'id="presence-{registration.pk}"' in html(response) and "<html" not in html(response)
    assert Attendance.objects.get().present is True
    client.post(url, {"present": "0"}, headers={"HX-Request": "true"})
    assert Attendance.objects.get().present is False
    assert Session.objects.get(pk=session.pk).status == Session.Status.TENUE
    waiting = RegistrationFactory(session=session, status="waiting")
    url = reverse("formations:attendance_mark", args=[part.pk, waiting.pk])
    assert client.post(url, {"present": "1"}).status_code == 404


@pytest.mark.parametrize("count", [3, 40])
def test_attendance_page_queries_do_not_grow_with_registrants(
    login, count, django_assert_num_queries
):
    session = SessionFactory(capacity=100, parts=2)
    part = session.parts.first()
    for n in range(count):
        registration = RegistrationFactory(session=session)
        if n % 2:
            AttendanceFactory(registration=registration, part=part)
    client = login(UserFactory(animation=True))
    client.get(reverse("home"))
    # Session, user, the part, the registrants, their attendance here, the parts.
    with django_assert_num_queries(6):
        response = client.get(reverse("formations:attendance", args=[part.pk]))
    assert len(response.context["rows"]) == count


# --- Staff: trainings and sessions -------------------------------------------------------------


def test_hours_are_typed_the_french_way():
    field = HoursField()
    assert field.clean("1,5") == Decimal("1.50")
    assert field.clean("1 h 30") == Decimal("1.50")
    assert field.clean("9") == Decimal("9.00")
    for wrong in ["abc", "0", "250", "NaN"]:
        with pytest.raises(Exception, match="heures|durée"):
            field.clean(wrong)


def test_staff_create_a_training_with_a_stable_slug_and_a_session_of_two_parts(login, theme):
    client = login(UserFactory(animation=True))
    response = client.post(
        reverse("formations:training_create"),
        {
            "title": "THEA",
            "theme": theme.pk,
            "audience": "enseignants",
            "hours": "9",
            "dsden_plan": "on",
        },
    )
    training = Training.objects.get()
    assert response.url == reverse("formations:training_detail", args=[training.pk])
    assert training.slug == "thea" and training.dsden_plan
    training.title = "THEA — théâtre à l'école"
    training.save()
    assert Training.objects.get().slug == "thea"
    assert TrainingFactory(title="THEA").slug == "thea_2"

    data = {
        "label": "",
        "capacity": "8",
        "minimum": "10",
        "registration_deadline": f"{in_days(10):%Y-%m-%d}",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "1",
        "parties-MAX_NUM_FORMS": "20",
        "parties-0-date": f"{in_days(20):%Y-%m-%d}",
        "parties-0-start_time": "09:00",
        "parties-0-end_time": "13:30",
        "parties-0-place": "Théâtre Jean Vilar, Suresnes",
        "parties-1-date": f"{in_days(50):%Y-%m-%d}",
        "parties-1-start_time": "14:00",
        "parties-1-end_time": "12:00",
        "parties-1-visio_url": "visio.exemple.fr/thea",
    }
    url = reverse("formations:session_create", args=[training.pk])
    page = html(client.post(url, data))
    assert "Le minimum d&#x27;inscrits dépasse le nombre de places." in page
    assert "L&#x27;heure de fin doit suivre l&#x27;heure de début." in page
    data |= {"minimum": "4", "parties-1-end_time": "18:30"}
    response = client.post(url, data)
    session = Session.objects.get()
    assert response.url == reverse("formations:session_detail", args=[session.pk])
    parts = list(session.parts.all())
    assert [p.hours for p in parts] == [Decimal("4.50"), Decimal("4.50")]
    assert parts[1].visio_url == "https://visio.exemple.fr/thea"
    assert session.hours == Decimal("9.00")


def test_board_reads_but_cannot_change(login):
    session = SessionFactory()
    board = login(UserFactory(administrateur=True))
    assert board.get(reverse("formations:session_list")).status_code == 200
    assert board.post(reverse("formations:session_cancel", args=[session.pk])).status_code == 403
    assert board.post(reverse("formations:themes"), {"name": "Danse"}).status_code == 403


def test_closing_and_reopening_registrations(login):
    session = SessionFactory()
    client = login(UserFactory(secretariat=True))
    url = reverse("formations:session_close", args=[session.pk])
    client.post(url)
    assert Session.objects.get().status == Session.Status.CLOSE
    teacher = login(UserFactory())
    page = html(teacher.get(reverse("formations:session_detail", args=[session.pk])))
    assert "Les inscriptions à cette session sont closes." in page
    client = login(UserFactory(secretariat=True))
    client.post(url, {"action": "rouvrir"})
    assert Session.objects.get().status == Session.Status.OUVERTE


def test_staff_cancel_a_session_from_its_page(login, django_capture_on_commit_callbacks):
    session = SessionFactory()
    registration = RegistrationFactory(session=session)
    client = login(UserFactory(animation=True))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("formations:session_cancel", args=[session.pk]),
            {"reason": "Annulée faute d'inscrits."},
        )
    assert Session.objects.get().status == Session.Status.ANNULEE
    assert mail.outbox[0].to == [registration.user.email]
    assert "Annulée faute d'inscrits." in mail.outbox[0].body


def test_proposed_sessions_are_listed_for_staff(login):
    proposed = SessionFactory(minimum=4, registration_deadline=in_days(-1), training__title="Peu")
    SessionFactory(minimum=0, registration_deadline=in_days(-1), training__title="Assez")
    response = login(UserFactory(animation=True)).get(
        reverse("formations:session_list"), {"proposees": "true"}
    )
    assert list(response.context["page"]) == [proposed]
    page = html(
        login(UserFactory(animation=True)).get(
            reverse("formations:session_detail", args=[proposed.pk])
        )
    )
    assert "annuler la session ou la maintenir ?" in page


def test_themes_are_kept_by_staff(login):
    client = login(UserFactory(animation=True))
    client.post(reverse("formations:themes"), {"name": "Éducation au développement durable"})
    theme = ThemeFactory(name="Éducation au développement durable")
    client.post(reverse("formations:theme_edit", args=[theme.pk]), {"name": "Écologie"})
    theme.refresh_from_db()
    assert theme.name == "Écologie"


# --- Figures and staff trainings ------------------------------------------------------------


def test_figures_page_and_export(login):
    training = TrainingFactory(title="THEA", hours=Decimal("9"))
    session = SessionFactory(training=training, status=Session.Status.TENUE)
    session.parts.update(date=in_days(-3))
    for _ in range(2):
        AttendanceFactory(registration__session=session)
    client = login(UserFactory(administrateur=True))
    response = client.get(reverse("formations:figures"))
    assert response.context["rows"][0]["participants"] == 2
    assert "THEA" in html(response)
    export = client.get(reverse("formations:figures_export"))
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.values)
    assert rows[0][0] == "Formation"
    assert rows[1][:2] == ("THEA", "thea")
    assert rows[1][5:] == (1, 0, 2, 6)  # 1 held, 0 cancelled, 2 present, 2 × 3 h


def test_staff_trainings_are_typed_by_the_secretariat_and_listed_by_year(login):
    client = login(UserFactory(secretariat=True))
    response = client.post(
        reverse("formations:staff_training_create"),
        {
            "title": "Faire équipe",
            "organisation": "Fédération OCCE",
            "date": "2025-02-12",
            "audience": "tous",
            "participants": "4",
            "hours": "6",
        },
    )
    assert response.url.endswith("?annee=2024-2025")
    StaffTrainingFactory(date=datetime.date(2023, 11, 5), title="Ancienne")
    page = html(client.get(reverse("formations:staff_trainings"), {"annee": "2024-2025"}))
    assert "Faire équipe" in page and "Ancienne" not in page
    response = client.post(
        reverse("formations:staff_training_create"),
        {"title": "X", "date": "2025-02-12", "audience": "tous", "participants": "0", "hours": "6"},
    )
    assert "Assurez-vous que cette valeur est supérieure ou égale à 1." in html(response)


def test_large_ids_are_written_without_thousands_separator(login):
    """French number formatting must never reach an option value or an element id."""
    school = CooperativeFactory(pk=12345)
    registration = RegistrationFactory(pk=23456, cooperative=school)
    registration.session.parts.update(date=in_days(0))
    teacher = login(registration.user)
    options = html(teacher.get(reverse("cooperatives:school_options"), {"q": school.uai}))
    assert 'value="12345"' in options
    assert 'id="inscription-23456"' in html(teacher.get(reverse("formations:my_trainings")))
    part = registration.session.parts.get()
    page = html(
        login(UserFactory(animation=True)).get(reverse("formations:attendance", args=[part.pk]))
    )
    assert 'id="presence-23456"' in page and 'hx-target="#presence-23456"' in page
