"""Demo trainings for the previous and the current school year (`manage.py demo_data`).

The previous year reproduces the seed report (OCCE 92, scaled with the department): five
2-hour sessions in September–October for new mandataires (100 present), four in March–June for
all mandataires (54), THEA (9 hours in two days, 13 November and 30 April, 8 teachers), « Réaliser
un film avec sa classe » (6 hours in three January afternoons, 17 teachers); from OCCE 02's plan,
monthly 1h30 visio sessions for mandataires and a session « annulée faute d'inscrits »; and the
staff's and board's own trainings. The current year has the same catalogue: sessions already
past were held (attendance recorded), coming ones are open (one full, with a waiting list).
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cooperatives.models import Cooperative, Mandate, TeacherSchool
from occe.accounts.models import Role, User
from occe.core.demo import CHANGE_REASON, DOMAIN, FIRST_NAMES, LAST_NAMES, PASSWORD, _ascii
from occe.core.demo_apps import DemoContext
from occe.core.formats import number
from occe.core.models import SchoolYear

from .models import (
    SURVEY_QUESTIONS,
    Attendance,
    Audience,
    Registration,
    Session,
    SessionPart,
    StaffTraining,
    SurveyAnswer,
    Theme,
    Training,
    unique_slug,
)

OFFICE = "Locaux de l'OCCE 92, Nanterre"
PLACES = [
    OFFICE,
    "Circonscription de Gennevilliers, salle de réunion",
    "Médiathèque de Rueil-Malmaison",
    "École élémentaire Jean Jaurès, Clamart",
]
VISIO = "https://visio.occe92.test/formation-mandataires"
TIME = datetime.time


@dataclass
class PlannedSession:
    """(month, day, start, end) per part, in the school year; the place or visio."""

    parts: list[tuple[int, int, TIME, TIME]]
    present: int
    place: str = OFFICE
    visio: bool = False
    cancelled: str = ""
    label: str = ""


@dataclass
class PlannedTraining:
    title: str
    theme: str
    audience: str
    hours: Decimal
    description: str
    sessions: list[PlannedSession]
    pool: str = "mandataires"  # who registers: "mandataires" or "enseignants"
    partner: str = ""
    trainer: str = ""
    dsden_plan: bool = False
    capacity: int = 25
    minimum: int = 6


def two_hours(month, day):
    return [(month, day, TIME(17), TIME(19))]


def catalogue() -> list[PlannedTraining]:
    return [
        PlannedTraining(
            "Gérer l'argent de la coopérative : nouveaux mandataires",
            "Gestion de l'argent",
            Audience.NOUVEAUX_MANDATAIRES,
            Decimal("2"),
            "Le rôle du mandataire, le compte bancaire, la comptabilité de la coopérative, "
            "le compte rendu financier et les reçus fiscaux.",
            [
                PlannedSession(two_hours(9, 16), 22, PLACES[0], label="Nanterre"),
                PlannedSession(two_hours(9, 23), 20, visio=True, label="Visio"),
                PlannedSession(two_hours(9, 30), 19, PLACES[1], label="Gennevilliers"),
                PlannedSession(two_hours(10, 7), 21, PLACES[2], label="Rueil-Malmaison"),
                PlannedSession(two_hours(10, 14), 18, visio=True, label="Visio"),
                PlannedSession(
                    two_hours(10, 9),
                    0,
                    PLACES[3],
                    cancelled="Annulée faute d'inscrits.",
                    label="Clamart",
                ),
            ],
            partner="",
            trainer="Équipe de l'OCCE 92",
        ),
        PlannedTraining(
            "Gérer l'argent de la coopérative : tous les mandataires",
            "Gestion de l'argent",
            Audience.MANDATAIRES,
            Decimal("2"),
            "Clôture de l'exercice, compte rendu financier, quitus et vérification des comptes.",
            [
                PlannedSession(two_hours(3, 11), 14, PLACES[0], label="Nanterre"),
                PlannedSession(two_hours(4, 8), 13, visio=True, label="Visio"),
                PlannedSession(two_hours(5, 13), 14, PLACES[2], label="Rueil-Malmaison"),
                PlannedSession(two_hours(6, 10), 13, visio=True, label="Visio"),
            ],
            trainer="Équipe de l'OCCE 92",
        ),
        PlannedTraining(
            "THEA : le théâtre à l'école",
            "Théâtre",
            Audience.ENSEIGNANTS,
            Decimal("9"),
            "Deux journées avec les comédiens pour mener un projet théâtral avec sa classe, "
            "au théâtre Jean Vilar de Suresnes.",
            [
                PlannedSession(
                    [(11, 13, TIME(9), TIME(13, 30)), (4, 30, TIME(9), TIME(13, 30))],
                    8,
                    "Théâtre Jean Vilar, Suresnes",
                )
            ],
            pool="enseignants",
            partner="Théâtre Jean Vilar de Suresnes",
            trainer="Marion Monier et Wilhem Mahtallah",
            dsden_plan=True,
            capacity=12,
        ),
        PlannedTraining(
            "Réaliser un film avec sa classe",
            "Cinéma",
            Audience.ENSEIGNANTS,
            Decimal("6"),
            "Une conférence en grand groupe puis deux ateliers pratiques : écrire, tourner et "
            "monter un court film coopératif.",
            [
                PlannedSession(
                    [
                        (1, 8, TIME(14), TIME(16)),
                        (1, 15, TIME(14), TIME(16)),
                        (1, 29, TIME(14), TIME(16)),
                    ],
                    17,
                )
            ],
            pool="enseignants",
            trainer="Marilou Peral, intervenante cinéma",
            dsden_plan=True,
            capacity=20,
        ),
        PlannedTraining(
            "Les rendez-vous visio des mandataires",
            "Gestion de l'argent",
            Audience.MANDATAIRES,
            Decimal("1.5"),
            "Une heure trente par mois pour répondre aux questions des mandataires.",
            [
                PlannedSession([(month, 12, TIME(17, 30), TIME(19))], present, visio=True)
                for month, present in [
                    (10, 9),
                    (11, 7),
                    (12, 5),
                    (1, 8),
                    (2, 6),
                    (3, 7),
                    (4, 5),
                    (5, 6),
                    (6, 4),
                ]
            ],
            capacity=30,
            minimum=3,
        ),
        PlannedTraining(
            "Conseil de coopérative et messages clairs",
            "Pédagogies coopératives",
            Audience.ENSEIGNANTS,
            Decimal("3"),
            "Mettre en place le conseil de coopérative et les messages clairs dans sa classe.",
            [PlannedSession([(2, 4, TIME(9), TIME(12))], 14, PLACES[0])],
            pool="enseignants",
            capacity=16,
        ),
    ]


STAFF_TRAININGS = [
    # (month, day, title, organisation, audience, participants, hours)
    (
        10,
        15,
        "Aide à la rédaction d'un dossier de demande de subvention",
        "La Ligue de l'enseignement 92",
        StaffTraining.Audience.TOUS,
        4,
        Decimal("6"),
    ),
    (
        11,
        18,
        "Sauveteur secouriste au travail",
        "KEREA – Efficience santé au travail",
        StaffTraining.Audience.SALARIES,
        3,
        Decimal("14"),
    ),
    (
        1,
        22,
        "Journées d'études fédérales (JEF)",
        "Fédération nationale de l'OCCE",
        StaffTraining.Audience.TOUS,
        4,
        Decimal("18"),
    ),
    (
        2,
        5,
        "Faire équipe",
        "Fédération nationale de l'OCCE",
        StaffTraining.Audience.SALARIES,
        2,
        Decimal("6"),
    ),
    (
        3,
        19,
        "Coopérer pour la citoyenneté",
        "Fédération nationale de l'OCCE",
        StaffTraining.Audience.TOUS,
        5,
        Decimal("6"),
    ),
]


def _day(year: SchoolYear, month: int, day: int) -> datetime.date:
    return datetime.date(year.start_year + (month < 9), month, day)


@dataclass
class Pools:
    """People who register, each with their school."""

    mandataires: list[tuple[int, int]]  # (user id, coop id)
    enseignants: list[tuple[int, int]]
    taken: dict = field(default_factory=dict)

    def pick(self, rng: random.Random, kind: str, count: int, avoid: set) -> list[tuple[int, int]]:
        pool = [p for p in getattr(self, kind) if p[0] not in avoid]
        return rng.sample(pool, min(count, len(pool)))


def _pools(context: DemoContext, rng: random.Random) -> Pools:
    mandataires = list(
        Mandate.objects.current()
        .filter(user__role=Role.MANDATAIRE)
        .values_list("user", "cooperative")
    )
    coops = list(Cooperative.objects.active().values_list("pk", flat=True))
    password = make_password(PASSWORD)
    teachers = []
    for n in range(context.scaled(150, minimum=30)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        teachers.append(
            User(
                email=f"{_ascii(first)}.{_ascii(last)}.f{n + 1}@{DOMAIN}",
                first_name=first,
                last_name=last,
                role=Role.ENSEIGNANT,
                password=password,
            )
        )
    User.objects.bulk_create(teachers, batch_size=500)
    enseignants = [(t.pk, rng.choice(coops)) for t in teachers]
    # Each teacher's school is the one they register with (« Mon école »).
    bulk_create_with_history(
        [TeacherSchool(user_id=user, cooperative_id=coop) for user, coop in enseignants],
        TeacherSchool,
        batch_size=500,
        default_change_reason=CHANGE_REASON,
    )
    demo_teacher = User.objects.filter(email=f"enseignant@{DOMAIN}").first()
    if demo_teacher and coops:
        school = TeacherSchool.objects.filter(user=demo_teacher).first()  # cooperatives' demo
        coop = school.cooperative_id if school else coops[min(3, len(coops) - 1)]
        enseignants.insert(0, (demo_teacher.pk, coop))
    mandataires.sort(key=lambda pair: pair[0])
    return Pools(mandataires=mandataires, enseignants=enseignants)


def _demo_mandataire(pools: Pools) -> list[tuple[int, int]]:
    user = User.objects.filter(email=f"mandataire@{DOMAIN}").first()
    return [pair for pair in pools.mandataires if user and pair[0] == user.pk][:1]


def populate(context: DemoContext) -> str:
    rng = context.rng("formations")
    current = SchoolYear.objects.current()
    previous = current.previous()
    today = timezone.localdate()
    themes = {theme.name: theme for theme in Theme.objects.all()}  # from the migrations
    pools = _pools(context, rng)
    animator = User.objects.filter(role=Role.ANIMATION).order_by("pk").first()
    trainings, sessions, parts, registrations = [], [], [], []
    plans = catalogue()
    taken = set(Training.objects.values_list("slug", flat=True))
    for plan in plans:
        theme = themes.get(plan.theme) or Theme.objects.create(name=plan.theme)
        themes[plan.theme] = theme
        slug = unique_slug(plan.title, lambda s: s in taken)
        taken.add(slug)
        trainings.append(
            Training(
                title=plan.title,
                slug=slug,
                theme=theme,
                audience=plan.audience,
                description=plan.description,
                hours=plan.hours,
                partner=plan.partner,
                trainer=plan.trainer,
                dsden_plan=plan.dsden_plan,
            )
        )
    Training.objects.bulk_create(trainings)

    # Sessions of both years, with their parts and (for each) who registers.
    planned = []  # (Session, [SessionPart], PlannedSession, PlannedTraining, year)
    for training, plan in zip(trainings, plans, strict=True):
        for year in (previous, current):
            for spec in plan.sessions:
                present = context.scaled(spec.present, minimum=min(spec.present, 1))
                dates = [_day(year, m, d) for m, d, _, _ in spec.parts]
                capacity = min(500, max(plan.capacity, present + 4))
                session = Session(
                    training=training,
                    label=spec.label,
                    capacity=capacity,
                    minimum=min(plan.minimum, capacity),
                    registration_deadline=dates[0] - datetime.timedelta(days=7),
                )
                session_parts = [
                    SessionPart(
                        date=day,
                        start_time=start,
                        end_time=end,
                        place="" if spec.visio else spec.place,
                        visio_url=VISIO if spec.visio else "",
                    )
                    for day, (_, _, start, end) in zip(dates, spec.parts, strict=True)
                ]
                planned.append((session, session_parts, spec, plan, year, present))
    # Coming sessions: the first one is full with a waiting list; others fill up partly.
    coming = sorted(
        (p for p in planned if p[1][0].date > today and not p[2].cancelled),
        key=lambda p: p[1][0].date,
    )
    full = coming[0][0] if coming else None
    for session, session_parts, spec, _plan, _year, _present in planned:
        started = session_parts[0].date <= today
        if spec.cancelled:
            session.status = Session.Status.ANNULEE
            session.cancellation_reason = spec.cancelled
            session.cancelled_at = _moment(session.registration_deadline + datetime.timedelta(1))
        elif started:
            session.status = Session.Status.TENUE
        elif session is full:
            session.status = Session.Status.COMPLETE
        elif session.registration_deadline < today:
            session.status = Session.Status.CLOSE
        sessions.append(session)
    Session.objects.bulk_create(sessions)
    for session, session_parts, *_ in planned:
        for part in session_parts:
            part.session = session
            parts.append(part)
    SessionPart.objects.bulk_create(parts)

    # Registrations: the seed's participants present (distinct people per training and year),
    # a few absent. The demo accounts join the first session of each training and year.
    demo_people = {"enseignants": pools.enseignants[:1], "mandataires": _demo_mandataire(pools)}
    used: dict[tuple, set] = {}
    registered_parts = []  # (Registration, [SessionPart], present)
    for session, session_parts, spec, plan, year, present in planned:
        first_day = session_parts[0].date
        started = first_day <= today
        if spec.cancelled:
            count, absent = 2, 0
        elif started:
            count, absent = present, max(0, round(present * 0.08))
        elif session is full:
            count, absent = session.capacity + 3, 0
        else:
            count, absent = round(session.capacity * rng.uniform(0.3, 0.8)), 0
        avoid = used.setdefault((plan.title, year.pk), set())
        forced = [] if avoid or spec.cancelled else demo_people[plan.pool]
        people = forced + pools.pick(
            rng, plan.pool, max(0, count + absent - len(forced)), avoid | {u for u, _ in forced}
        )
        avoid.update(user_id for user_id, _ in people)
        for position, (user_id, coop_id) in enumerate(people):
            registered_on = session.registration_deadline - datetime.timedelta(
                days=rng.randrange(1, 30)
            )
            status = Registration.Status.CONFIRMED
            if position >= session.capacity:
                status = Registration.Status.WAITING
            registration = Registration(
                session=session,
                user_id=user_id,
                cooperative_id=coop_id,
                status=status,
                registered_at=_moment(registered_on, position),
                registered_by_id=user_id,
                confirmation_sent_at=_moment(registered_on, position)
                if status == Registration.Status.CONFIRMED
                else None,
                reminder_sent_at=_moment(first_day - datetime.timedelta(2)) if started else None,
                cancellation_sent_at=session.cancelled_at,
            )
            registrations.append(registration)
            if started and not spec.cancelled:
                registered_parts.append((registration, session_parts, position < count))
    Registration.objects.bulk_create(registrations, batch_size=1000)

    attendances, answers = [], []
    for registration, session_parts, present in registered_parts:
        for part in session_parts:
            if part.date > today:
                continue
            attendances.append(
                Attendance(
                    registration=registration,
                    part=part,
                    # Present people miss a later day now and then (never the first).
                    present=present and (part is session_parts[0] or rng.random() < 0.95),
                    recorded_by=animator,
                )
            )
        if present and rng.random() < 0.4:
            scores = {name: rng.choices([3, 4, 5], [1, 3, 4])[0] for name, _ in SURVEY_QUESTIONS}
            answers.append(SurveyAnswer(registration=registration, **scores))
    if animator:
        Attendance.objects.bulk_create(attendances, batch_size=2000)
        SurveyAnswer.objects.bulk_create(answers, batch_size=1000)

    staff_trainings = [
        StaffTraining(
            title=title,
            organisation=organisation,
            date=_day(year, month, day),
            audience=audience,
            participants=participants,
            hours=hours,
        )
        for year in (previous, current)
        for month, day, title, organisation, audience, participants, hours in STAFF_TRAININGS
        if _day(year, month, day) <= today
    ]
    StaffTraining.objects.bulk_create(staff_trainings)
    return (
        f"Formations : {len(trainings)} formations, {number(len(sessions))} sessions, "
        f"{number(len(registrations))} inscriptions, {number(len(attendances))} présences, "
        f"{len(staff_trainings)} formations de l'équipe."
    )


def _moment(day: datetime.date, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(8 + minute // 60 % 10, minute % 60), tzinfo=datetime.UTC
    )
