"""The demo department (`manage.py demo_data`): circonscriptions, cooperatives, mandataires,
affiliations over two school years, fee payments, the accompaniment log, and the demo
enseignant's school (« Mon école »).

The department scale reproduces the OCCE 92 activity report: 625 cooperatives (268 maternelles,
249 élémentaires, 71 primaires, 19 collèges, 1 SEGPA, 5 lycées, 12 établissements spécialisés)
and, for the previous school year, 146 262 members (6 198 classes, 139 039 pupils, 7 223
adults). `large` is ten times that. Everything comes from the app's own `random.Random`, so the
same seed on the same day gives the same data (dates follow the current school year).

Rows are bulk-created in one transaction; cooperatives, mandates and affiliations get their
history rows through simple_history's `bulk_create_with_history`. The demo accounts and the
association come first, from `occe/core/demo.py`.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from occe.accounts.models import Role, User
from occe.core import demo as core_demo
from occe.core.demo import (
    BATCH,
    CENT,
    CHANGE_REASON,
    DOMAIN,
    FIRST_NAMES,
    LAST_NAMES,
    PASSWORD,
    STREETS,
    _ascii,
    _day_between,
    _moment,
    _scale_to,
    _split,
)
from occe.core.demo_apps import DemoContext
from occe.core.models import Association, SchoolYear

from .models import (
    AccompanimentEntry,
    Affiliation,
    Circonscription,
    Cooperative,
    FeePayment,
    Mandate,
    TeacherSchool,
    uai_check_letter,
)

# The demo enseignant teaches at the 4th active coop: the trainings' demo registers them there.
DEMO_TEACHER_SCHOOL_RANK = 3


# The seed report's figures for 625 cooperatives (previous school year).
REFERENCE_COOPS = 625
TYPE_COUNTS = {
    Cooperative.Type.MATERNELLE: 268,
    Cooperative.Type.ELEMENTAIRE: 249,
    Cooperative.Type.PRIMAIRE: 71,
    Cooperative.Type.COLLEGE: 19,
    Cooperative.Type.SEGPA: 1,
    Cooperative.Type.LYCEE: 5,
    Cooperative.Type.SPECIALISE: 12,
}
REFERENCE_CLASSES = 6198
REFERENCE_PUPILS = 139_039
REFERENCE_ADULTS = 7223

# (classes min, classes max, pupils per class) before the totals are scaled to the report's.
TYPE_SHAPES = {
    Cooperative.Type.MATERNELLE: (3, 9, 26),
    Cooperative.Type.ELEMENTAIRE: (5, 17, 24),
    Cooperative.Type.PRIMAIRE: (3, 12, 23),
    Cooperative.Type.COLLEGE: (8, 24, 25),
    Cooperative.Type.SEGPA: (4, 4, 15),
    Cooperative.Type.LYCEE: (10, 30, 28),
    Cooperative.Type.SPECIALISE: (2, 6, 9),
}

# Communes of the Hauts-de-Seine: (name, postal code, weight ~ number of schools, REP share).
COMMUNES = [
    ("Antony", "92160", 28, 0.10),
    ("Asnières-sur-Seine", "92600", 34, 0.20),
    ("Bagneux", "92220", 18, 0.55),
    ("Bois-Colombes", "92270", 12, 0.0),
    ("Boulogne-Billancourt", "92100", 44, 0.05),
    ("Bourg-la-Reine", "92340", 8, 0.0),
    ("Châtenay-Malabry", "92290", 14, 0.35),
    ("Châtillon", "92320", 14, 0.10),
    ("Chaville", "92370", 8, 0.0),
    ("Clamart", "92140", 22, 0.20),
    ("Clichy", "92110", 24, 0.35),
    ("Colombes", "92700", 36, 0.35),
    ("Courbevoie", "92400", 32, 0.10),
    ("Fontenay-aux-Roses", "92260", 10, 0.15),
    ("Garches", "92380", 7, 0.0),
    ("La Garenne-Colombes", "92250", 10, 0.0),
    ("Gennevilliers", "92230", 26, 0.70),
    ("Issy-les-Moulineaux", "92130", 26, 0.05),
    ("Levallois-Perret", "92300", 22, 0.0),
    ("Malakoff", "92240", 12, 0.25),
    ("Marnes-la-Coquette", "92430", 2, 0.0),
    ("Meudon", "92190", 20, 0.10),
    ("Montrouge", "92120", 18, 0.05),
    ("Nanterre", "92000", 40, 0.55),
    ("Neuilly-sur-Seine", "92200", 22, 0.0),
    ("Le Plessis-Robinson", "92350", 12, 0.05),
    ("Puteaux", "92800", 18, 0.10),
    ("Rueil-Malmaison", "92500", 34, 0.10),
    ("Saint-Cloud", "92210", 12, 0.0),
    ("Sceaux", "92330", 8, 0.0),
    ("Sèvres", "92310", 10, 0.0),
    ("Suresnes", "92150", 20, 0.20),
    ("Vanves", "92170", 10, 0.05),
    ("Vaucresson", "92420", 4, 0.0),
    ("Ville-d'Avray", "92410", 4, 0.0),
    ("Villeneuve-la-Garenne", "92390", 12, 0.75),
]

# Twenty circonscriptions, each grouping communes (the big towns are split in two).
CIRCONSCRIPTIONS = {
    "Antony": ["Antony"],
    "Asnières-sur-Seine": ["Asnières-sur-Seine"],
    "Bagneux – Fontenay-aux-Roses": ["Bagneux", "Fontenay-aux-Roses", "Bourg-la-Reine"],
    "Boulogne-Billancourt": ["Boulogne-Billancourt"],
    "Châtenay-Malabry – Sceaux": ["Châtenay-Malabry", "Sceaux", "Le Plessis-Robinson"],
    "Châtillon – Malakoff": ["Châtillon", "Malakoff"],
    "Clamart": ["Clamart"],
    "Clichy": ["Clichy"],
    "Colombes": ["Colombes"],
    "Courbevoie – La Garenne-Colombes": ["Courbevoie", "La Garenne-Colombes"],
    "Gennevilliers – Villeneuve-la-Garenne": ["Gennevilliers", "Villeneuve-la-Garenne"],
    "Issy-les-Moulineaux": ["Issy-les-Moulineaux"],
    "Levallois-Perret – Bois-Colombes": ["Levallois-Perret", "Bois-Colombes"],
    "Meudon – Chaville – Sèvres": ["Meudon", "Chaville", "Sèvres"],
    "Montrouge – Vanves": ["Montrouge", "Vanves"],
    "Nanterre": ["Nanterre"],
    "Neuilly-sur-Seine – Puteaux": ["Neuilly-sur-Seine", "Puteaux"],
    "Rueil-Malmaison": ["Rueil-Malmaison"],
    "Saint-Cloud – Garches – Vaucresson": [
        "Saint-Cloud",
        "Garches",
        "Vaucresson",
        "Marnes-la-Coquette",
        "Ville-d'Avray",
    ],
    "Suresnes": ["Suresnes"],
}


PATRONS = [
    "Jules Ferry",
    "Jean Jaurès",
    "Victor Hugo",
    "Jean Moulin",
    "Paul Bert",
    "Louise Michel",
    "Jacques Prévert",
    "Pierre et Marie Curie",
    "Anatole France",
    "Jean de La Fontaine",
    "Albert Camus",
    "Condorcet",
    "Pasteur",
    "Paul Langevin",
    "Romain Rolland",
    "Lucie Aubrac",
    "Simone Veil",
    "Émile Zola",
    "George Sand",
    "Voltaire",
    "Jean Macé",
    "Marcel Pagnol",
    "Joliot-Curie",
    "Robert Desnos",
    "Paul Éluard",
    "Henri Wallon",
    "Danton",
    "Les Tilleuls",
    "Les Peupliers",
    "Le Parc",
    "Les Marronniers",
    "La Fontaine",
    "Les Acacias",
    "Le Centre",
    "Les Bruyères",
    "Le Plateau",
    "Les Blagis",
    "La Roue",
    "Les Sorbiers",
    "Les Glycines",
    "Les Cèdres",
]
NAME_PREFIX = {
    Cooperative.Type.MATERNELLE: "École maternelle",
    Cooperative.Type.ELEMENTAIRE: "École élémentaire",
    Cooperative.Type.PRIMAIRE: "École primaire",
    Cooperative.Type.COLLEGE: "Collège",
    Cooperative.Type.SEGPA: "SEGPA du collège",
    Cooperative.Type.LYCEE: "Lycée",
    Cooperative.Type.SPECIALISE: "IME",
}
ACCOMPANIMENT_NOTES = {
    AccompanimentEntry.Topic.BANQUE: [
        "Carte bancaire bloquée, contact avec l'agence.",
        "Changement de signataire sur le compte.",
        "Frais bancaires contestés.",
    ],
    AccompanimentEntry.Topic.MANDATAIRE: [
        "Départ du mandataire en fin d'année : nouveau mandataire à désigner.",
        "Ajout d'un co-mandataire.",
    ],
    AccompanimentEntry.Topic.LOGICIEL: [
        "Aide à la clôture de l'exercice dans le logiciel comptable.",
        "Création du compte Compta Coop Web.",
    ],
    AccompanimentEntry.Topic.ASSURANCE: [
        "Déclaration de sinistre MAE (bris de matériel).",
        "Attestation d'assurance pour une sortie.",
    ],
    AccompanimentEntry.Topic.JURIDIQUE: [
        "Question sur la vente de photos de classe.",
        "Kermesse : buvette et autorisations.",
    ],
    AccompanimentEntry.Topic.RECUS: ["Demande de reçus fiscaux pour des dons de parents."],
    AccompanimentEntry.Topic.AUTRE: ["Question sur le compte rendu financier.", "Visite d'école."],
}
END_REASONS = ["Mutation", "Départ à la retraite", "Changement de mandataire", "Congé"]


def _fee_payments(affiliations, previous, secretariat, rng, today) -> int:
    """Most of last year's fees paid (a few in part or not at all), a part of this year's,
    so the campaign shows realistic amounts still to collect."""
    # (paid in full, paid in part) shares: last year nearly all, this year under way.
    shares = {True: (0.92, 0.04), False: (0.45, 0.15)}
    methods, weights = list(FeePayment.Method), [40, 45, 5, 10]
    payments = []
    for affiliation in affiliations:
        if affiliation.status != Affiliation.Status.VALIDATED or not affiliation.fee_total:
            continue
        full, part = shares[affiliation.school_year_id == previous.pk]
        draw = rng.random()
        if draw < full:
            amount = affiliation.fee_total
        elif draw < full + part:
            amount = (affiliation.fee_total * Decimal(rng.uniform(0.3, 0.7))).quantize(CENT)
        else:
            continue
        validated_on = timezone.localdate(affiliation.validated_at)
        method = rng.choices(methods, weights)[0]
        payments.append(
            FeePayment(
                affiliation=affiliation,
                date=_day_between(
                    rng, validated_on, min(today, validated_on + datetime.timedelta(days=60))
                ),
                method=method,
                amount=max(amount, CENT),
                reference=f"n° {rng.randrange(10**6, 10**7)}"
                if method == FeePayment.Method.CHEQUE
                else "",
                recorded_by=secretariat,
            )
        )
    bulk_create_with_history(
        payments, FeePayment, batch_size=BATCH, default_change_reason=CHANGE_REASON
    )
    return len(payments)


def _paid_in_full(affiliations, secretariat) -> int:
    """The fees of the older years, each paid by transfer a fortnight after its validation."""
    payments = [
        FeePayment(
            affiliation=affiliation,
            date=timezone.localdate(affiliation.validated_at) + datetime.timedelta(days=15),
            method=FeePayment.Method.VIREMENT,
            amount=affiliation.fee_total,
            recorded_by=secretariat,
        )
        for affiliation in affiliations
        if affiliation.fee_total
    ]
    bulk_create_with_history(
        payments, FeePayment, batch_size=BATCH, default_change_reason=CHANGE_REASON
    )
    return len(payments)


@dataclass
class DemoResult:
    coops: int = 0
    circonscriptions: int = 0
    users: int = 0
    mandates: int = 0
    affiliations: int = 0
    payments: int = 0
    accompaniments: int = 0
    totals: dict = field(default_factory=dict)


@dataclass
class Department:
    """What the steps of the generation share."""

    rng: random.Random
    coops: int
    today: datetime.date
    current: SchoolYear
    previous: SchoolYear
    password: str
    staff: list[User]
    mandataire: User

    @property
    def ratio(self) -> float:
        return self.coops / REFERENCE_COOPS

    def person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)


def _circonscriptions(dept: Department) -> dict:
    """Circonscriptions, each run by an IEN; returns the circonscription of each commune."""
    circonscriptions = Circonscription.objects.bulk_create(
        Circonscription(name=name, ien="{} {}".format(*dept.person())) for name in CIRCONSCRIPTIONS
    )
    return {commune: circ for circ in circonscriptions for commune in CIRCONSCRIPTIONS[circ.name]}


def _cooperatives(dept: Department, by_commune: dict) -> list[Cooperative]:
    """The report's type distribution, in the department's communes."""
    rng, coops = dept.rng, dept.coops
    types = [t for t, n in _split(coops, TYPE_COUNTS).items() for _ in range(n)]
    rng.shuffle(types)
    commune_weights = [w for _, _, w, _ in COMMUNES]
    uai_numbers = rng.sample(range(max(10_000, 2 * coops)), coops)
    cooperatives = []
    for index, kind in enumerate(types, start=1):
        commune, postal_code, _, rep_share = rng.choices(COMMUNES, commune_weights)[0]
        digits = f"{920000 + uai_numbers[index - 1]:07d}"
        priority = ""
        secondary = kind in (Cooperative.Type.LYCEE, Cooperative.Type.SPECIALISE)
        if not secondary and rng.random() < rep_share:
            priority = "REP+" if rng.random() < 0.35 else "REP"
        software = rng.choices(["", "compta_coop_web", "retkoop"], [55, 35, 10])[0]
        cooperatives.append(
            Cooperative(
                number=f"92{index:04d}",
                uai=digits + uai_check_letter(digits),
                name=f"{NAME_PREFIX[kind]} {rng.choice(PATRONS)}",
                type=kind,
                address=f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
                postal_code=postal_code,
                commune=commune,
                circonscription=by_commune[commune],
                priority_education=priority,
                assoconnect_profile=rng.random() < 107 / 625,
                software=software,
            )
        )
    _strike_off(dept, cooperatives)
    return bulk_create_with_history(
        cooperatives, Cooperative, batch_size=BATCH, default_change_reason=CHANGE_REASON
    )


def _strike_off(dept: Department, cooperatives: list[Cooperative]) -> None:
    """A few cooperatives were struck off last spring (never the demo mandataire's, the first)."""
    rng, coops = dept.rng, len(cooperatives)
    struck = set(rng.sample(range(1, coops), max(1, coops // 100))) if coops > 1 else set()
    for i in struck:
        coop = cooperatives[i]
        coop.status = Cooperative.Status.RADIEE
        coop.struck_off_on = _day_between(
            rng, dept.previous.start_date + datetime.timedelta(days=200), dept.current.start_date
        )
        coop.struck_off_reason = rng.choice(
            ["Fermeture de l'école", "Fusion avec l'école voisine", "Dissolution votée en conseil"]
        )


def _mandate_periods(dept: Department, coop: Cooperative) -> list[tuple]:
    """(kind, start, end, end reason): one principal, maybe a co-mandataire and a past one."""
    rng, today = dept.rng, dept.today
    start = datetime.date(dept.current.start_year - rng.randrange(0, 8), 9, rng.randrange(2, 30))
    start = min(start, today)
    ended_on = coop.struck_off_on
    if ended_on:
        start = min(start, ended_on - datetime.timedelta(days=365))
    periods = [(Mandate.Kind.PRINCIPAL, start, ended_on, "")]
    if rng.random() < 0.3:
        co_end = min(ended_on or today, start + datetime.timedelta(days=700))
        periods.append((Mandate.Kind.CO, _day_between(rng, start, co_end), ended_on, ""))
    if rng.random() < 0.15:
        past_start = datetime.date(start.year - rng.randrange(2, 8), 9, rng.randrange(2, 30))
        end = start - datetime.timedelta(days=1)
        periods.append((Mandate.Kind.PRINCIPAL, past_start, end, rng.choice(END_REASONS)))
    if ended_on:
        periods = [(k, s, ended_on, "Radiation de la coopérative") for k, s, _, _ in periods]
    return periods


def _mandates(dept: Department, cooperatives: list[Cooperative]) -> tuple[list, list]:
    """The mandates and the new users holding them (the demo mandataire holds the first)."""
    users = []
    mandate_rows = []  # (user, Mandate) so user ids can be set once users are saved
    for index, coop in enumerate(cooperatives):
        for position, (kind, begin, end, reason) in enumerate(_mandate_periods(dept, coop)):
            if index == 0 and position == 0:
                user = dept.mandataire
            else:
                first, last = dept.person()
                user = User(
                    email=f"{_ascii(first)}.{_ascii(last)}.{len(users) + 1}@{DOMAIN}",
                    first_name=first,
                    last_name=last,
                    role=Role.MANDATAIRE if end is None else Role.ENSEIGNANT,
                    password=dept.password,
                )
                users.append(user)
            mandate = Mandate(
                cooperative=coop, kind=kind, start_date=begin, end_date=end, end_reason=reason
            )
            mandate_rows.append((user, mandate))
    User.objects.bulk_create(users, batch_size=BATCH)
    for user, mandate in mandate_rows:
        mandate.user = user
    mandates = bulk_create_with_history(
        [m for _, m in mandate_rows], Mandate, batch_size=BATCH, default_change_reason=CHANGE_REASON
    )
    return users, mandates


def _previous_affiliations(dept: Department, cooperatives: list[Cooperative]) -> list:
    """Every cooperative affiliated and validated last year, with the report's totals."""
    rng, ratio, previous = dept.rng, dept.ratio, dept.previous
    shapes = [TYPE_SHAPES[c.type] for c in cooperatives]
    classes = [rng.randint(low, high) for low, high, _ in shapes]
    pupils = [
        max(1, round(n * size * rng.uniform(0.85, 1.1)))
        for n, (_, _, size) in zip(classes, shapes, strict=True)
    ]
    adults = [n + rng.choice([0, 0, 1, 1, 2]) for n in classes]
    classes = _scale_to(classes, round(REFERENCE_CLASSES * ratio), rng)
    pupils = _scale_to(pupils, round(REFERENCE_PUPILS * ratio), rng)
    adults = _scale_to(adults, round(REFERENCE_ADULTS * ratio), rng)
    affiliations = []
    for i, coop in enumerate(cooperatives):
        validated_on = _day_between(
            rng,
            previous.start_date + datetime.timedelta(days=20),
            previous.start_date + datetime.timedelta(days=150),
        )
        affiliations.append(
            Affiliation(
                cooperative=coop,
                school_year=previous,
                classes=classes[i],
                pupils=pupils[i],
                adults=adults[i],
                status=Affiliation.Status.VALIDATED,
                engagement_date=validated_on - datetime.timedelta(days=rng.randrange(3, 20)),
                submitted_at=_moment(validated_on - datetime.timedelta(days=2), rng),
                validated_at=_moment(validated_on, rng),
                validated_by=dept.staff[0],
            )
        )
    return affiliations


# Years before last one, so that the report compares with its previous year and draws its
# members over five years: each year back a little more members (the seed's slow decline).
OLDER_YEARS = 4
GROWTH_BACK = (1.008, 1.015)


def _older_affiliations(dept: Department, previous: list) -> list:
    """The affiliations of the OLDER_YEARS years before last one, validated, copied from last
    year's with a little more members each year back (a coop of a year is the same coop)."""
    # Their own random draws: the other years' figures stay those of the seed they had.
    rng, affiliations, year, shown = (
        random.Random(f"older-{dept.coops}"),
        [],
        dept.previous,
        previous,
    )
    for _ in range(OLDER_YEARS):
        year = year.previous()
        growth = rng.uniform(*GROWTH_BACK)
        shown = [_earlier(affiliation, year, growth, rng, dept) for affiliation in shown]
        affiliations.extend(shown)
    return affiliations


def _earlier(affiliation, year: SchoolYear, growth: float, rng, dept: Department) -> Affiliation:
    validated_on = _day_between(
        rng,
        year.start_date + datetime.timedelta(days=20),
        year.start_date + datetime.timedelta(days=150),
    )
    return Affiliation(
        cooperative=affiliation.cooperative,
        school_year=year,
        classes=affiliation.classes,
        pupils=max(1, round(affiliation.pupils * growth)),
        adults=affiliation.adults,
        status=Affiliation.Status.VALIDATED,
        engagement_date=validated_on - datetime.timedelta(days=rng.randrange(3, 20)),
        submitted_at=_moment(validated_on - datetime.timedelta(days=2), rng),
        validated_at=_moment(validated_on, rng),
        validated_by=dept.staff[0],
    )


def _current_statuses(dept: Department, cooperatives: list[Cooperative]) -> list[tuple]:
    """(index of the coop, status) of this year's affiliations: a campaign under way."""
    Status = Affiliation.Status
    active = [i for i, c in enumerate(cooperatives) if c.is_active]
    statuses = dept.rng.choices(
        [Status.VALIDATED, Status.SUBMITTED, Status.DRAFT, None], [72, 12, 8, 8], k=len(active)
    )
    if active:
        statuses[0] = Status.DRAFT  # the demo mandataire has something to submit
    return [(i, status) for i, status in zip(active, statuses, strict=True) if status]


def _current_affiliations(dept, cooperatives, previous: list, principals: dict) -> list:
    """The current year: a bit fewer members than last year's `previous` affiliations."""
    rng, current = dept.rng, dept.current
    kept = _current_statuses(dept, cooperatives)
    decline = rng.uniform(0.98, 0.99)
    last = {f: [getattr(a, f) for a in previous] for f in ("classes", "pupils", "adults")}
    targets = {name: round(sum(values) * decline) for name, values in last.items()}
    now_classes = _scale_to([last["classes"][i] for i, _ in kept], targets["classes"], rng)
    now_pupils = _scale_to(
        [round(last["pupils"][i] * rng.uniform(0.92, 1.06)) for i, _ in kept],
        targets["pupils"],
        rng,
    )
    now_adults = _scale_to([last["adults"][i] for i, _ in kept], targets["adults"], rng)
    campaign_end = max(dept.today, current.start_date)
    affiliations = []
    for k, (i, status) in enumerate(kept):
        coop = cooperatives[i]
        affiliation = Affiliation(
            cooperative=coop,
            school_year=current,
            classes=now_classes[k],
            pupils=now_pupils[k],
            adults=now_adults[k],
            status=status,
        )
        if status != Affiliation.Status.DRAFT:
            submitted_on = _day_between(rng, current.start_date, campaign_end)
            affiliation.engagement_date = submitted_on
            affiliation.submitted_at = _moment(submitted_on, rng)
            affiliation.submitted_by = principals.get(coop.pk)
            if status == Affiliation.Status.VALIDATED:
                validated_on = _day_between(rng, submitted_on, campaign_end)
                affiliation.validated_at = _moment(validated_on, rng)
                affiliation.validated_by = dept.staff[0]
        affiliations.append(affiliation)
    return affiliations


def _accompaniments(dept: Department, cooperatives: list[Cooperative]) -> int:
    """About 300 contacts a year at department scale."""
    rng = dept.rng
    topics = list(AccompanimentEntry.Topic)
    entries = []
    for _ in range(max(5, round(300 * dept.ratio))):
        topic = rng.choices(topics, [30, 20, 15, 10, 8, 10, 7])[0]
        entries.append(
            AccompanimentEntry(
                cooperative=cooperatives[rng.randrange(len(cooperatives))],
                date=_day_between(rng, dept.previous.start_date, dept.today),
                channel=rng.choices(list(AccompanimentEntry.Channel), [50, 40, 10])[0],
                topic=topic,
                notes=rng.choice(ACCOMPANIMENT_NOTES[topic]),
                staff=rng.choice(dept.staff),
            )
        )
    return len(AccompanimentEntry.objects.bulk_create(entries, batch_size=BATCH))


@transaction.atomic
def generate_department(context: DemoContext) -> DemoResult:
    """A department of `context.coops` cooperatives, once the demo accounts exist."""
    current = SchoolYear.objects.current()
    accounts = User.objects.filter(email__endswith=f"@{DOMAIN}")
    dept = Department(
        rng=context.rng("cooperatives"),
        coops=context.coops,
        today=timezone.localdate(),
        current=current,
        previous=current.previous(),
        password=make_password(PASSWORD),  # hashed once: hashing is deliberately slow
        staff=list(accounts.filter(role__in=[Role.SECRETARIAT, Role.ANIMATION]).order_by("pk")),
        mandataire=accounts.get(email=f"mandataire@{DOMAIN}"),
    )
    result = DemoResult()
    by_commune = _circonscriptions(dept)
    result.circonscriptions = len(set(by_commune.values()))
    cooperatives = _cooperatives(dept, by_commune)
    result.coops = len(cooperatives)
    users, mandates = _mandates(dept, cooperatives)
    result.users, result.mandates = len(users), len(mandates)
    principals = {m.cooperative_id: m.user for m in mandates if m.end_date is None}
    previous = _previous_affiliations(dept, cooperatives)
    affiliations = [
        *_older_affiliations(dept, previous),
        *previous,
        *_current_affiliations(dept, cooperatives, previous, principals),
    ]
    association = Association.get()
    for affiliation in affiliations:
        affiliation.compute_fee(association)
    affiliations = bulk_create_with_history(
        affiliations, Affiliation, batch_size=BATCH, default_change_reason=CHANGE_REASON
    )
    result.affiliations = len(affiliations)
    result.totals = {
        year.label: Affiliation.objects.affiliated(year).totals()
        for year in (dept.previous, current)
    }
    recent = (dept.previous.pk, current.pk)
    result.payments = _fee_payments(
        [a for a in affiliations if a.school_year_id in recent],
        dept.previous,
        dept.staff[0],
        dept.rng,
        dept.today,
    ) + _paid_in_full([a for a in affiliations if a.school_year_id not in recent], dept.staff[0])
    result.accompaniments = _accompaniments(dept, cooperatives)
    return result


@transaction.atomic
def generate(coops: int, seed: int = 1) -> DemoResult:
    """An empty database filled with the demo accounts and a department of `coops` cooperatives
    (without the other apps' data: tests and the bench)."""
    context = DemoContext(seed=seed, coops=coops)
    core_demo.populate(context)
    return generate_department(context)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def describe(result: DemoResult) -> list[str]:
    lines = [
        f"{_number(result.coops)} coopératives, {result.circonscriptions} circonscriptions, "
        f"{_number(result.users)} comptes de mandataires, {_number(result.mandates)} mandats, "
        f"{_number(result.affiliations)} affiliations, {_number(result.payments)} règlements, "
        f"{_number(result.accompaniments)} accompagnements."
    ]
    for label, totals in result.totals.items():
        lines.append(
            f"  {label} : {_number(totals['coops'])} affiliations, "
            f"{_number(totals['members'])} adhérents ({_number(totals['classes'])} classes, "
            f"{_number(totals['pupils'])} élèves, {_number(totals['adults'])} adultes)"
        )
    return lines


def demo_teacher_school() -> Cooperative | None:
    coops = Cooperative.objects.active().order_by("number")
    return coops[DEMO_TEACHER_SCHOOL_RANK : DEMO_TEACHER_SCHOOL_RANK + 1].first() or coops.first()


def is_populated() -> bool:
    return Cooperative.objects.exists()


def populate(context: DemoContext) -> list[str]:
    lines = describe(generate_department(context))
    teacher = User.objects.filter(email=f"enseignant@{DOMAIN}").first()
    school = demo_teacher_school()
    if teacher is not None and school is not None:
        TeacherSchool.set_for(teacher, school)
        lines.append(f"École de l'enseignant de démonstration : {school.name} ({school.commune})")
    return lines
