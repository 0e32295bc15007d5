"""Demo data: the board and staff of the seed report (OCCE 92), its meetings for the previous
school year (and the calendar of the current one), the federal working groups, the seed's
partners in their kinds, three newsletters sent to the mandataires of affiliated coops.

A board does not grow with the number of coops: only the newsletters' recipients scale.
"""

import datetime

from django.utils import timezone

from cooperatives.models import Affiliation, Mandate
from occe.accounts.models import User
from occe.core.demo_apps import DemoContext
from occe.core.mailings import Mailing, Recipient
from occe.core.models import SchoolYear

from .models import (
    Attendance,
    BoardMandate,
    Contribution,
    Decision,
    Flyer,
    Level,
    Meeting,
    Newsletter,
    NewsletterRecipient,
    Partner,
    Person,
    Representation,
    StaffPosition,
    WorkingGroup,
)

DOMAIN = "occe92.test"
# Newsletters go to the mandataires of affiliated coops: after the department.
DEPENDS_ON = ["cooperatives"]
ROLES = BoardMandate.BureauRole
# The eight members of the bureau, then twelve administrators: (first, last, role, retired).
BOARD = [
    ("Michel", "Castel", ROLES.PRESIDENT, True),
    ("Françoise", "Aubry", ROLES.VICE_PRESIDENT, True),
    ("Patrick", "Delorme", ROLES.VICE_PRESIDENT, False),
    ("Martine", "Roussel", ROLES.TRESORIER, True),
    ("Gilles", "Perret", ROLES.TRESORIER_ADJOINT, True),
    ("Annie", "Leclerc", ROLES.SECRETAIRE, False),
    ("Dominique", "Vasseur", ROLES.SECRETAIRE_ADJOINT, True),
    ("Sylvain", "Brunet", ROLES.MEMBRE, False),
    ("Catherine", "Lemaire", ROLES.NONE, True),
    ("Jean-Luc", "Marchetti", ROLES.NONE, True),
    ("Hélène", "Gauthier", ROLES.NONE, False),
    ("Bernard", "Collin", ROLES.NONE, True),
    ("Isabelle", "Renaud", ROLES.NONE, False),
    ("Thierry", "Barbier", ROLES.NONE, True),
    ("Nicole", "Hamon", ROLES.NONE, True),
    ("Olivier", "Poulain", ROLES.NONE, False),
    ("Christine", "Fabre", ROLES.NONE, True),
    ("Alain", "Guillot", ROLES.NONE, True),
    ("Valérie", "Mallet", ROLES.NONE, False),
    ("Pascal", "Royer", ROLES.NONE, True),
]
# Demo accounts linked to their person.
ACCOUNTS = {("Michel", "Castel"): "president", ("Annie", "Leclerc"): "administrateur"}
FUNCTION, EMPLOYER = StaffPosition.Function, StaffPosition.Employer
STAFF = [
    ("Sylvie", "Marchand", FUNCTION.SECRETARIAT, EMPLOYER.ASSOCIATION, False, "secretariat"),
    ("Karim", "Benhamou", FUNCTION.ANIMATION, EMPLOYER.ASSOCIATION, False, "animation"),
    ("Nadia", "Ferrand", FUNCTION.ANIMATION, EMPLOYER.FEDERATION, True, ""),
]
KIND = Meeting.Kind
# The seed report's meetings of the year: (level, kind, count, months, place).
SIEGE = "Siège de l'OCCE 92, Nanterre"
UR = "Union régionale Île-de-France, Paris"
CALENDAR = [
    (Level.DEPARTEMENTAL, KIND.AG, 1, [11], SIEGE),
    (Level.DEPARTEMENTAL, KIND.CA, 6, [9, 11, 1, 3, 5, 6], SIEGE),
    (Level.DEPARTEMENTAL, KIND.BUREAU, 6, [9, 10, 12, 2, 4, 6], ""),
    (Level.DEPARTEMENTAL, KIND.COMMISSION_AAP, 1, [3], SIEGE),
    (Level.REGIONAL, KIND.AG, 1, [6], UR),
    (Level.REGIONAL, KIND.CA, 4, [10, 1, 3, 6], UR),
    (Level.REGIONAL, KIND.BUREAU, 4, [9, 12, 2, 5], ""),
    (Level.REGIONAL, KIND.INSTANCE_REGIONALE, 2, [11, 4], UR),
    (Level.REGIONAL, KIND.REUNION_ANIMATEURS, 8, [9, 10, 11, 12, 1, 3, 4, 5], UR),
    (Level.NATIONAL, KIND.AG, 1, [6], "Fédération nationale de l'OCCE, Paris"),
    (Level.NATIONAL, KIND.COMMISSION_STATUTS, 1, [2], "Fédération nationale de l'OCCE, Paris"),
    (Level.NATIONAL, KIND.COMMISSION_AIDE_AD, 1, [3], ""),
]
DECISIONS = {
    KIND.AG: ["Approbation du rapport moral et du rapport financier", "Élection du tiers sortant"],
    KIND.CA: ["Approbation du compte rendu du conseil précédent"],
    KIND.COMMISSION_AAP: ["Attribution des aides à projets coopératifs de la session"],
}
GROUPS = ["Faire équipe", "Porté disparu", "Écoresponsabilité", "Domination et discrimination"]
P = Partner.Kind
# The seed's "Nos partenaires", in their columns: (name, kind, actions and trainings).
PARTNERS = [
    ("DSDEN des Hauts-de-Seine", P.PEDAGOGIQUE, "Plan de formation, THEA"),
    ("Canopé", P.PEDAGOGIQUE, "Ressources pédagogiques"),
    ("L'ESPER", P.PEDAGOGIQUE, ""),
    ("Solidarité Laïque", P.PEDAGOGIQUE, ""),
    ("Les PEP 92", P.PEDAGOGIQUE, ""),
    ("Agence de l'eau Seine-Normandie (AESN)", P.PEDAGOGIQUE, "Classe d'eau"),
    ("DRAC Île-de-France", P.CULTUREL, "THEA, Les Écoles qui filment"),
    ("Théâtre Jean Vilar de Suresnes", P.CULTUREL, "THEA"),
    ("Cinéma Landowski de Boulogne-Billancourt", P.CULTUREL, "Les Écoles qui filment"),
    ("Cinéma Jean Vigo de Gennevilliers", P.CULTUREL, "Les Écoles qui filment"),
    ("Cinéma de Châtillon", P.CULTUREL, "Les Écoles qui filment"),
    ("Cinéma Abel Gance de Courbevoie", P.CULTUREL, "Les Écoles qui filment"),
    ("La MAE", P.JURIDIQUE_FINANCIER, "Assurance des coopératives"),
    ("La MGEN", P.JURIDIQUE_FINANCIER, ""),
    ("La BRED", P.JURIDIQUE_FINANCIER, "Comptes bancaires des coopératives"),
    ("Bagneux", P.COMMUNE, ""),
    ("Gennevilliers", P.COMMUNE, ""),
    ("Nanterre", P.COMMUNE, ""),
    ("Courbevoie", P.COMMUNE, ""),
]
CONTRIBUTIONS = [
    ("DRAC Île-de-France", "5500.00", "THEA : interventions des comédiens"),
    ("DSDEN des Hauts-de-Seine", "500.00", "THEA : formation des enseignants"),
    ("Agence de l'eau Seine-Normandie (AESN)", "1200.00", "Classes d'eau"),
]
# The seed report: « elle réalise des FLYERS sur les actions départementales qu'elle diffuse
# aux circonscriptions ou lors de forums organisés par les mairies (Gennevilliers, Bagneux) ».
FLYERS = [
    ("THEA : le théâtre à l'école", "THEA", 400),
    ("Les Écoles qui filment", "Les Écoles qui filment", 400),
    ("Land art et poésie", "Land art et poésie", 250),
    ("Classe d'eau", "Classe d'eau", 250),
]
FLYERS_DISTRIBUTION = "Circonscriptions, forums des mairies de Gennevilliers et de Bagneux"

NEWSLETTERS = [
    (
        9,
        "Lettre d'information de rentrée",
        "## Bonne rentrée à toutes les coopératives !\n\nL'affiliation de l'année est ouverte "
        "dans l'application : déclarez vos classes, élèves et adultes puis **soumettez** "
        "l'affiliation.\n\n## Formations des nouveaux mandataires\n\nCinq sessions de deux heures "
        "en septembre et octobre, en présentiel ou en visio.\n",
    ),
    (
        11,
        "Actions pédagogiques : les inscriptions sont ouvertes",
        "## THEA, Les Écoles qui filment, Classe d'eau\n\nInscrivez vos classes aux actions "
        "pédagogiques de l'année.\n\n- THEA : théâtre avec des comédiens en classe\n- Les Écoles "
        "qui filment : réaliser un film avec sa classe\n",
    ),
    (
        1,
        "Aides à projets coopératifs : déposez vos dossiers",
        "## Commission des aides à projets\n\nLa commission se réunit en mars. Déposez vos "
        "demandes d'aide à projets coopératifs avant la fin février.\n",
    ),
]


def _day(year: SchoolYear, month: int, day: int) -> datetime.date:
    return datetime.date(year.start_year + (month < 9), month, day)


def _moment(year: SchoolYear, month: int, rng, hour: int = 18) -> datetime.datetime:
    day = _day(year, month, rng.randrange(3, 27))
    if day.weekday() >= 5:  # meetings on weekdays
        day -= datetime.timedelta(days=day.weekday() - 4)
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()
    )


def populate(context: DemoContext) -> list[str]:
    rng = context.rng("association")
    current = SchoolYear.objects.current()
    previous = current.previous()
    users = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=f"@{DOMAIN}")}

    people = []
    for first, last, _role, retired in BOARD:
        account = users.get(ACCOUNTS.get((first, last), ""))
        people.append(
            Person(
                first_name=first,
                last_name=last,
                email=account.email if account else "",
                education_status=Person.EducationStatus.RETIRED
                if retired
                else Person.EducationStatus.ACTIVE,
                user=account,
            )
        )
    staff = []
    for first, last, _function, _employer, detached, account_key in STAFF:
        account = users.get(account_key)
        staff.append(
            Person(
                first_name=first,
                last_name=last,
                email=account.email if account else f"{first.lower()}.{last.lower()}@{DOMAIN}",
                education_status=Person.EducationStatus.ACTIVE if detached else "",
                user=account,
            )
        )
    Person.objects.bulk_create(people + staff)
    board_since = datetime.date(previous.start_year - 2, 11, 20)  # the AG that elected them
    BoardMandate.objects.bulk_create(
        BoardMandate(
            person=person,
            start_date=board_since - datetime.timedelta(days=365 * (i % 3)),
            bureau_role=role,
        )
        for i, (person, (_f, _l, role, _r)) in enumerate(zip(people, BOARD, strict=True))
    )
    StaffPosition.objects.bulk_create(
        StaffPosition(
            person=person,
            function=function,
            employer=employer,
            detached=detached,
            start_date=datetime.date(previous.start_year - 3 - i, 9, 1),
        )
        for i, (person, (_f, _l, function, employer, detached, _a)) in enumerate(
            zip(staff, STAFF, strict=True)
        )
    )
    Representation.objects.bulk_create(
        [
            *(
                Representation(
                    person=person,
                    level=Level.REGIONAL,
                    body="Conseil d'administration de l'Union régionale Île-de-France",
                    start_date=board_since,
                )
                for person in people[:3]
            ),
            Representation(
                person=people[1],
                level=Level.NATIONAL,
                body="Commission des statuts de la Fédération",
                start_date=board_since,
            ),
            Representation(
                person=people[3],
                level=Level.NATIONAL,
                body="Commission d'aide aux associations départementales",
                start_date=board_since,
            ),
        ]
    )

    meetings = _meetings(rng, [previous, current], people, staff)
    WorkingGroup.objects.bulk_create(
        WorkingGroup(title=title, level=Level.NATIONAL, start_date=previous.start_date)
        for title in GROUPS
    )
    animators = staff[1:]
    for group in WorkingGroup.objects.all():
        group.participants.set(animators)

    partners = Partner.objects.bulk_create(
        Partner(name=name, kind=kind, involvement=involvement)
        for name, kind, involvement in PARTNERS
    )
    by_name = {p.name: p for p in partners}
    Contribution.objects.bulk_create(
        Contribution(partner=by_name[name], school_year=previous, amount=amount, purpose=purpose)
        for name, amount, purpose in CONTRIBUTIONS
    )
    recipients = _newsletters(rng, previous, users.get("secretariat"))
    Flyer.objects.bulk_create(
        Flyer(
            title=title,
            subject=subject,
            copies=copies,
            school_year=previous,
            distribution=FLYERS_DISTRIBUTION,
        )
        for title, subject, copies in FLYERS
    )
    return [
        f"Association : {len(people)} administrateurs (8 au bureau), {len(staff)} salariés, "
        f"{meetings} réunions, {len(GROUPS)} chantiers, {len(partners)} partenaires, "
        f"{len(NEWSLETTERS)} lettres d'information ({recipients} envois), "
        f"{len(FLYERS)} flyers."
    ]


def _meetings(rng, years, people, staff) -> int:
    bureau = [p for p, row in zip(people, BOARD, strict=True) if row[2]]
    secretary, animators = staff[0], staff[1:]
    attendees = {
        (Level.DEPARTEMENTAL, KIND.AG): people + staff,
        (Level.DEPARTEMENTAL, KIND.CA): people + [secretary],
        (Level.DEPARTEMENTAL, KIND.BUREAU): bureau + [secretary],
        (Level.DEPARTEMENTAL, KIND.COMMISSION_AAP): people[:5] + [secretary],
        (Level.REGIONAL, KIND.REUNION_ANIMATEURS): animators,
        (Level.NATIONAL, KIND.AG): people[:4],
        (Level.NATIONAL, KIND.COMMISSION_STATUTS): [people[1]],
        (Level.NATIONAL, KIND.COMMISSION_AIDE_AD): [people[3]],
    }
    now = timezone.now()
    created = []
    for year in years:
        for level, kind, count, months, place in CALENDAR:
            for month in months[:count]:
                starts_at = _moment(year, month, rng, 18 if level == Level.DEPARTEMENTAL else 14)
                created.append(
                    (
                        Meeting(
                            level=level,
                            kind=kind,
                            starts_at=starts_at,
                            place=place,
                            visio_url="" if place else "https://visio.occe92.test/bureau",
                            agenda="1. Approbation du compte rendu\n2. Point financier\n"
                            "3. Actions pédagogiques\n4. Questions diverses",
                        ),
                        attendees.get((level, kind), people[:3]),
                    )
                )
    Meeting.objects.bulk_create([meeting for meeting, _ in created])
    Attendance.objects.bulk_create(
        Attendance(
            meeting=meeting,
            person=person,
            convoked_at=meeting.starts_at - datetime.timedelta(days=15)
            if meeting.starts_at < now
            else None,
        )
        for meeting, persons in created
        for person in persons
    )
    Decision.objects.bulk_create(
        Decision(meeting=meeting, text=text)
        for meeting, _ in created
        if meeting.starts_at < now
        for text in DECISIONS.get(meeting.kind, [])
    )
    return len(created)


def _newsletters(rng, year: SchoolYear, author) -> int:
    if author is None:
        return 0
    affiliated = Affiliation.objects.filter(
        school_year=year, status=Affiliation.Status.VALIDATED
    ).values("cooperative")
    mandataires = sorted(
        set(
            Mandate.objects.filter(cooperative__in=affiliated, end_date__isnull=True).values_list(
                "user__email", "user__first_name", "user__last_name"
            )
        )
    )
    total = 0
    for month, subject, body in NEWSLETTERS:
        sent_at = _moment(year, month, rng, 10)
        newsletter = Newsletter.objects.create(
            subject=subject,
            body=body,
            status=Mailing.Status.DONE,
            school_year=year,
            audience={"public": "mandataires"},
            audience_label="Mandataires des coopératives affiliées cette année",
            created_by=author,
        )
        rows = [
            NewsletterRecipient(
                mailing=newsletter,
                email=email,
                name=f"{first} {last}",
                status=Recipient.Status.SENT,
                sent_at=sent_at,
            )
            for email, first, last in mandataires
        ]
        NewsletterRecipient.objects.bulk_create(rows, batch_size=1000)
        # created_at is automatic: set the dates of a past sending afterwards.
        Newsletter.objects.filter(pk=newsletter.pk).update(
            created_at=sent_at - datetime.timedelta(days=3),
            started_at=sent_at,
            finished_at=sent_at + datetime.timedelta(minutes=5),
            total=len(rows),
            sent=len(rows),
        )
        total += len(rows)
    return total
