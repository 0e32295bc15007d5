"""The activity plan (projet d'activité) of the coming year, laid out like the seed plan of the
OCCE 02: its sections in the seed's order, each with its text and what the apps plan for that
year (sessions with hours and places, editions by mode with partners, meetings, resources),
read through the listing registry, in French formats."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time
from openpyxl import load_workbook
from pypdf import PdfReader

from actions.models import Edition
from formations.models import Audience, Session, SessionPart
from occe.association.models import Level, Meeting
from occe.core.listings import Column, registry
from occe.core.models import SchoolYear
from occe.reports.models import SectionText
from occe.reports.plan import collect_plan, generate_plan, text_blocks
from occe.reports.plan_sections import PLAN_SECTIONS
from occe.reports.sections import SECTIONS
from tests.actions.factories import ActionFactory, EditionFactory
from tests.association.factories import MeetingFactory
from tests.formations.factories import SessionFactory, StaffTrainingFactory, TrainingFactory
from tests.prets.factories import CopyFactory, ProductFactory, ResourceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with freeze_time("2025-11-20 10:00"):
        yield


def year(start: int) -> SchoolYear:
    return SchoolYear.objects.get_or_create(start_year=start)[0]


def session(training, *parts, capacity=20, label="", **kwargs) -> Session:
    """A session of `training` with its parts: (date, start hour, end hour, place or "")."""
    created = SessionFactory(training=training, capacity=capacity, label=label, parts=0, **kwargs)
    for day, start, end, place in parts:
        SessionPart.objects.create(
            session=created,
            date=day,
            start_time=datetime.time(*start),
            end_time=datetime.time(*end),
            place=place,
            visio_url="" if place else "https://visio.test/x",
        )
    return created


@pytest.fixture
def planned():
    """What the apps hold for 2026-2027 (and a 2025-2026 session the plan leaves out)."""
    following = year(2026)
    money = TrainingFactory(
        title="Nouveaux mandataires", theme__name="La gestion de l'argent à l'école", hours=3
    )
    session(money, (datetime.date(2026, 9, 14), (14,), (17,), "Chauny"), label="Chauny")
    session(money, (datetime.date(2026, 9, 21), (14,), (17,), "Laon"), label="Laon")
    session(money, (datetime.date(2025, 12, 1), (14,), (17,), "Laon"))  # this year's
    visio = TrainingFactory(
        title="Mandataires en visio",
        theme__name="La gestion de l'argent à l'école",
        hours=Decimal("1.5"),
    )
    session(visio, (datetime.date(2026, 10, 5), (17,), (18, 30), ""), capacity=40)
    cancelled = session(visio, (datetime.date(2026, 11, 5), (17,), (18, 30), ""))
    cancelled.status = Session.Status.ANNULEE
    cancelled.save()
    climate = TrainingFactory(
        title="Faire équipe",
        theme__name="Le climat scolaire",
        audience=Audience.NEO_DIRECTEURS,
        hours=6,
    )
    session(
        climate,
        (datetime.date(2026, 11, 18), (9,), (12,), "Laon"),
        (datetime.date(2027, 1, 13), (9,), (12,), "Laon"),
        capacity=12,
    )
    common = {
        "school_year": following,
        "registration_opens": datetime.date(2026, 9, 1),
        "registration_closes": datetime.date(2026, 10, 15),
    }
    EditionFactory(
        action=ActionFactory(title="Jeux coopératifs"),
        mode=Edition.Mode.EN_CLASSE,
        capacity=8,
        interventions_per_class=3,
        **common,
    )
    EditionFactory(
        action=ActionFactory(title="Défimaths"),
        mode=Edition.Mode.A_DISTANCE,
        capacity=0,
        interventions_per_class=0,
        **common,
    )
    EditionFactory(
        action=ActionFactory(title="THEA"),
        mode=Edition.Mode.PARTENAIRE,
        partners="Théâtre de La Mascara — Aurélie Videlier\nCaravane d'Art — Chuca Tolédo",
        capacity=6,
        interventions_per_class=7,
        **common,
    )
    EditionFactory(action=ActionFactory(title="Action de cette année"))  # 2025-2026
    for day in (datetime.date(2026, 9, 29), datetime.date(2026, 11, 24)):
        MeetingFactory(
            kind=Meeting.Kind.CA,
            starts_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(18))),
        )
    MeetingFactory(
        level=Level.NATIONAL,
        kind=Meeting.Kind.AG,
        starts_at=timezone.make_aware(datetime.datetime(2026, 12, 6, 10)),
    )
    StaffTrainingFactory(
        title="Microsoft 365 et ses outils collaboratifs", date=datetime.date(2027, 3, 18)
    )
    camera = ResourceFactory(title="Kit caméra", max_loan_days=21)
    CopyFactory(resource=camera)
    CopyFactory(resource=camera)
    ProductFactory(name="Agenda coop", price=Decimal("7.50"))
    texts = {
        "projet_introduction": "L'OCCE vise un idéal de société basée sur la coopération.",
        "projet_accompagnement": "## Conseils\n• Conseils juridiques et assurantiels.",
        "projet_formations": "Un catalogue de formations est proposé aux enseignants.",
        "projet_actions": "Propositions envoyées dans les classes fin août.",
        "projet_selection": "Coopératives n'ayant jamais bénéficié d'interventions d'abord.",
        "projet_vie_associative": "Un conseil d'administration par période scolaire.",
    }
    for section, text in texts.items():
        SectionText.objects.create(school_year=following, section=section, text=text)
    return following


def pdf_text(pdf: bytes) -> str:
    """The PDF's words, one space between them (pypdf puts the bullets at the pages' ends)."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("•", " ").split())


def positions(text: str, *needles: str) -> list[int]:
    found = [text.find(needle) for needle in needles]
    assert -1 not in found, [n for n, at in zip(needles, found, strict=True) if at == -1]
    return found


def test_the_plan_follows_the_seed_with_next_year_data_in_french(planned):
    output = generate_plan(planned)
    text = pdf_text(output.pdf)
    body = text[text.find("Produit le") :]
    titles = [section.title for section in PLAN_SECTIONS]
    assert titles == [
        "Préambule",
        "L'accompagnement des coopératives scolaires",
        "Les formations",
        "Actions à destination des classes",
        "Règles de sélection des classes",
        "La vie associative",
    ]
    # The sections in the seed's order, after the table of contents, each with its text.
    starts = positions(body.split("Sommaire", 1)[1].split("Préambule", 1)[1], *titles[1:])
    assert starts == sorted(starts)
    assert "Conseils juridiques et assurantiels." in text
    # Trainings: under their theme, hours, sessions and places of next year only.
    assert (
        "Nouveaux mandataires — Tous les mandataires · 3 h · 2 sessions · 40 places · "
        "à partir du 14 septembre 2026" in text
    )
    assert "Chauny et Laon" in text
    assert "Mandataires en visio — Tous les mandataires · 1,5 h · 1 session · 40 places" in text
    assert "Faire équipe — Néo-directeurs · 6 h · 1 session · 12 places" in text
    assert "1er décembre 2025" not in text  # this year's session is not planned
    # Actions under their mode's heading, in the seed's order, with partners and places.
    positions(
        text,
        "Avec interventions en classe…",
        "Jeux coopératifs — niveaux CE2, CM1, CM2 · 8 classes · 3 interventions par classe",
        "…ou accompagnement à distance…",
        "Défimaths",
        "… et parfois avec des partenaires.",
        "THEA",
        "Avec : Théâtre de La Mascara — Aurélie Videlier ; Caravane d'Art — Chuca Tolédo",
        "Règles de sélection des classes",
        "Coopératives n'ayant jamais bénéficié",
    )
    assert "Action de cette année" not in text
    # Association life: the meetings planned, the team's trainings.
    assert "Conseil d'administration — Départemental · 2 réunions · 29 septembre 2026, " in text
    assert "Assemblée générale — National · 1 réunion · 6 décembre 2026" in text
    assert "Microsoft 365 et ses outils collaboratifs" in text
    # Resources offered (accompaniment).
    assert "Matériel de prise de vue et de son — 1 ressource · 2 exemplaires" in text
    assert "Agenda coop — 7,50 € l'unité" in text
    assert f"Projet d'activité {planned} | OCCE" in text  # the footer


def test_the_workbook_keeps_real_numbers_and_dates(planned):
    book = load_workbook(io.BytesIO(generate_plan(planned).xlsx))
    rows = list(book["Formations prévues"].iter_rows(values_only=True))
    assert rows[0][:7] == (
        "Rubrique",
        "Intitulé",
        "Public",
        "Durée (h)",
        "Sessions",
        "Places",
        "Première date",
    )
    new = next(row for row in rows if row[1] == "Nouveaux mandataires")
    assert new[3:7] == (3, 2, 40, datetime.datetime(2026, 9, 14))
    texts = dict(book["Textes"].iter_rows(values_only=True, min_row=2))
    assert texts["Règles de sélection des classes"].startswith("Coopératives n'ayant")


def test_the_listings_cost_a_constant_number_of_queries(planned):
    with CaptureQueriesContext(connection) as few:
        collect_plan(planned)
    for n in range(5):
        session(
            TrainingFactory(title=f"Formation {n}"),
            (datetime.date(2026, 10, 1 + n), (9,), (12,), "Laon"),
        )
        EditionFactory(
            action=ActionFactory(title=f"Action {n}"),
            school_year=planned,
            registration_opens=datetime.date(2026, 9, 1),
            registration_closes=datetime.date(2026, 10, 1),
        )
    with CaptureQueriesContext(connection) as more:
        data = collect_plan(planned)
    assert len(more) == len(few)
    assert len(data.block("plan.formations").entries) == 8


def test_every_plan_section_lists_what_its_apps_declare():
    declared = registry()
    assert {
        "plan.formations",
        "plan.actions",
        "plan.reunions",
        "plan.ressources",
        "plan.formations_equipe",
    } <= set(declared)
    # Each listing goes to a section of the plan, or of the annual report (`rapport.actions`).
    slugs = {section.slug for section in [*PLAN_SECTIONS, *SECTIONS]}
    assert {listing.section for listing in declared.values()} <= slugs


def test_a_plan_without_data_says_so(tmp_path):
    call_command(
        "rapport_activite",
        annee="2026-2027",
        sortie=str(tmp_path),
        projet=True,
        stdout=io.StringIO(),
    )
    text = pdf_text((tmp_path / "projet-2026-2027.pdf").read_bytes())
    assert text.count("Non renseigné.") == len(PLAN_SECTIONS)


def test_the_texts_markup_and_the_french_values():
    assert text_blocks("## Conseils\n• Un\n- Deux\nUn paragraphe.") == [
        ("heading", "Conseils"),
        ("list", ["Un", "Deux"]),
        ("paragraph", "Un paragraphe."),
    ]
    places = Column("places", "Places", template="{} place", plural="{} places")
    assert (places.show(1), places.show(1200), places.show(None)) == (
        "1 place",
        "1\xa0200 places",
        "",
    )
    hours = Column("heures", "Durée", "number", "{} h")
    assert (hours.show(Decimal("1.50")), hours.show(Decimal("3.00"))) == ("1,5 h", "3 h")
    assert Column("d", "Date", "text").show(datetime.date(2026, 9, 1)) == "1er septembre 2026"


def test_the_job_progress_reaches_its_total(planned):
    from occe.reports.generate import steps

    seen = []
    generate_plan(planned, progress=seen.append)
    assert len(seen) + 2 == steps(plan=True)  # the job then stores the PDF and the workbook
