"""Demo data of the activity plan: what the apps would hold for the coming year by the end of
August, after the seed plan (OCCE 02, 2025-2026) — training sessions with their hours and
places, the actions' editions copied on (and a new event day), the meetings, the team's
trainings and the working groups. The plan itself reads them through the listings only."""

import datetime
from decimal import Decimal

from django.utils import timezone

from actions.models import Action, Edition
from formations.models import Audience, Session, SessionPart, StaffTraining, Theme, Training
from occe.association.models import Level, Meeting, WorkingGroup
from occe.core.models import SchoolYear

TIME = datetime.time
MONEY, CLIMATE = "La gestion de l'argent à l'école", "Le climat scolaire et pédagogies coopératives"
VISIO = "https://visio.occe.test/formation"

# (theme, title, audience, hours, partner, sessions, places); a session: (label, its parts), a
# part: (month, day, start hour, end hour, place or "" for a visio).
TRAININGS = [
    (
        MONEY,
        "Nouveaux mandataires : gérer la coopérative",
        Audience.NOUVEAUX_MANDATAIRES,
        "3",
        "",
        [
            ("Nanterre", [(9, 16, 14, 17, "Nanterre")]),
            ("Gennevilliers", [(9, 23, 14, 17, "Gennevilliers")]),
        ],
        25,
    ),
    (
        MONEY,
        "Néo-directeurs et faisant fonction : « L'argent à l'école »",
        Audience.NEO_DIRECTEURS,
        "3",
        "",
        [("", [(10, 8, 9, 12, "Nanterre")])],
        30,
    ),
    (
        MONEY,
        "Mandataires : la comptabilité en visio (une fois par mois)",
        Audience.MANDATAIRES,
        "1.5",
        "",
        [("", [(month, 7, 17, 18.5, "")]) for month in (10, 11, 12, 1, 2, 3)],
        40,
    ),
    (
        CLIMATE,
        "Néo-directeurs : « Des outils coopératifs au service du climat scolaire »",
        Audience.NEO_DIRECTEURS,
        "6",
        "",
        [("", [(11, 18, 9, 12, "Nanterre"), (1, 13, 9, 12, "Nanterre")])],
        20,
    ),
    (
        CLIMATE,
        "Le Conseil de coopérative et les messages clairs, en lien avec les actions",
        Audience.ENSEIGNANTS,
        "3",
        "",
        [("", [(11, 26, 14, 17, "Rueil-Malmaison")])],
        25,
    ),
    (
        CLIMATE,
        "Écoute active et messages clairs au service du climat scolaire",
        Audience.EDUCATEURS,
        "3",
        "Cité éducative",
        [
            ("Gennevilliers, groupe 1", [(12, 3, 9, 12, "Gennevilliers")]),
            ("Gennevilliers, groupe 2", [(12, 10, 9, 12, "Gennevilliers")]),
        ],
        15,
    ),
    (
        CLIMATE,
        "Former à la coopération pour améliorer le bien-être et prévenir le harcèlement",
        Audience.ANIMATEURS,
        "9",
        "",
        [("", [(1, 20, 9, 12, "Nanterre"), (1, 21, 9, 12, "Nanterre"), (1, 22, 9, 12, "")])],
        12,
    ),
]
# (level, kind, [(month, day)], place)
MEETINGS = [
    (Level.DEPARTEMENTAL, Meeting.Kind.CA, [(9, 29), (11, 24), (1, 26), (3, 30), (6, 1)], "Siège"),
    (Level.DEPARTEMENTAL, Meeting.Kind.AG, [(5, 20)], "Nanterre"),
    (Level.DEPARTEMENTAL, Meeting.Kind.COMMISSION_AAP, [(11, 5), (3, 11)], "Siège"),
    (Level.REGIONAL, Meeting.Kind.INSTANCE_REGIONALE, [(10, 14), (2, 10), (5, 12)], "Paris"),
    (Level.NATIONAL, Meeting.Kind.AG, [(12, 6), (6, 13)], "Paris"),
]
STAFF_TRAININGS = [
    ("Journées d'études fédérales : « Coopération : pensons et constituons nos communs »", 10, 15),
    ("Vie associative : « L'entraînement mental : approfondissement »", 1, 28),
    ("Formation fédérale « Microsoft 365 et ses outils collaboratifs »", 3, 18),
]
WORKING_GROUPS = [
    ("Chantier vie associative : « Conseil de coopérative d'adultes »", Level.DEPARTEMENTAL),
    ("Préparation de la formation « Former à la coopération pour le bien-être »", Level.NATIONAL),
    ("Groupe de travail autour de la poésie coopérative", Level.NATIONAL),
]
MUSEUM = "Journées coopératives au musée de l'École publique"


def _day(year: SchoolYear, month: int, day: int) -> datetime.date:
    return datetime.date(year.start_year + (month < 8), month, day)


def _time(hour: float) -> TIME:
    return TIME(int(hour), int(round((hour % 1) * 60)))


def plan_next_year(year: SchoolYear) -> str:
    sessions = _trainings(year)
    editions = _editions(year)
    meetings = _meetings(year)
    for title, month, day in STAFF_TRAININGS:
        StaffTraining.objects.get_or_create(
            title=title,
            date=_day(year, month, day),
            defaults={"audience": StaffTraining.Audience.SALARIES, "participants": 1, "hours": 12},
        )
    for title, level in WORKING_GROUPS:
        WorkingGroup.objects.get_or_create(
            title=title, defaults={"level": level, "start_date": year.start_date}
        )
    return f"{sessions} sessions, {editions} éditions, {meetings} réunions prévues"


def _trainings(year: SchoolYear) -> int:
    count = 0
    for theme_name, title, audience, hours, partner, sessions, places in TRAININGS:
        theme = Theme.objects.get_or_create(name=theme_name)[0]
        training, _ = Training.objects.get_or_create(
            title=title,
            defaults={
                "theme": theme,
                "audience": audience,
                "hours": Decimal(hours),
                "partner": partner,
            },
        )
        for label, group in sessions:
            first = _day(year, group[0][0], group[0][1])
            session = Session.objects.create(
                training=training,
                label=label,
                capacity=places,
                minimum=min(6, places),
                registration_deadline=first - datetime.timedelta(days=7),
            )
            SessionPart.objects.bulk_create(
                SessionPart(
                    session=session,
                    date=_day(year, month, day),
                    start_time=_time(start),
                    end_time=_time(end),
                    place=place,
                    visio_url="" if place else VISIO,
                )
                for month, day, start, end, place in group
            )
            count += 1
    return count


def _editions(year: SchoolYear) -> int:
    current = year.previous()
    planned = set(Edition.objects.filter(school_year=year).values_list("action", flat=True))
    count = 0
    for edition in Edition.objects.filter(school_year=current).exclude(action__in=planned):
        edition.copy_to_next_year()
        count += 1
    museum = Action.objects.get_or_create(
        title=MUSEUM,
        defaults={
            "objectives": "Deux journées au musée : visite, écritures coopératives, chasse au "
            "trésor, jeux coopératifs ; transport et entrées pris en charge."
        },
    )[0]
    _, created = Edition.objects.get_or_create(
        action=museum,
        school_year=year,
        defaults={
            "mode": Edition.Mode.EVENEMENT,
            "levels": ["CP", "CE1", "CE2", "CM1", "CM2"],
            "registration_opens": _day(year, 9, 1),
            "registration_closes": _day(year, 10, 15),
            "capacity": 12,
            "partners": "Musée de l'École publique — accueil et visite",
            "final_event": "Deux journées coopératives (2 × 6 classes)",
            "final_event_place": "Musée de l'École publique",
            "final_event_date": _day(year, 5, 21),
        },
    )
    return count + created


def _meetings(year: SchoolYear) -> int:
    meetings = [
        Meeting(
            level=level,
            kind=kind,
            starts_at=timezone.make_aware(
                datetime.datetime.combine(_day(year, month, day), TIME(18))
            ),
            place=place,
        )
        for level, kind, days, place in MEETINGS
        for month, day in days
    ]
    if not Meeting.objects.in_year(year).exists():
        Meeting.objects.bulk_create(meetings)
    return len(meetings)
