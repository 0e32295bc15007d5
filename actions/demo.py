"""Demo actions for the previous and the current school year (`manage.py demo_data`).

The previous year reproduces the seed report's editions (OCCE 92, classes scaled with the
department): THEA (8 classes of 4 schools, 192 pupils, 7 interventions per class by two actors,
a final performance on 10 June at the théâtre Jean Vilar; 500 € from the DSDEN and 4 000 € from
the Rectorat; total 11 871,61 € of which the association 7 371,61 €), Les Écoles qui filment
(26 classes, 11 schools, 576 pupils, a festival in five cinemas; 500 € from the DSDEN and
5 500 € from the DRAC; total 13 273,88 € of which the association 7 273,88 €), Land art et
poésie (9 classes: 7 of cycle 2, 2 of cycle 3), Porté disparu (9 classes of cycle 3, 219 pupils), Classe d'eau (39
classes, 10 schools, 975 pupils, 32 760 € from the AESN); and interventions outside actions
(Philo in 1 coop, Jeux coopératifs in 13). The current year has the same editions, registrations
open; THEA has more classes registered than places, some of last year's teachers among them,
so that the selection proposal has something to decide.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from cooperatives.models import Cooperative
from occe.accounts.models import Role, User
from occe.core.demo import DOMAIN, FIRST_NAMES, LAST_NAMES, PASSWORD, _ascii
from occe.core.demo_apps import DemoContext
from occe.core.formats import number
from occe.core.models import SchoolYear

from .models import (
    Action,
    BudgetLine,
    ClassRegistration,
    Edition,
    Intervenant,
    Intervention,
    Production,
    Round,
    Submission,
)

D = Decimal
Status = ClassRegistration.Status


@dataclass
class Plan:
    title: str
    objectives: str
    mode: str
    levels: list[str]
    classes: int
    schools: int
    pupils: int
    interventions_per_class: int = 0
    intervenants: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    final_event: str = ""
    final_event_place: str = ""
    final_event_day: tuple[int, int] | None = None  # (month, day)
    partners: str = ""
    resources: str = ""
    expenses: tuple[tuple[str, str, Decimal], ...] = ()
    contributions: tuple[tuple[str, Decimal], ...] = ()
    # Levels per class, cycled (Land art: 7 classes of cycle 2 then 2 of cycle 3).
    class_levels: tuple[tuple[str, ...], ...] = (("CM1",),)


PLANS = [
    Plan(
        "THEA",
        "Favoriser la création théâtrale à partir d'une œuvre littéraire d'un auteur "
        "contemporain vivant.",
        Edition.Mode.EN_CLASSE,
        ["CE2", "CM1", "CM2", "6e"],
        classes=8,
        schools=4,
        pupils=192,
        interventions_per_class=7,
        intervenants=("Clémence Arnaud", "Yanis Morel"),
        subjects=("Jeux d'échauffement", "Lecture à voix haute", "Mise en espace", "Répétition"),
        final_event="Restitution des classes",
        final_event_place="Théâtre Jean Vilar, Suresnes",
        final_event_day=(6, 10),
        partners="Caroline Stella et Gwendoline Soublin, autrices\n"
        "Compagnie du Hasard, deux comédiens intervenants\nDSDEN et Rectorat, partenaires",
        resources="Padlet de partage des informations : https://padlet.com/occe92/thea",
        expenses=(
            ("honoraires", "Cachets des deux comédiens (56 interventions)", D("8400.00")),
            ("transport", "Cars pour la restitution", D("1850.00")),
            ("location", "Théâtre Jean Vilar, régie et salle", D("1200.00")),
            ("materiel", "Textes et fournitures", D("421.61")),
        ),
        contributions=(("DSDEN", D("500.00")), ("Rectorat", D("4000.00"))),
        class_levels=(("CM1",), ("CM2",), ("CM1", "CM2"), ("CE2",)),
    ),
    Plan(
        "Les Écoles qui filment",
        "Éduquer les élèves à l'image, entrer dans une pédagogie de projet qui encourage la "
        "coopération et réaliser un film avec sa classe.",
        Edition.Mode.EN_CLASSE,
        ["CP", "CE1", "CE2", "CM1", "CM2"],
        classes=26,
        schools=11,
        pupils=576,
        interventions_per_class=3,
        intervenants=("Karim Benhamou", "Sophie Lambert"),
        subjects=("Story-board", "Trucage", "Bruitage"),
        final_event="Festival des Écoles qui filment",
        final_event_place="Cinq cinémas du département",
        final_event_day=(6, 24),
        partners="Intervenante cinéma et monteur réalisateur\nDSDEN et DRAC Île-de-France, "
        "partenaires financiers\nCinq cinémas du département, projections",
        resources="Fiche d'analyse de film\nPlateforme du Kinétoscope\n"
        "Padlet : https://padlet.com/occe92/ecoles-qui-filment",
        expenses=(
            ("honoraires", "Intervenants cinéma", D("7800.00")),
            ("location", "Salles de cinéma du festival", D("3900.00")),
            ("materiel", "Caméras, micros, montage", D("1573.88")),
        ),
        contributions=(("DSDEN", D("500.00")), ("DRAC", D("5500.00"))),
        class_levels=(("CE2",), ("CM1",), ("CM2",), ("CE1",), ("CM1", "CM2")),
    ),
    Plan(
        "Land art et poésie",
        "Créer une œuvre éphémère dans la nature et l'accompagner d'un poème.",
        Edition.Mode.A_DISTANCE,
        ["CP", "CE1", "CE2", "CM1", "CM2"],
        classes=9,
        schools=6,
        pupils=205,
        class_levels=(("CP",),) * 3 + (("CE1",),) * 2 + (("CE2",),) * 2 + (("CM1",), ("CM2",)),
    ),
    Plan(
        "Porté disparu",
        "Mener l'enquête en classe à partir d'un objet disparu : lire, écrire, argumenter.",
        Edition.Mode.PARTENAIRE,
        ["CM1", "CM2", "6e"],
        classes=9,
        schools=7,
        pupils=219,
        class_levels=(("CM1",), ("CM2",), ("CM1", "CM2")),
    ),
    Plan(
        "Classe d'eau",
        "Une semaine pour comprendre le cycle de l'eau et sa protection.",
        Edition.Mode.PARTENAIRE,
        ["CE2", "CM1", "CM2", "6e"],
        classes=39,
        schools=10,
        pupils=975,
        partners="Agence de l'eau Seine-Normandie (AESN) — financement des classes d'eau",
        expenses=(("autre", "Classes d'eau : sorties, intervenants, matériel", D("36400.00")),),
        contributions=(("Agence de l'eau Seine-Normandie", D("32760.00")),),
        class_levels=(("CE2",), ("CM1",), ("CM2",)),
    ),
]
# Interventions outside actions in the previous year: (theme, coops reached).
OUTSIDE = [("Philo", 1), ("Jeux coopératifs", 13)]
THEA_REGISTERED_NOW = 14  # registrations this year for THEA's 8 places


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if n < extra else 0) for n in range(parts)]


class Slots:
    """Half-days (9h–11h, 14h–16h) on school days from a start date, per intervenant: one
    intervenant never gets two interventions at once (the exclusion constraint would refuse)."""

    def __init__(self, start: datetime.date):
        self.start = start
        self.used: dict[int, int] = {}

    def next(self, intervenant_pk: int) -> tuple[datetime.datetime, datetime.datetime]:
        n = self.used.get(intervenant_pk, 0)
        self.used[intervenant_pk] = n + 1
        day, half = self._school_day(n // 2), n % 2
        start = datetime.time(9) if half == 0 else datetime.time(14)
        begin = timezone.make_aware(datetime.datetime.combine(day, start))
        return begin, begin + datetime.timedelta(hours=2)

    def _school_day(self, index: int) -> datetime.date:
        day, count = self.start, -1
        while True:
            if day.weekday() in (0, 1, 3, 4):  # no school on Wednesdays and week-ends
                count += 1
                if count == index:
                    return day
            day += datetime.timedelta(days=1)


def populate(context: DemoContext) -> str:
    rng = context.rng("actions")
    current = SchoolYear.objects.current()
    previous = current.previous()
    today = timezone.localdate()
    coops = list(Cooperative.objects.active().select_related("circonscription").order_by("pk"))
    if not coops:
        return "Actions : aucune coopérative, rien créé."
    teachers = _teachers(context, rng)
    demo_teacher = User.objects.filter(email=f"enseignant@{DOMAIN}").first()
    intervenants = {}
    for plan in PLANS:
        for name in plan.intervenants:
            if name not in intervenants:
                kind = (
                    Intervenant.Kind.ANIMATEUR
                    if name in ("Karim Benhamou", "Sophie Lambert")
                    else Intervenant.Kind.PARTENAIRE
                )
                intervenants[name] = Intervenant.objects.create(
                    name=name,
                    kind=kind,
                    organisation=""
                    if kind == Intervenant.Kind.ANIMATEUR
                    else "Compagnie du Hasard",
                    role="Animateur" if kind == Intervenant.Kind.ANIMATEUR else "Comédien",
                )
    slots = Slots(datetime.date(previous.start_year + 1, 1, 6))
    teacher_iter = iter(teachers)
    counts = {"registrations": 0, "interventions": 0}
    thea_teachers_last_year = []
    for plan in PLANS:
        action = Action.objects.create(
            title=plan.title, objectives=plan.objectives, scope=Action.Scope.DEPARTEMENTALE
        )
        for year in (previous, current):
            edition = _edition(plan, action, year, today, context)
            if year == previous:
                registrations = _registrations(
                    plan, edition, coops, teacher_iter, context, rng, year
                )
                if plan.title == "THEA":
                    thea_teachers_last_year = [r.teacher_id for r in registrations]
                if plan.title == "Les Écoles qui filment" and demo_teacher is not None:
                    first = registrations[0]
                    ClassRegistration.objects.filter(pk=first.pk).update(teacher=demo_teacher)
                    first.teacher = demo_teacher
                counts["interventions"] += _interventions(
                    plan, edition, registrations, intervenants, slots
                )
                _budget(plan, edition)
            else:
                registrations = _current(
                    plan, edition, coops, teacher_iter, thea_teachers_last_year, context, rng
                )
            counts["registrations"] += len(registrations)
    counts["interventions"] += _outside(previous, coops, context, rng, slots)
    counts["registrations"] += _defimaths(current, today, coops, teacher_iter, context, rng)
    counts["registrations"] += _poetry(current, today, coops, teacher_iter, context, rng)
    if demo_teacher is not None:
        thea = Edition.objects.get(action__title="THEA", school_year=current)
        school = getattr(demo_teacher, "school", None)
        ClassRegistration.objects.create(
            edition=thea,
            cooperative=school.cooperative if school else coops[0],
            teacher=demo_teacher,
            registered_by=demo_teacher,
            class_name="CM1-CM2 de la démo",
            levels=["CM1", "CM2"],
            pupils=25,
            whole_team=True,
            motivation="Toute l'école prépare un spectacle en fin d'année.",
        )
        counts["registrations"] += 1
    return (
        f"Actions : {len(PLANS) + 2} actions sur deux années, {number(counts['registrations'])} "
        f"classes inscrites, {number(counts['interventions'])} interventions."
    )


def _teachers(context: DemoContext, rng: random.Random) -> list[int]:
    needed = (
        sum(context.scaled(p.classes, minimum=1) for p in PLANS) * 2
        + context.scaled(THEA_REGISTERED_NOW, minimum=THEA_REGISTERED_NOW)
        + context.scaled(6, minimum=3) * len(CYCLE_LEVELS)
        + context.scaled(POETRY_CLASSES, minimum=2)
    )
    password = make_password(PASSWORD)
    users = []
    for n in range(needed):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        users.append(
            User(
                email=f"{_ascii(first)}.{_ascii(last)}.a{n + 1}@{DOMAIN}",
                first_name=first,
                last_name=last,
                role=Role.ENSEIGNANT,
                password=password,
            )
        )
    User.objects.bulk_create(users, batch_size=500)
    return [u.pk for u in users]


def _edition(plan: Plan, action, year, today, context) -> Edition:
    current = year.start_year == SchoolYear.objects.current().start_year
    if current:
        opens, closes = today - datetime.timedelta(days=20), today + datetime.timedelta(days=25)
    else:
        opens = datetime.date(year.start_year, 9, 15)
        closes = datetime.date(year.start_year, 10, 20)
    final = None
    if plan.final_event_day:
        month, day = plan.final_event_day
        final = datetime.date(year.start_year + 1, month, day)
    return Edition.objects.create(
        action=action,
        school_year=year,
        mode=plan.mode,
        levels=plan.levels,
        registration_opens=opens,
        registration_closes=closes,
        capacity=context.scaled(plan.classes, minimum=1) if plan.interventions_per_class else 0,
        interventions_per_class=plan.interventions_per_class,
        partners=plan.partners,
        resources=plan.resources,
        final_event=plan.final_event,
        final_event_place=plan.final_event_place,
        final_event_date=final,
        information_meetings="Réunion d'information en visioconférence mi-septembre.",
    )


def _registrations(plan, edition, coops, teachers, context, rng, year) -> list:
    classes = context.scaled(plan.classes, minimum=1)
    schools = rng.sample(coops, min(len(coops), context.scaled(plan.schools, minimum=1)))
    pupils = _split(context.scaled(plan.pupils, minimum=classes), classes)
    status = Status.TERMINEE
    moment = timezone.make_aware(datetime.datetime(year.start_year, 9, 20, 10))
    rows = []
    for n in range(classes):
        levels = list(plan.class_levels[n % len(plan.class_levels)])
        teacher = next(teachers)
        rows.append(
            ClassRegistration(
                edition=edition,
                cooperative=schools[n % len(schools)],
                teacher_id=teacher,
                registered_by_id=teacher,
                class_name=f"{'-'.join(levels)} {n // len(schools) + 1}",
                levels=levels,
                pupils=min(40, pupils[n]),
                whole_team=rng.random() < 0.4,
                status=status,
                registered_at=moment + datetime.timedelta(hours=n),
            )
        )
    return ClassRegistration.objects.bulk_create(rows, batch_size=500)


def _current(plan, edition, coops, teachers, served, context, rng) -> list:
    """This year: registrations still open. THEA has more classes than places, with two of last
    year's teachers among them (the hard rule leaves them out)."""
    if plan.title == "THEA":
        count = context.scaled(THEA_REGISTERED_NOW, minimum=THEA_REGISTERED_NOW)
    else:
        count = max(1, context.scaled(plan.classes, minimum=1) // 3)
    now = timezone.now()
    rows = []
    for n in range(count):
        levels = list(plan.class_levels[n % len(plan.class_levels)])
        teacher = served[n] if plan.title == "THEA" and n < min(2, len(served)) else next(teachers)
        rows.append(
            ClassRegistration(
                edition=edition,
                cooperative=rng.choice(coops),
                teacher_id=teacher,
                registered_by_id=teacher,
                class_name=f"{'-'.join(levels)} {chr(65 + n % 26)}{n // 26 or ''}",
                levels=levels,
                pupils=rng.randint(18, 28),
                whole_team=rng.random() < 0.4,
                registered_at=now - datetime.timedelta(days=15, hours=-n * 5),
            )
        )
    return ClassRegistration.objects.bulk_create(rows, batch_size=500, ignore_conflicts=False)


def _interventions(plan, edition, registrations, intervenants, slots) -> int:
    if not plan.interventions_per_class:
        return 0
    people = [intervenants[name] for name in plan.intervenants]
    rows = []
    for n, registration in enumerate(registrations):
        person = people[n % len(people)]
        for k in range(plan.interventions_per_class):
            begin, end = slots.next(person.pk)
            rows.append(
                Intervention(
                    edition=edition,
                    registration=registration,
                    cooperative=registration.cooperative,
                    intervenant=person,
                    starts_at=begin,
                    ends_at=end,
                    subject=plan.subjects[k % len(plan.subjects)],
                    status=Intervention.Status.REALISEE,
                )
            )
    Intervention.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _outside(year, coops, context, rng, slots) -> int:
    animator, _ = Intervenant.objects.get_or_create(
        name="Karim Benhamou", defaults={"kind": Intervenant.Kind.ANIMATEUR, "role": "Animateur"}
    )
    rows = []
    for theme, reached in OUTSIDE:
        for coop in rng.sample(coops, min(len(coops), context.scaled(reached, minimum=1))):
            begin, end = slots.next(animator.pk)
            rows.append(
                Intervention(
                    theme=theme,
                    cooperative=coop,
                    intervenant=animator,
                    starts_at=begin,
                    ends_at=end,
                    status=Intervention.Status.REALISEE,
                )
            )
    Intervention.objects.bulk_create(rows)
    return len(rows)


def _budget(plan: Plan, edition: Edition) -> None:
    lines = [
        BudgetLine(
            edition=edition, kind=BudgetLine.Kind.DEPENSE, category=c, label=label, amount=amount
        )
        for c, label, amount in plan.expenses
    ] + [
        BudgetLine(
            edition=edition,
            kind=BudgetLine.Kind.CONTRIBUTION,
            category=BudgetLine.Category.SUBVENTION,
            label=label,
            amount=amount,
        )
        for label, amount in plan.contributions
    ]
    BudgetLine.objects.bulk_create(lines)


DEFIS = {
    1: "Défi 1 : combien de pattes dans la ferme ?\nDéfi 2 : range les boîtes de la plus petite "
    "à la plus grande.",
    2: "Défi 1 : trouve tous les nombres de deux chiffres dont la somme des chiffres fait 9.\n"
    "Défi 2 : combien de carrés sur ce quadrillage ?\nDéfi 3 : partage équitable des billes.",
    3: "Défi 1 : combien de carrés dans un échiquier ?\nDéfi 2 : le plus grand produit avec "
    "les chiffres 1 à 5.\nDéfi 3 : le patron du cube.",
}
CYCLE_LEVELS = {1: ["GS"], 2: ["CE1"], 3: ["CM2"]}


def _defimaths(year, today, coops, teachers, context, rng) -> int:
    """OCCE 02's Défimaths this year: 3 rounds for each of the 3 cycles (the first closed and
    scored, the second open, the third to come) and classes of each cycle registered."""
    action = Action.objects.create(
        title="Défimaths",
        objectives="Chercher, raisonner et communiquer en mathématiques, en classe et à distance.",
        scope=Action.Scope.DEPARTEMENTALE,
    )
    edition = Edition.objects.create(
        action=action,
        school_year=year,
        mode=Edition.Mode.A_DISTANCE,
        levels=["PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2", "6e"],
        registration_opens=today - datetime.timedelta(days=40),
        registration_closes=today + datetime.timedelta(days=30),
        final_event="Remise des diplômes",
    )
    windows = [(-30, -10), (-5, 15), (25, 45)]
    rounds = [
        Round.objects.create(
            edition=edition,
            cycle=cycle,
            number=number,
            challenges=DEFIS[cycle],
            opens_on=today + datetime.timedelta(days=start),
            closes_on=today + datetime.timedelta(days=end),
            announced_at=timezone.now() if start < 0 else None,
        )
        for cycle in (1, 2, 3)
        for number, (start, end) in enumerate(windows, start=1)
    ]
    per_cycle = context.scaled(6, minimum=3)
    rows = []
    for levels in CYCLE_LEVELS.values():
        for n in range(per_cycle):
            teacher = next(teachers)
            rows.append(
                ClassRegistration(
                    edition=edition,
                    cooperative=rng.choice(coops),
                    teacher_id=teacher,
                    registered_by_id=teacher,
                    class_name=f"{levels[0]} défimaths {n + 1}",
                    levels=levels,
                    pupils=rng.randint(18, 28),
                    status=ClassRegistration.Status.PARTICIPANTE,
                    registered_at=timezone.now() - datetime.timedelta(days=35, hours=n),
                )
            )
    registrations = ClassRegistration.objects.bulk_create(rows, batch_size=500)
    first_rounds = {r.cycle: r for r in rounds if r.number == 1}
    Submission.objects.bulk_create(
        [
            Submission(
                round=first_rounds[r.cycles[0]],
                registration=r,
                text="Notre classe a trouvé : voir le détail de nos recherches.",
                score=rng.randint(8, 20),
            )
            for r in registrations
            if rng.random() < 0.7
        ]
    )
    return len(registrations)


POETRY_CLASSES = 8
POEMS = [
    ("Le vent sur l'Aisne", "Le vent court sur l'Aisne\net pousse les nuages\njusqu'à Laon."),
    ("Les cathédrales", "Laon, Soissons, Saint-Quentin :\nles pierres chantent\nau matin."),
    ("La forêt de Retz", "Sous les hêtres de Retz\nles feuilles dansent\net se taisent."),
    ("Le canal", "Sur le canal qui dort\nune péniche passe\net s'endort."),
]


def _poetry(year, today, coops, teachers, context, rng) -> int:
    """OCCE 02's « La Picardie en poésie » this year: each class sends a poem, most of them
    accepted for the collected book."""
    action = Action.objects.create(
        title="La Picardie en poésie",
        objectives="Écrire des poèmes sur sa région et les réunir en un recueil.",
        scope=Action.Scope.REGIONALE,
    )
    edition = Edition.objects.create(
        action=action,
        school_year=year,
        mode=Edition.Mode.A_DISTANCE,
        levels=["CP", "CE1", "CE2", "CM1", "CM2"],
        registration_opens=today - datetime.timedelta(days=40),
        registration_closes=today + datetime.timedelta(days=30),
        final_event="Recueil des poèmes des classes",
    )
    rows = []
    for n in range(context.scaled(POETRY_CLASSES, minimum=2)):
        teacher = next(teachers)
        rows.append(
            ClassRegistration(
                edition=edition,
                cooperative=rng.choice(coops),
                teacher_id=teacher,
                registered_by_id=teacher,
                class_name=f"CE2 poésie {n + 1}",
                levels=["CE2"],
                pupils=rng.randint(18, 28),
                status=ClassRegistration.Status.PARTICIPANTE,
            )
        )
    registrations = ClassRegistration.objects.bulk_create(rows, batch_size=500)
    Production.objects.bulk_create(
        [
            Production(
                edition=edition,
                registration=r,
                title=POEMS[n % len(POEMS)][0],
                text=POEMS[n % len(POEMS)][1],
                status=Production.Status.ACCEPTEE if n % 4 else Production.Status.PROPOSEE,
            )
            for n, r in enumerate(registrations)
        ]
    )
    return len(registrations)
