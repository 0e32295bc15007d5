"""Board and staff, meetings (documents, convocations), working groups, partners."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from occe.association.models import (
    Attendance,
    BoardMandate,
    Contribution,
    Meeting,
    MeetingDocument,
    Partner,
    Person,
)
from occe.core.models import SchoolYear

from .factories import (
    PDF,
    BoardMandateFactory,
    MeetingFactory,
    PartnerFactory,
    PersonFactory,
    StaffPositionFactory,
)


def formset(prefix: str, rows: list[dict]) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def person_data(**extra) -> dict:
    return {
        "first_name": "Martine",
        "last_name": "Roussel",
        "email": "",
        "education_status": "retraite",
        **formset("mandats", [{"start_date": "2023-11-20", "bureau_role": "tresorier"}]),
        **formset("postes", []),
        **formset("representations", []),
        **extra,
    }


def test_the_secretariat_records_a_treasurer_without_an_account(world, login):
    client = login(world.users["secretariat"])
    response = client.post(reverse("association:person_create"), person_data())
    assert response.status_code == 302
    person = Person.objects.get(last_name="Roussel")
    assert person.user is None
    mandate = person.board_mandates.get()
    assert mandate.bureau_role == "tresorier" and mandate.start_date == datetime.date(2023, 11, 20)
    page = client.get(reverse("association:people")).content.decode()
    assert "Trésorier(ère)" in page and "Martine Roussel" in page


def test_a_person_linked_to_an_account(world, login):
    client = login(world.users["secretariat"])
    user = world.users["administrateur"]
    client.post(reverse("association:person_create"), person_data(user=str(user.pk)))
    assert Person.objects.get(last_name="Roussel").user == user


def test_a_mandate_cannot_end_before_it_starts(world, login):
    client = login(world.users["secretariat"])
    data = person_data(**{"mandats-0-end_date": "2020-01-01"})
    response = client.post(reverse("association:person_create"), data)
    assert "La fin précède le début." in response.content.decode()
    assert not Person.objects.exists()
    person = PersonFactory()
    with pytest.raises(IntegrityError):
        BoardMandate.objects.create(
            person=person, start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2023, 1, 1)
        )


def meeting_data(**extra) -> dict:
    return {
        "level": "departemental",
        "kind": "ca",
        "starts_at": "2025-11-13T18:00",
        "duration_minutes": "120",
        "place": "Siège, Nanterre",
        "agenda": "1. Budget",
        "decisions_text": "Budget adopté\n\nCompte rendu approuvé\n",
        **extra,
    }


def test_a_meeting_with_attendees_and_decisions(world, login):
    president = BoardMandateFactory(bureau_role="president").person
    animator = StaffPositionFactory().person
    client = login(world.users["secretariat"])
    response = client.post(
        reverse("association:meeting_create"),
        meeting_data(attendees=[president.pk, animator.pk]),
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert set(meeting.attendees.all()) == {president, animator}
    assert list(meeting.decisions.values_list("text", flat=True)) == [
        "Budget adopté",
        "Compte rendu approuvé",
    ]
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Budget adopté" in page and "13 novembre 2025" in page
    # Editing keeps the decisions typed, not twice.
    client.post(
        reverse("association:meeting_edit", args=[meeting.pk]),
        meeting_data(attendees=[president.pk], decisions_text="Budget adopté"),
    )
    assert list(meeting.decisions.values_list("text", flat=True)) == ["Budget adopté"]
    assert list(meeting.attendees.all()) == [president]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"place": ""}, "Indiquez un lieu ou un lien de visioconférence."),
        ({"duration_minutes": "5000"}, "La durée va de 15 minutes à 12 heures"),
        ({"starts_at": "1890-01-01T10:00"}, "pas réaliste"),
    ],
)
def test_a_meeting_is_refused_with_a_message(world, login, extra, message):
    client = login(world.users["secretariat"])
    response = client.post(reverse("association:meeting_create"), meeting_data(**extra))
    assert message in response.content.decode()
    assert not Meeting.objects.exists()


def test_documents_are_pdfs_by_content_and_private(world, login):
    meeting = MeetingFactory()
    client = login(world.users["secretariat"])
    url = reverse("association:meeting_document_upload", args=[meeting.pk])
    client.post(url, {"kind": "compte_rendu", "file": SimpleUploadedFile("cr.pdf", PDF)})
    response = client.post(
        url, {"kind": "convocation", "file": SimpleUploadedFile("virus.pdf", b"MZ\x90 exe")}
    )
    document = MeetingDocument.objects.get()
    assert document.original_name == "cr.pdf" and document.file.name.startswith("private/")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("n'est pas un PDF" in m for m in messages)
    client = login(world.users["administrateur"])
    download = client.get(reverse("association:meeting_document", args=[document.pk]))
    assert b"".join(download.streaming_content) == PDF
    assert 'filename="cr.pdf"' in download["Content-Disposition"]


def test_the_convocation_goes_once_to_each_attendee_with_an_ics(
    world, login, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(
        kind="ag",
        starts_at=timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(days=20),
        visio_url="https://visio.exemple.fr/ag",
        agenda="Rapport moral",
    )
    with_email = PersonFactory(email="tresoriere@exemple.fr")
    linked = PersonFactory(email="", user=world.users["administrateur"])
    without = PersonFactory(email="")
    for person in [with_email, linked, without]:
        Attendance.objects.create(meeting=meeting, person=person)
    client = login(world.users["secretariat"])
    url = reverse("association:meeting_convoke", args=[meeting.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@exemple.fr", "tresoriere@exemple.fr"]
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert (name, mimetype) == ("reunion.ics", "text/calendar")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["summary"]) == meeting.name
    assert event.decoded("dtstart") == meeting.starts_at
    assert "Rapport moral" in str(event["description"])
    assert "https://visio.exemple.fr/ag" in mail.outbox[0].body

    # Again: nobody twice; a newly added attendee only.
    Attendance.objects.create(meeting=meeting, person=PersonFactory(email="nouveau@exemple.fr"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert [m.to[0] for m in mail.outbox[2:]] == ["nouveau@exemple.fr"]
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "sans adresse électronique" in page and "convoqué(e) le" in page


def test_partners_and_contributions_typed_the_french_way(world, login):
    year = SchoolYear.objects.current()
    client = login(world.users["animation"])
    data = {
        "name": "DRAC Île-de-France",
        "kind": "culturel",
        "involvement": "THEA, Les Écoles qui filment",
        "active": "on",
        **formset(
            "contributions",
            [{"school_year": str(year.pk), "amount": "5 500,50", "purpose": "THEA"}],
        ),
    }
    response = client.post(reverse("association:partner_create"), data)
    partner = Partner.objects.get()
    assert response.status_code == 302
    assert str(partner.contributions.get().amount) == "5500.50"
    page = client.get(reverse("association:partner_list")).content.decode()
    assert (
        "Culturel (1)" in page
        and "5\u00a0500,50\u00a0€" in page
        and "Les Écoles qui filment" in page
    )


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "Montant invalide"),
        ("-10", "Le montant doit être positif."),
        ("1 000 000,01", "ne peut dépasser 1\u00a0000\u00a0000,00\u00a0€"),
        ("12,345", "au plus deux décimales"),
    ],
)
def test_contributions_have_bounds(world, login, amount, message):
    year = SchoolYear.objects.current()
    client = login(world.users["secretariat"])
    data = {
        "name": "Mairie",
        "kind": "commune",
        **formset(
            "contributions", [{"school_year": str(year.pk), "amount": amount, "purpose": "x"}]
        ),
    }
    response = client.post(reverse("association:partner_create"), data)
    assert message in response.content.decode()
    assert not Partner.objects.exists()


def test_contribution_bounds_hold_in_the_database(db):
    partner = PartnerFactory()
    with pytest.raises(IntegrityError):
        Contribution.objects.create(
            partner=partner, school_year=SchoolYear.objects.current(), amount=0, purpose="x"
        )


def test_the_board_reads_but_does_not_write(world, login):
    client = login(world.users["administrateur"])
    meeting = MeetingFactory()
    assert client.get(meeting.get_absolute_url()).status_code == 200
    assert client.post(reverse("association:meeting_create"), meeting_data()).status_code == 403
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize(
    "url_name",
    [
        "association:people",
        "association:meeting_list",
        "association:partner_list",
        "association:group_list",
    ],
)
def test_lists_run_a_constant_number_of_queries(world, login, url_name):
    from .factories import WorkingGroupFactory

    client = login(world.users["secretariat"])
    client.get(reverse("home"))

    def make(n):
        for _ in range(n):
            BoardMandateFactory(bureau_role="membre")
            StaffPositionFactory()
            MeetingFactory()
            Partner.objects.create(name=f"P{Partner.objects.count()}", kind="commune")
            WorkingGroupFactory().participants.add(PersonFactory())

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse(url_name)).status_code == 200
        return len(context)

    make(2)
    few = queries()
    make(20)
    assert queries() == few
