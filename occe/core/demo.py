"""The demo data every app builds on: the association's identity and one account per role.

`manage.py demo_data` runs this module's `populate` first, then each app's (occe/core/demo_apps.py);
the department itself (cooperatives, affiliations, mandataires) comes from `cooperatives/demo.py`.
The names, the password, the e-mail domain and the small random helpers here are shared by the
apps' demo modules, so every app's demo people look alike. Each app draws from a generator of its
own (`DemoContext.rng`): the same seed on the same day gives the same data.
"""

import datetime
import io
import random
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile

from occe.accounts.mfa import DEMO_TOTP_SECRET, activate_totp
from occe.accounts.models import Role, User
from occe.core.demo_apps import DemoContext
from occe.core.models import Association

PASSWORD = "demo-occe-2025"
DOMAIN = "occe92.test"  # .test is reserved (RFC 2606): no demo e-mail can ever be delivered
SCALES = {"test": 30, "department": 625, "large": 6250}
BATCH = 500
CENT = Decimal("0.01")
CHANGE_REASON = "Données de démonstration"

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


@dataclass
class DemoLogin:
    email: str
    description: str
    totp: bool = False


# The demo accounts, one per role: (key, role, first name, last name, extra fields, label).
ACCOUNTS = [
    ("secretariat", Role.SECRETARIAT, "Sylvie", "Marchand", {}, "Secrétariat"),
    ("animation", Role.ANIMATION, "Karim", "Benhamou", {}, "Animation"),
    (
        "president",
        Role.ADMINISTRATEUR,
        "Michel",
        "Castel",
        {"is_signataire": True},
        "Administrateur, signataire des reçus",
    ),
    ("administrateur", Role.ADMINISTRATEUR, "Annie", "Leclerc", {}, "Administrateur"),
    ("mandataire", Role.MANDATAIRE, "Claire", "Fontaine", {}, "Mandataire"),
    ("enseignant", Role.ENSEIGNANT, "Hugo", "Perrin", {}, "Enseignant"),
]
TOTP_ROLES = {Role.SECRETARIAT, Role.ANIMATION, Role.ADMINISTRATEUR}


def demo_account(key: str) -> User | None:
    return User.objects.filter(email=f"{key}@{DOMAIN}").first()


def demo_logins() -> list[DemoLogin]:
    """The demo accounts that exist in the database, described for the printout."""
    logins = []
    users = {u.email: u for u in User.objects.filter(email__endswith=f"@{DOMAIN}", is_active=True)}
    for key, *_, label in ACCOUNTS:
        user = users.get(f"{key}@{DOMAIN}")
        if user is None:
            continue
        description = label
        if user.is_mandataire:
            # The reverse relation of the cooperatives' mandates: no import of that app here.
            mandate = user.mandates.select_related("cooperative").order_by("cooperative_id")
            if mandate := mandate.first():
                description = f"{label} de la coopérative {mandate.cooperative}"
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


def create_accounts() -> list[User]:
    """One account per role, the staff and the board with TOTP activated."""
    password = make_password(PASSWORD)  # hashed once: hashing is deliberately slow
    users = User.objects.bulk_create(
        User(
            email=f"{key}@{DOMAIN}",
            first_name=first,
            last_name=last,
            role=role,
            password=password,
            **extra,
        )
        for key, role, first, last, extra, _ in ACCOUNTS
    )
    for user in users:
        if user.role in TOTP_ROLES:
            activate_totp(user)
    return users


def set_up_association(rng: random.Random, president: User) -> Association:
    """The association's identity, complete: receipts and attestations print it."""
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
    return association


def is_populated() -> bool:
    return User.objects.filter(email__endswith=f"@{DOMAIN}").exists()


def populate(context: DemoContext) -> str:
    users = create_accounts()
    president = next(u for u in users if u.is_signataire)
    set_up_association(context.rng("occe.core"), president)
    return f"{len(users)} comptes de démonstration, l'association et son identité."
