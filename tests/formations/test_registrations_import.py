"""Training registrations from a spreadsheet, and a past school year loaded as done
(`import_inscriptions FILE --year 2024-2025 --par EMAIL --terminees`, the web import's
checkbox): sessions held, attendance recorded, the report's figures of that year there;
refused for the current year."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from formations.imports import RegistrationImporter
from formations.models import Attendance, Registration, Session
from occe.accounts.models import User
from occe.core.indicators import registry
from occe.core.models import ImportBatch, SchoolYear
from occe.core.spreadsheets import write_xlsx
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory

from .factories import TrainingFactory

pytestmark = pytest.mark.django_db
HEADERS = [column.header for column in RegistrationImporter.columns]


@pytest.fixture
def past():
    return SchoolYear.objects.current().previous()


@pytest.fixture
def catalogue():
    CooperativeFactory(number="930001")
    CooperativeFactory(number="930002")
    return TrainingFactory(title="Gérer l'argent de la coopérative", hours=3)


@pytest.fixture
def staff():
    return UserFactory(secretariat=True, email="secretariat@exemple.fr")


def line(n: int, day: datetime.date, present: str = "oui", **values) -> list:
    row = {
        "Formation": "Gérer l'argent de la coopérative",
        "Date": day.strftime("%d/%m/%Y"),
        "Lieu": "Nanterre",
        "Durée (h)": "3",
        "Courriel": f"participant{n}@exemple.fr",
        "Nom": f"Martin {n}",
        "Prénom": "Claire",
        "Numéro de coopérative": "930001" if n % 2 else "930002",
        "Présent": present,
    } | values
    return [row[header] for header in HEADERS]


def xlsx(rows) -> bytes:
    return write_xlsx(HEADERS, rows)


def in_year(year: SchoolYear, month: int = 11, day: int = 14) -> datetime.date:
    return datetime.date(year.start_year + (month < 8), month, day)


def run(path, year, *flags, by="secretariat@exemple.fr") -> str:
    out = io.StringIO()
    call_command(
        "import_inscriptions", str(path), "--year", year.label, "--par", by, *flags, stdout=out
    )
    return out.getvalue()


def test_command_records_a_past_year_as_done(tmp_path, past, catalogue, staff):
    day = in_year(past)
    rows = [line(1, day), line(2, day), line(3, day, present="non"), line(4, in_year(past, 3, 5))]
    (tmp_path / "f.xlsx").write_bytes(xlsx(rows))
    out = run(tmp_path / "f.xlsx", past, "--terminees")
    assert "sessions enregistrées comme tenues, avec les présences" in out
    assert "4 inscription(s) créée(s)" in out and "2 session(s) et 4 compte(s)" in out
    sessions = Session.objects.in_year(past)
    assert {s.status for s in sessions} == {Session.Status.TENUE}
    assert [s.hours for s in sessions] == [3, 3]
    registrations = Registration.objects.filter(session__in=sessions)
    assert {r.status for r in registrations} == {Registration.Status.CONFIRMED}
    assert all(r.registered_by == staff and r.certificate_sent_at for r in registrations)
    assert Attendance.objects.filter(present=True).count() == 3
    # The participants' accounts exist, inactive and without a password (never invited).
    new = User.objects.get(email="participant1@exemple.fr")
    assert not new.is_active and not new.has_usable_password() and new.last_name == "Martin 1"
    # The report's figures of that year now exist.
    slug = catalogue.slug
    assert registry()["formations.*.sessions"].compute(past)[f"formations.{slug}.sessions"] == 2
    participants = registry()["formations.*.participants"].compute(past)
    assert participants[f"formations.{slug}.participants"] == 3
    # Importing the same file again changes nothing.
    assert "0 inscription(s) créée(s), 0 mise(s) à jour, 4 inchangée(s)" in run(
        tmp_path / "f.xlsx", past, "--terminees"
    )


def test_a_second_file_marks_an_absence(tmp_path, past, catalogue, staff):
    day = in_year(past)
    (tmp_path / "f.xlsx").write_bytes(xlsx([line(1, day)]))
    run(tmp_path / "f.xlsx", past, "--terminees")
    (tmp_path / "f.xlsx").write_bytes(xlsx([line(1, day, present="non")]))
    assert "1 mise(s) à jour" in run(tmp_path / "f.xlsx", past, "--terminees")
    assert not Attendance.objects.get().present


def test_command_refuses_the_current_year_and_strangers(tmp_path, catalogue, staff):
    current = SchoolYear.objects.current()
    (tmp_path / "f.xlsx").write_bytes(xlsx([line(1, in_year(current))]))
    with pytest.raises(CommandError, match="année passée"):
        run(tmp_path / "f.xlsx", current, "--terminees")
    UserFactory(email="enseignant@exemple.fr")
    with pytest.raises(CommandError, match="membre de l'équipe"):
        run(tmp_path / "f.xlsx", current, by="enseignant@exemple.fr")
    assert not Registration.objects.exists()


def test_errors_are_reported_by_line_and_nothing_is_written(tmp_path, past, catalogue, staff):
    day = in_year(past)
    rows = [
        line(1, day, Formation="Inconnue"),
        line(2, day, **{"Numéro de coopérative": "999999"}),
        line(3, in_year(past.previous())),
        line(4, day, Nom=""),
        line(5, day),
        line(5, day),
    ]
    (tmp_path / "f.xlsx").write_bytes(xlsx(rows))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_inscriptions",
            str(tmp_path / "f.xlsx"),
            "--year",
            past.label,
            "--par",
            staff.email,
            stdout=out,
        )
    text = out.getvalue()
    assert "Ligne 2, colonne Formation : « Inconnue » n'est pas au catalogue" in text
    assert "Ligne 3, colonne Numéro de coopérative : Aucune coopérative n° 999999." in text
    assert f"Ligne 4, colonne Date : Le {in_year(past.previous()):%d/%m/%Y} n'est pas" in text
    assert "Ligne 5, colonne Nom : Nom et prénom obligatoires" in text
    assert "Ligne 6, colonne Courriel : participant5@exemple.fr apparaît deux fois" in text
    assert not Session.objects.exists() and not Registration.objects.exists()


def test_without_the_flag_registrations_are_confirmed_and_nothing_held(tmp_path, catalogue, staff):
    current = SchoolYear.objects.current()
    UserFactory(email="participant1@exemple.fr")
    (tmp_path / "f.xlsx").write_bytes(xlsx([line(1, in_year(current, 6, 20))]))
    out = run(tmp_path / "f.xlsx", current)
    assert "0 compte(s) de participant créé(s)" in out
    session = Session.objects.get()
    assert session.status == Session.Status.OUVERTE and session.label == "Nanterre"
    assert Registration.objects.get().confirmation_sent_at  # the import mails nobody
    assert not Attendance.objects.exists()


def test_planning_costs_the_same_queries_for_more_rows(past, catalogue, staff):
    day = in_year(past)
    importer = RegistrationImporter(school_year=past, done=True)
    with CaptureQueriesContext(connection) as few:
        importer.plan(xlsx([line(1, day)]))
    with CaptureQueriesContext(connection) as many:
        importer.plan(xlsx([line(n, day) for n in range(40)]))
    assert len(many) == len(few)


def test_applying_costs_the_same_queries_for_more_rows_and_sessions(past, catalogue, staff):
    importer = RegistrationImporter(school_year=past, done=True, author=staff)
    importer.apply(importer.plan(xlsx([line(0, in_year(past, 9, 20))])))  # a session exists
    one = importer.plan(xlsx([line(1, in_year(past, 10, 1))]))
    with CaptureQueriesContext(connection) as few:
        importer.apply(one)
    rows = [line(n, in_year(past, 11, 1 + n % 5)) for n in range(2, 22)]
    many = importer.plan(xlsx(rows))
    with CaptureQueriesContext(connection) as more:
        assert importer.apply(many)["sessions"] == 5
    assert len(more) == len(few)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["secretariat", "animation"])
def test_web_import_of_a_past_year_as_done(world, login, role):
    past = SchoolYear.objects.current().previous()
    TrainingFactory(title="Gérer l'argent de la coopérative", hours=3)
    CooperativeFactory(number="930001")
    CooperativeFactory(number="930002")
    client = login(world.users[role])
    assert "Année passée" in client.get(reverse("formations:import")).content.decode()
    day = in_year(past)
    response = client.post(
        reverse("formations:import"),
        {
            "school_year": past.pk,
            "done": "on",
            "file": SimpleUploadedFile("f.xlsx", xlsx([line(1, day), line(2, day, "non")])),
        },
    )
    batch = ImportBatch.objects.get()
    assert batch.parameters["done"] is True
    page = client.get(response.url).content.decode()
    assert "seront enregistrées comme tenues" in page
    applied = client.post(response.url, follow=True).content.decode()
    assert "2 inscription(s) créée(s)" in applied
    assert Session.objects.get().status == Session.Status.TENUE
    assert list(Attendance.objects.order_by("registration__user__email").values_list("present", flat=True)) == [True, False]  # fmt: skip
    assert Registration.objects.first().registered_by == world.users[role]


def test_web_import_refuses_the_current_year_as_done(world, login):
    client = login(world.users["animation"])
    response = client.post(
        reverse("formations:import"),
        {
            "school_year": world.year.pk,
            "done": "on",
            "file": SimpleUploadedFile("f.xlsx", xlsx([line(1, in_year(world.year))])),
        },
    )
    assert response.status_code == 200
    assert "Seules les formations d&#x27;une année passée" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("role", ["administrateur", "mandataire", "enseignant"])
def test_others_may_not_import(world, login, role):
    client = login(world.users[role])
    assert client.get(reverse("formations:import")).status_code == 403
    assert client.post(reverse("formations:import"), {}).status_code == 403


def test_the_sessions_page_leads_staff_to_the_import(world, login):
    url = reverse("formations:import")
    assert (
        url
        in login(world.users["animation"]).get(reverse("formations:session_list")).content.decode()
    )
    board = login(world.users["administrateur"]).get(reverse("formations:session_list"))
    assert board.status_code == 200 and url not in board.content.decode()
