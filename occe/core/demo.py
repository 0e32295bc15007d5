"""A realistic demo department, generated fast and repeatably (`manage.py demo_data`).

The department scale reproduces the OCCE 92 activity report: 625 cooperatives (268 maternelles,
249 élémentaires, 71 primaires, 19 collèges, 1 SEGPA, 5 lycées, 12 établissements spécialisés)
and, for the previous school year, 146 262 members (6 198 classes, 139 039 pupils, 7 223
adults). `large` is ten times that. Everything comes from one `random.Random(seed)`, so the same
seed on the same day gives the same data (dates follow the current school year).

Rows are bulk-created in one transaction; cooperatives, mandates and affiliations get their
history rows through simple_history's `bulk_create_with_history`.
"""

import datetime
import io
import random
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cooperatives.models import (
    AccompanimentEntry,
    Affiliation,
    Circonscription,
    Cooperative,
    FeePayment,
    Mandate,
    uai_check_letter,
)
from occe.accounts.mfa import DEMO_TOTP_SECRET, activate_totp
from occe.accounts.models import Role, User
from occe.core.models import Association, SchoolYear

PASSWORD = "demo-occe-2025"
DOMAIN = "occe92.test"  # .test is reserved (RFC 2606): no demo e-mail can ever be delivered
SCALES = {"test": 30, "department": 625, "large": 6250}
BATCH = 500
CENT = Decimal("0.01")
CHANGE_REASON = "Données de démonstration"

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

FIRST_NAMES = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Emma",
    "Inès",
    "Sarah",
    "Julie",
    "Claire",
    "Anne",
    "Marie",
    "Sophie",
    "Nathalie",
    "Isabelle",
    "Céline",
    "Aurélie",
    "Hélène",
    "Laure",
    "Élodie",
    "Pauline",
    "Lucie",
    "Mathilde",
    "Agnès",
    "Sandrine",
    "Valérie",
    "Fatima",
    "Nadia",
    "Samia",
    "Yasmine",
    "Aïcha",
    "Thomas",
    "Nicolas",
    "Julien",
    "Pierre",
    "Antoine",
    "Maxime",
    "Lucas",
    "Hugo",
    "Louis",
    "Mathieu",
    "Olivier",
    "Laurent",
    "Stéphane",
    "Sébastien",
    "Vincent",
    "Karim",
    "Mehdi",
    "Youssef",
    "Rachid",
    "François",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Benali",
    "Haddad",
    "Nguyen",
    "Traoré",
    "Diallo",
    "Cohen",
    "Silva",
]
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
STREETS = [
    "rue de la République",
    "avenue Jean Jaurès",
    "rue Victor Hugo",
    "rue Gabriel Péri",
    "rue Pasteur",
    "boulevard de la Paix",
    "rue du Général Leclerc",
    "avenue de la Division Leclerc",
    "rue des Écoles",
    "rue Paul Vaillant-Couturier",
    "rue de Verdun",
    "allée des Tilleuls",
    "rue du Moulin",
    "rue Voltaire",
    "avenue Aristide Briand",
    "rue Carnot",
    "rue de la Mairie",
    "avenue du Maréchal Foch",
    "rue Danton",
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


@dataclass
class DemoLogin:
    email: str
    description: str
    totp: bool = False


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
    logins: list[DemoLogin] = field(default_factory=list)


def demo_logins() -> list[DemoLogin]:
    """The demo accounts that exist in the database, described for the printout."""
    logins = []
    users = {u.email: u for u in User.objects.filter(email__endswith=f"@{DOMAIN}", is_active=True)}
    for key, label in [
        ("secretariat", "Secrétariat"),
        ("animation", "Animation"),
        ("president", "Administrateur, signataire des reçus"),
        ("administrateur", "Administrateur"),
        ("mandataire", "Mandataire"),
        ("enseignant", "Enseignant"),
    ]:
        user = users.get(f"{key}@{DOMAIN}")
        if user is None:
            continue
        description = label
        if user.is_mandataire:
            coop = Cooperative.objects.filter(pk__in=user.mandates.values("cooperative")).first()
            if coop:
                description = f"{label} de la coopérative {coop}"
        logins.append(DemoLogin(user.email, description, totp=user.requires_mfa))
    return logins


def format_logins(logins: list[DemoLogin]) -> str:
    if not logins:
        return "Aucun compte de démonstration dans cette base."
    width = max(len(login.email) for login in logins)
    lines = [f"Comptes de démonstration (mot de passe : {PASSWORD}) :"]
    for login in logins:
        suffix = "  [double authentification]" if login.totp else ""
        lines.append(f"  {login.email:<{width}}  {login.description}{suffix}")
    if any(login.totp for login in logins):
        lines += [
            "Double authentification : ajoutez la clé "
            f"{DEMO_TOTP_SECRET} à une application d'authentification",
            "(TOTP, 6 chiffres, 30 s), ou obtenez le code du moment avec :",
            "  .venv/bin/python manage.py totp_code EMAIL",
        ]
    return "\n".join(lines)


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text.lower() if c.isalnum())


def _split(total: int, weights: dict) -> dict:
    """`total` split proportionally to `weights` (largest remainders), every key kept."""
    weight_sum = sum(weights.values())
    raw = {key: total * weight / weight_sum for key, weight in weights.items()}
    counts = {key: int(value) for key, value in raw.items()}
    rest = total - sum(counts.values())
    for key in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[:rest]:
        counts[key] += 1
    return counts


def _scale_to(values: list[int], target: int, rng: random.Random, minimum: int = 1) -> list[int]:
    """`values` rescaled so they sum exactly to `target`, each at least `minimum`."""
    if not values:
        return values
    factor = target / (sum(values) or 1)
    scaled = [max(minimum, round(v * factor)) for v in values]
    diff = target - sum(scaled)
    step = 1 if diff > 0 else -1
    guard = 0
    while diff and guard < 100 * len(scaled) + abs(diff):
        guard += 1
        i = rng.randrange(len(scaled))
        if step < 0 and scaled[i] <= minimum:
            continue
        scaled[i] += step
        diff -= step
    return scaled


def _day_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    if end <= start:
        return start
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    return datetime.datetime(
        day.year, day.month, day.day, rng.randrange(8, 18), rng.randrange(60), tzinfo=datetime.UTC
    )


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def demo_logo() -> bytes:
    """The demo association's logo: « OCCE 92 » in a blue disc, with a cooperative's ring."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGBA", (360, 120), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, 116, 116), fill=(0, 84, 159, 255))
    draw.ellipse((28, 28, 92, 92), outline=(255, 255, 255, 255), width=8)
    font = ImageFont.load_default(size=44)
    draw.text((132, 14), "OCCE", font=font, fill=(0, 84, 159, 255))
    draw.text((132, 64), "92", font=font, fill=(230, 120, 0, 255))
    return _png(image)


def demo_signature() -> bytes:
    """A handwritten-looking stroke, as scanned signatures are: transparent background."""
    import math

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 110), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = [
        (20 + t * 2.4, 60 + 28 * math.sin(t / 6.0) * math.cos(t / 17.0) - t * 0.15)
        for t in range(110)
    ]
    draw.line(points, fill=(20, 30, 90, 255), width=4, joint="curve")
    draw.line([(40, 88), (250, 78)], fill=(20, 30, 90, 255), width=3)
    return _png(image)


def _siren(rng: random.Random) -> str:
    """Nine digits passing the Luhn check, as a real SIREN does."""
    digits = [rng.randrange(10) for _ in range(8)]
    for check in range(10):
        candidate = [*digits, check]
        total = 0
        for i, d in enumerate(reversed(candidate)):
            d = d * 2 if i % 2 else d
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return "".join(map(str, candidate))
    raise AssertionError("unreachable")


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


@transaction.atomic
def generate(coops: int, seed: int = 1) -> DemoResult:
    """Fill an empty database with a department of `coops` cooperatives."""
    rng = random.Random(seed)
    today = timezone.localdate()
    current = SchoolYear.objects.current()
    previous = current.previous()
    result = DemoResult()
    password = make_password(PASSWORD)  # hashed once: hashing is deliberately slow
    ratio = coops / REFERENCE_COOPS

    def person() -> tuple[str, str]:
        return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)

    # Staff, board and the other demo accounts.
    def demo_user(key, role, first, last, **extra):
        return User(
            email=f"{key}@{DOMAIN}",
            first_name=first,
            last_name=last,
            role=role,
            password=password,
            **extra,
        )

    staff = [
        demo_user("secretariat", Role.SECRETARIAT, "Sylvie", "Marchand"),
        demo_user("animation", Role.ANIMATION, "Karim", "Benhamou"),
    ]
    president = demo_user("president", Role.ADMINISTRATEUR, "Michel", "Castel", is_signataire=True)
    board = [president, demo_user("administrateur", Role.ADMINISTRATEUR, "Annie", "Leclerc")]
    mandataire = demo_user("mandataire", Role.MANDATAIRE, "Claire", "Fontaine")
    enseignant = demo_user("enseignant", Role.ENSEIGNANT, "Hugo", "Perrin")
    demo_users = [*staff, *board, mandataire, enseignant]
    User.objects.bulk_create(demo_users)
    for user in [*staff, *board]:
        activate_totp(user)

    # The association's identity.
    association = Association.get()
    association.name = "OCCE 92 — Association départementale des Hauts-de-Seine"
    association.short_name = "OCCE 92"
    association.address = "14 rue des Coopérateurs"
    association.postal_code = "92000"
    association.city = "Nanterre"
    association.email = f"contact@{DOMAIN}"
    association.phone = "01 47 21 00 00"
    association.siren = _siren(rng)
    association.rna = f"W92{rng.randrange(10**7):07d}"
    association.signatory_name = president.get_full_name()
    association.signatory_quality = "Président"
    association.receipt_number_prefix = "92-"
    # A newcomer sees complete receipts and attestations: a logo and a signature, drawn here.
    association.logo.save("logo-demo.png", ContentFile(demo_logo()), save=False)
    association.signature.save("signature-demo.png", ContentFile(demo_signature()), save=False)
    association.signup_domains = "ac-versailles.fr"  # the Hauts-de-Seine's academy
    association.save()

    # Circonscriptions, each run by an IEN.
    circonscriptions = Circonscription.objects.bulk_create(
        Circonscription(name=name, ien="{} {}".format(*person())) for name in CIRCONSCRIPTIONS
    )
    by_commune = {
        commune: circ for circ in circonscriptions for commune in CIRCONSCRIPTIONS[circ.name]
    }
    result.circonscriptions = len(circonscriptions)

    # Cooperatives: the report's type distribution, in the department's communes.
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
    # A few cooperatives were struck off last spring (never the demo mandataire's, the first).
    struck = set(rng.sample(range(1, coops), max(1, coops // 100))) if coops > 1 else set()
    for i in struck:
        coop = cooperatives[i]
        coop.status = Cooperative.Status.RADIEE
        coop.struck_off_on = _day_between(
            rng, previous.start_date + datetime.timedelta(days=200), current.start_date
        )
        coop.struck_off_reason = rng.choice(
            ["Fermeture de l'école", "Fusion avec l'école voisine", "Dissolution votée en conseil"]
        )
    cooperatives = bulk_create_with_history(
        cooperatives, Cooperative, batch_size=BATCH, default_change_reason=CHANGE_REASON
    )
    result.coops = len(cooperatives)

    # Mandates: one principal each, some co-mandataires, some past principals.
    users = []
    mandate_rows = []  # (user, Mandate) so user ids can be set once users are saved
    for index, coop in enumerate(cooperatives):
        start = datetime.date(current.start_year - rng.randrange(0, 8), 9, rng.randrange(2, 30))
        start = min(start, today)
        ended_on = coop.struck_off_on
        if ended_on:
            start = min(start, ended_on - datetime.timedelta(days=365))
        kinds = [(Mandate.Kind.PRINCIPAL, start, ended_on, "")]
        if rng.random() < 0.3:
            co_end = min(ended_on or today, start + datetime.timedelta(days=700))
            co_start = _day_between(rng, start, co_end)
            kinds.append((Mandate.Kind.CO, co_start, ended_on, ""))
        if rng.random() < 0.15:
            past_start = datetime.date(start.year - rng.randrange(2, 8), 9, rng.randrange(2, 30))
            end = start - datetime.timedelta(days=1)
            kinds.append((Mandate.Kind.PRINCIPAL, past_start, end, rng.choice(END_REASONS)))
        if ended_on:
            kinds = [(k, s, ended_on, "Radiation de la coopérative") for k, s, _, _ in kinds]
        for position, (kind, begin, end, reason) in enumerate(kinds):
            if index == 0 and position == 0:
                user = mandataire
            else:
                first, last = person()
                user = User(
                    email=f"{_ascii(first)}.{_ascii(last)}.{len(users) + 1}@{DOMAIN}",
                    first_name=first,
                    last_name=last,
                    role=Role.MANDATAIRE if end is None else Role.ENSEIGNANT,
                    password=password,
                )
                users.append(user)
            mandate_rows.append(
                (
                    user,
                    Mandate(
                        cooperative=coop,
                        kind=kind,
                        start_date=begin,
                        end_date=end,
                        end_reason=reason,
                    ),
                )
            )
    User.objects.bulk_create(users, batch_size=BATCH)
    for user, mandate in mandate_rows:
        mandate.user = user
    mandates = bulk_create_with_history(
        [m for _, m in mandate_rows],
        Mandate,
        batch_size=BATCH,
        default_change_reason=CHANGE_REASON,
    )
    result.users = len(users) + len(demo_users)
    result.mandates = len(mandates)
    principals = {m.cooperative_id: m.user for m in mandates if m.end_date is None}

    # Affiliations of the previous year: every cooperative, validated, the report's totals.
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
    secretariat = staff[0]
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
                validated_by=secretariat,
            )
        )

    # The current year: a bit fewer members, and a campaign under way.
    active = [i for i, c in enumerate(cooperatives) if c.is_active]
    statuses = rng.choices(
        [
            Affiliation.Status.VALIDATED,
            Affiliation.Status.SUBMITTED,
            Affiliation.Status.DRAFT,
            None,
        ],
        [72, 12, 8, 8],
        k=len(active),
    )
    if active:
        statuses[0] = Affiliation.Status.DRAFT  # the demo mandataire has something to submit
    kept = [(i, status) for i, status in zip(active, statuses, strict=True) if status]
    decline = rng.uniform(0.98, 0.99)
    targets = {
        name: round(sum(values) * decline)
        for name, values in [("classes", classes), ("pupils", pupils), ("adults", adults)]
    }
    now_classes = _scale_to([classes[i] for i, _ in kept], targets["classes"], rng)
    now_pupils = _scale_to(
        [round(pupils[i] * rng.uniform(0.92, 1.06)) for i, _ in kept], targets["pupils"], rng
    )
    now_adults = _scale_to([adults[i] for i, _ in kept], targets["adults"], rng)
    campaign_end = max(today, current.start_date)
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
                affiliation.validated_by = secretariat
        affiliations.append(affiliation)
    for affiliation in affiliations:
        affiliation.compute_fee(association)
    affiliations = bulk_create_with_history(
        affiliations, Affiliation, batch_size=BATCH, default_change_reason=CHANGE_REASON
    )
    result.affiliations = len(affiliations)
    result.totals = {
        year.label: Affiliation.objects.affiliated(year).totals() for year in (previous, current)
    }
    result.payments = _fee_payments(affiliations, previous, secretariat, rng, today)

    # Accompaniment log: about 300 contacts a year at department scale.
    topics = list(AccompanimentEntry.Topic)
    entries = []
    for _ in range(max(5, round(300 * ratio))):
        topic = rng.choices(topics, [30, 20, 15, 10, 8, 10, 7])[0]
        entries.append(
            AccompanimentEntry(
                cooperative=cooperatives[rng.randrange(len(cooperatives))],
                date=_day_between(rng, previous.start_date, today),
                channel=rng.choices(list(AccompanimentEntry.Channel), [50, 40, 10])[0],
                topic=topic,
                notes=rng.choice(ACCOMPANIMENT_NOTES[topic]),
                staff=rng.choice(staff),
            )
        )
    result.accompaniments = len(AccompanimentEntry.objects.bulk_create(entries, batch_size=BATCH))
    result.logins = demo_logins()
    return result
