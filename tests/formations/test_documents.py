"""The calendar file, the attendance sheet and the certificate, read back."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar
from pypdf import PdfReader

from formations import documents, services
from formations.models import Session
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory

from .factories import AttendanceFactory, RegistrationFactory, SessionFactory, in_days

pytestmark = pytest.mark.usefixtures("association")


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def thea_session() -> Session:
    """THEA: one session of two parts (a day in November, a day in April)."""
    session = SessionFactory(
        training__title="THEA", training__trainer="Marion Monier", parts=2, capacity=8
    )
    first, second = session.parts.all()
    first.date, first.start_time, first.end_time = in_days(30), datetime.time(9), datetime.time(13)
    first.place = "Théâtre Jean Vilar, Suresnes"
    first.save()
    second.date, second.start_time = in_days(60), datetime.time(9, 30)
    second.end_time, second.place = datetime.time(14, 30), ""
    second.visio_url = "https://visio.exemple.fr/thea"
    second.save()
    return session


def test_the_calendar_has_one_event_per_part_in_paris_time_with_stable_uids():
    session = thea_session()
    calendar = Calendar.from_ical(documents.session_calendar(session))
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    first, second = events
    paris = ZoneInfo("Europe/Paris")
    assert first.decoded("dtstart") == datetime.datetime.combine(
        in_days(30), datetime.time(9), paris
    )
    assert (
        first.decoded("dtstart").utcoffset()
        == datetime.datetime.combine(in_days(30), datetime.time(9), paris).utcoffset()
    )
    assert first.decoded("dtend").time() == datetime.time(13)
    assert str(first["summary"]) == "Formation : THEA (1/2)"
    assert str(first["location"]) == "Théâtre Jean Vilar, Suresnes"
    assert str(second["location"]) == "Visioconférence"
    assert str(second["url"]) == "https://visio.exemple.fr/thea"
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Europe/Paris"
    again = Calendar.from_ical(documents.session_calendar(session)).walk("VEVENT")
    assert [str(e["uid"]) for e in again] == [str(e["uid"]) for e in events]
    assert len({str(e["uid"]) for e in events}) == 2
    cancelled = Calendar.from_ical(documents.session_calendar(session, cancelled=True))
    assert str(cancelled["method"]) == "CANCEL"
    assert {str(e["status"]) for e in cancelled.walk("VEVENT")} == {"CANCELLED"}


def test_the_confirmation_mail_carries_the_calendar(django_capture_on_commit_callbacks):
    session = thea_session()
    teacher = UserFactory(first_name="Inès")
    with django_capture_on_commit_callbacks(execute=True):
        services.register(session.pk, teacher, CooperativeFactory(), by=teacher)
    (message,) = mail.outbox
    assert "Votre inscription est confirmée pour la formation « THEA »" in message.body
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == ("formation.ics", "text/calendar")
    assert len(Calendar.from_ical(content).walk("VEVENT")) == 2


def test_attendance_sheet_lists_names_schools_and_a_signature_column(login):
    session = thea_session()
    school = CooperativeFactory(name="École Paul Bert", commune="Malakoff")
    RegistrationFactory(
        session=session, user__last_name="Benali", user__first_name="Samia", cooperative=school
    )
    RegistrationFactory(session=session, user__last_name="Roux", status="waiting")
    part = session.parts.first()
    client = login(UserFactory(animation=True))
    response = client.get(reverse("formations:attendance_sheet", args=[part.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Feuille d'émargement" in text
    assert "THEA" in text and "partie 1 sur 2" in text
    assert "Théâtre Jean Vilar, Suresnes" in text
    assert "BENALI Samia École Paul Bert Malakoff" in text
    assert "Signature" in text
    assert "ROUX" not in text  # the waiting list does not sign


def test_certificate_counts_the_hours_actually_attended(login):
    session = thea_session()
    first, second = session.parts.all()
    registration = RegistrationFactory(
        session=session,
        user__first_name="Hugo",
        user__last_name="Perrin",
        cooperative__name="École Jean Macé",
    )
    AttendanceFactory(registration=registration, part=first, present=True)
    AttendanceFactory(registration=registration, part=second, present=False)
    Session.objects.filter(pk=session.pk).update(status=Session.Status.TENUE)
    client = login(registration.user)
    response = client.get(reverse("formations:certificate", args=[registration.pk]))
    text = pdf_text(response.content)
    assert "Attestation de présence" in text
    assert "Hugo Perrin" in text and "École Jean Macé" in text
    assert "« THEA »" in text and "animée par Marion Monier" in text
    assert "4,00 heures de présence" in text
    from occe.core.formats import date_fr

    assert date_fr(first.date) in text
    assert date_fr(second.date) not in text  # absent that day
    # Another teacher never reaches it.
    assert login(UserFactory()).get(response.wsgi_request.path).status_code == 404


def test_no_certificate_without_presence(login):
    registration = RegistrationFactory()
    client = login(registration.user)
    assert client.get(reverse("formations:certificate", args=[registration.pk])).status_code == 404


def test_certificates_are_mailed_once_to_each_participant_present(
    login, django_capture_on_commit_callbacks
):
    session = SessionFactory(status=Session.Status.TENUE)
    present = AttendanceFactory(registration__session=session, present=True).registration
    AttendanceFactory(registration__session=session, present=False)
    client = login(UserFactory(animation=True))
    url = reverse("formations:send_certificates", args=[session.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
        client.post(url)
    assert [m.to for m in mail.outbox] == [[present.user.email]]
    filename, content, mimetype = mail.outbox[0].attachments[0]
    assert mimetype == "application/pdf" and filename.endswith(".pdf")
    assert "Attestation de présence" in pdf_text(content)
