import datetime
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

money = {"max_digits": 10, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}
# Each part of a fee rate (per pupil, per adult, insurance per member). Real rates are a few
# euros; the bound keeps every computed fee within the affiliation's own bounds.
MAX_RATE = Decimal("10")
RATE_FIELDS = (
    "pupil_rate_federal",
    "pupil_rate_departmental",
    "adult_rate_federal",
    "adult_rate_departmental",
    "insurance_per_member",
)
rate = {
    **money,
    "validators": [
        MinValueValidator(Decimal("0"), "Le taux ne peut pas être négatif."),
        MaxValueValidator(MAX_RATE, "Un taux de cotisation ne dépasse pas 10,00 €."),
    ],
}


# A few academies at most (a department's, its neighbours'): 20 domains fit comfortably.
MAX_SIGNUP_DOMAINS = 20
MAX_SIGNUP_DOMAINS_LENGTH = 1000
DOMAIN_PATTERN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def parse_domains(text: str, strict: bool = True) -> list[str]:
    """The domains of a list typed one per line or separated by commas (or spaces), lowercased,
    without a leading "@", each once. With `strict`, a malformed one is a ValidationError;
    otherwise it is left out."""
    domains = []
    for item in re.split(r"[\s,;]+", (text or "").lower()):
        domain = item.strip().removeprefix("@").rstrip(".")
        if not domain or domain in domains:
            continue
        if not DOMAIN_PATTERN.fullmatch(domain):
            if strict:
                raise ValidationError(
                    "« %(domain)s » n'est pas un nom de domaine (par exemple ac-versailles.fr).",
                    params={"domain": item},
                )
            continue
        domains.append(domain)
    if strict and len(domains) > MAX_SIGNUP_DOMAINS:
        raise ValidationError(f"Au plus {MAX_SIGNUP_DOMAINS} domaines.")
    return domains


class SchoolYearQuerySet(models.QuerySet):
    def current(self) -> "SchoolYear":
        return self.for_date(timezone.localdate())

    def for_date(self, day: datetime.date) -> "SchoolYear":
        start = day.year if day.month >= 9 else day.year - 1
        year, _ = self.get_or_create(start_year=start)
        return year

    def up_to_current(self):
        """Years that can be chosen in a year switch: the recorded years up to the current one."""
        today = timezone.localdate()
        return self.filter(start_year__lte=today.year if today.month >= 9 else today.year - 1)

    def ensure_recent(self) -> None:
        """Record the current and previous years, so they can be chosen before any data."""
        current = self.current()
        self.get_or_create(start_year=current.start_year - 1)

    def from_label(self, label: str, create: bool = False) -> "SchoolYear | None":
        """'2024-2025' -> SchoolYear (created only if `create`), None if malformed or unknown."""
        try:
            first, second = (int(part) for part in str(label).strip().split("-"))
        except (TypeError, ValueError):
            return None
        if second != first + 1 or not 1990 <= first <= 2100:
            return None
        if create:
            return self.get_or_create(start_year=first)[0]
        return self.filter(start_year=first).first()


class SchoolYear(models.Model):
    """A school year, 1 September to 31 August; also the cooperatives' accounting year."""

    start_year = models.PositiveSmallIntegerField("année de début", unique=True)

    objects = SchoolYearQuerySet.as_manager()

    class Meta:
        verbose_name = "année scolaire"
        verbose_name_plural = "années scolaires"
        ordering = ["-start_year"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"

    @property
    def start_date(self) -> datetime.date:
        return datetime.date(self.start_year, 9, 1)

    @property
    def end_date(self) -> datetime.date:
        return datetime.date(self.start_year + 1, 8, 31)

    def previous(self) -> "SchoolYear":
        year, _ = SchoolYear.objects.get_or_create(start_year=self.start_year - 1)
        return year


class Association(models.Model):
    """The departmental association (one per install): identity, signatory, rates, thresholds.

    Always read through `Association.get()`; the row is created with defaults on first use.
    """

    class Status(models.TextChoices):
        INTERET_GENERAL = "interet_general", "Association loi 1901 d'intérêt général"
        UTILITE_PUBLIQUE = "utilite_publique", "Association reconnue d'utilité publique"

    name = models.CharField("nom", max_length=200, default="OCCE — Association départementale")
    short_name = models.CharField("nom court", max_length=50, default="OCCE")
    address = models.CharField("adresse", max_length=250, blank=True)
    postal_code = models.CharField("code postal", max_length=10, blank=True)
    city = models.CharField("commune", max_length=100, blank=True)
    email = models.EmailField("courriel", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    siren = models.CharField("SIREN", max_length=9, blank=True)
    rna = models.CharField("RNA", max_length=10, blank=True, help_text="W suivi de 9 chiffres.")
    objet = models.TextField(
        "objet",
        blank=True,
        default="Promouvoir la coopération à l'école et les valeurs de la coopération.",
    )
    status = models.CharField(
        "statut pour les reçus",
        max_length=20,
        choices=Status.choices,
        default=Status.INTERET_GENERAL,
    )
    decree_date = models.DateField(
        "date du décret de reconnaissance d'utilité publique", null=True, blank=True
    )
    logo = models.ImageField("logo", upload_to="association/", blank=True)
    signatory_name = models.CharField("nom du signataire", max_length=150, blank=True)
    signatory_quality = models.CharField(
        "qualité du signataire", max_length=100, blank=True, default="Président"
    )
    signature = models.ImageField("image de la signature", upload_to="association/", blank=True)

    # Affiliation fees; each rate is split between the federal and the departmental part.
    pupil_rate_federal = models.DecimalField(
        "cotisation par élève — part fédérale", default=Decimal("0.70"), **rate
    )
    pupil_rate_departmental = models.DecimalField(
        "cotisation par élève — part départementale", default=Decimal("1.10"), **rate
    )
    adult_rate_federal = models.DecimalField(
        "cotisation par adulte — part fédérale", default=Decimal("1.50"), **rate
    )
    adult_rate_departmental = models.DecimalField(
        "cotisation par adulte — part départementale", default=Decimal("2.50"), **rate
    )
    insurance_per_member = models.DecimalField(
        "assurance MAE par adhérent", default=Decimal("0.20"), **rate
    )

    affiliation_deadline = models.DateField(
        "date limite d'affiliation",
        null=True,
        blank=True,
        help_text="Rappelée aux mandataires dans les relances de la campagne en cours.",
    )

    # Thresholds used by receipts and controls.
    receipt_number_prefix = models.CharField(
        "préfixe des numéros de reçus",
        max_length=20,
        blank=True,
        help_text="Ajouté devant l'année, par exemple « 92- » donne 92-2025-000123.",
    )
    receipt_min_amount = models.DecimalField(
        "montant minimal de dons par donateur et par année civile", default=Decimal("0"), **money
    )
    receipt_max_age_months = models.PositiveSmallIntegerField(
        "ancienneté maximale d'un don (mois)", default=15
    )
    receipt_unusual_amount = models.DecimalField(
        "montant inhabituel d'un don (alerte au secrétariat)", default=Decimal("1500"), **money
    )
    control_high_balance = models.DecimalField(
        "solde bancaire élevé (contrôle)", default=Decimal("15000"), **money
    )
    control_gap = models.DecimalField(
        "écart maximal entre comptabilité et banque (contrôle)", default=Decimal("200"), **money
    )

    # Teachers' own sign-up (issue 10): open only to addresses of these domains.
    signup_domains = models.CharField(
        "domaines académiques autorisés à s'inscrire",
        max_length=MAX_SIGNUP_DOMAINS_LENGTH,
        blank=True,
        help_text="Un par ligne ou séparés par des virgules, par exemple ac-versailles.fr. Les "
        "enseignants dont l'adresse se termine exactement par @ un de ces domaines créent "
        "eux-mêmes leur compte ; vide : pas d'inscription libre, seulement les invitations.",
    )

    updated_at = models.DateTimeField("modifié le", auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "association"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{name}__gte": 0, f"{name}__lte": MAX_RATE}),
                name=f"association_{name}_bounds",
            )
            for name in RATE_FIELDS
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.status == self.Status.UTILITE_PUBLIQUE and not self.decree_date:
            errors["decree_date"] = (
                "Indiquez la date du décret de reconnaissance d'utilité publique."
            )
        if self.siren and not (self.siren.isdigit() and len(self.siren) == 9):
            errors["siren"] = "Le SIREN compte 9 chiffres."
        self.rna = self.rna.strip().upper()
        if self.rna and not (len(self.rna) == 10 and self.rna[0] == "W" and self.rna[1:].isdigit()):
            errors["rna"] = "Le RNA s'écrit W suivi de 9 chiffres."
        try:
            self.signup_domains = "\n".join(parse_domains(self.signup_domains))
        except ValidationError as error:
            errors["signup_domains"] = error.messages
        if errors:
            raise ValidationError(errors)

    @classmethod
    def get(cls) -> "Association":
        association = cls.objects.order_by("pk").first()
        return association or cls.objects.create()

    @property
    def academic_domains(self) -> list[str]:
        return parse_domains(self.signup_domains, strict=False)

    def allows_signup(self, email: str) -> bool:
        """Whether `email` may sign up: its domain is one of the listed ones, exactly.

        `prof.ac-versailles.fr` is not `ac-versailles.fr`: the academies hand out addresses of
        the domain itself, and a suffix rule would also let in domains nobody listed (any
        sub-domain someone sets up). The secretariat adds a line for each domain it trusts.
        """
        _, at, domain = (email or "").strip().lower().rpartition("@")
        return bool(at) and domain in self.academic_domains

    @property
    def pupil_rate(self) -> Decimal:
        return self.pupil_rate_federal + self.pupil_rate_departmental

    @property
    def adult_rate(self) -> Decimal:
        return self.adult_rate_federal + self.adult_rate_departmental

    @property
    def full_address(self) -> str:
        return ", ".join(p for p in [self.address, f"{self.postal_code} {self.city}".strip()] if p)


class OutboxEmail(models.Model):
    """A copy of every e-mail sent without an SMTP server, shown to staff in development."""

    sent_at = models.DateTimeField("envoyé le", default=timezone.now)
    to = models.TextField("destinataires")
    subject = models.CharField("objet", max_length=255)
    body = models.TextField("message")
    attachments = models.TextField("pièces jointes", blank=True)

    class Meta:
        verbose_name = "courriel envoyé"
        verbose_name_plural = "courriels envoyés"
        ordering = ["-sent_at", "-pk"]

    def __str__(self):
        return self.subject


def private_upload_path(instance, filename: str) -> str:
    return f"private/{instance._meta.app_label}/{timezone.now():%Y/%m}/{filename}"


def year_from_request(request) -> SchoolYear:
    """The school year chosen with `?annee=2024-2025` (if recorded), the current one otherwise."""
    return (
        SchoolYear.objects.from_label(request.GET.get("annee", "")) or SchoolYear.objects.current()
    )
