import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from simple_history.models import HistoricalRecords

from occe.core.models import Association, SchoolYear

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def uai_check_letter(digits: str) -> str:
    return UAI_LETTERS[int(digits) % 23]


def validate_uai(value: str) -> None:
    value = (value or "").strip().upper()
    if len(value) != 8 or not value[:7].isdigit() or not value[7].isalpha():
        raise ValidationError(
            "L'UAI « %(value)s » est invalide : 7 chiffres suivis d'une lettre (ex. 0951099D).",
            params={"value": value},
            code="uai_format",
        )
    expected = uai_check_letter(value[:7])
    if value[7] != expected:
        raise ValidationError(
            "L'UAI « %(value)s » est invalide : la lettre de contrôle devrait être %(letter)s.",
            params={"value": value, "letter": expected},
            code="uai_letter",
        )


class Circonscription(models.Model):
    name = models.CharField("nom", max_length=150, unique=True)
    ien = models.CharField("IEN", max_length=150, blank=True)

    class Meta:
        verbose_name = "circonscription"
        ordering = ["name"]

    def __str__(self):
        return self.name


class CooperativeQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CooperativeQuerySet":
        """The cooperatives a user may see: all for staff and board, their own for a mandataire."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_mandataire:
            return self.filter(
                pk__in=Mandate.objects.current().filter(user=user).values("cooperative")
            )
        return self.none()

    def active(self):
        return self.filter(status=Cooperative.Status.ACTIVE)


class Cooperative(models.Model):
    class Type(models.TextChoices):
        MATERNELLE = "maternelle", "Maternelle"
        ELEMENTAIRE = "elementaire", "Élémentaire"
        PRIMAIRE = "primaire", "Primaire"
        COLLEGE = "college", "Collège"
        SEGPA = "segpa", "SEGPA"
        LYCEE = "lycee", "Lycée"
        SPECIALISE = "specialise", "Établissement spécialisé"

    class Priority(models.TextChoices):
        NONE = "", "Hors éducation prioritaire"
        REP = "REP", "REP"
        REP_PLUS = "REP+", "REP+"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        RADIEE = "radiee", "Radiée"

    class Software(models.TextChoices):
        NONE = "", "Aucun"
        COMPTA_COOP_WEB = "compta_coop_web", "Compta Coop Web"
        RETKOOP = "retkoop", "Retkoop"

    number = models.CharField("numéro", max_length=20, unique=True)
    uai = models.CharField("UAI", max_length=8, validators=[validate_uai])
    name = models.CharField("nom de l'école", max_length=200)
    type = models.CharField("type", max_length=20, choices=Type.choices)
    address = models.CharField("adresse", max_length=250, blank=True)
    postal_code = models.CharField("code postal", max_length=10, blank=True)
    commune = models.CharField("commune", max_length=100)
    circonscription = models.ForeignKey(
        Circonscription,
        verbose_name="circonscription",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cooperatives",
    )
    priority_education = models.CharField(
        "éducation prioritaire", max_length=4, choices=Priority.choices, blank=True, default=""
    )
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    struck_off_on = models.DateField("radiée le", null=True, blank=True)
    struck_off_reason = models.TextField("motif de radiation", blank=True)
    assoconnect_profile = models.BooleanField("profil AssoConnect créé", default=False)
    software = models.CharField(
        "licence de logiciel comptable",
        max_length=20,
        choices=Software.choices,
        blank=True,
        default="",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    history = HistoricalRecords()
    objects = CooperativeQuerySet.as_manager()

    class Meta:
        verbose_name = "coopérative"
        ordering = ["number"]
        indexes = [models.Index(fields=["uai"]), models.Index(fields=["commune"])]

    def __str__(self):
        return f"{self.number} — {self.name}"

    def save(self, *args, **kwargs):
        self.uai = (self.uai or "").strip().upper()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Une coopérative n'est jamais supprimée : elle est radiée.")

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def strike_off(self, on: datetime.date, reason: str) -> None:
        self.status = self.Status.RADIEE
        self.struck_off_on = on
        self.struck_off_reason = reason
        self.save(update_fields=["status", "struck_off_on", "struck_off_reason"])

    def reinstate(self) -> None:
        self.status = self.Status.ACTIVE
        self.struck_off_on = None
        self.struck_off_reason = ""
        self.save(update_fields=["status", "struck_off_on", "struck_off_reason"])

    def is_mandataire(self, user) -> bool:
        return Mandate.objects.current().filter(cooperative=self, user=user).exists()


class MandateQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.filter(start_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )


class Mandate(models.Model):
    """A teacher mandated to run a cooperative's money, for a dated period."""

    class Kind(models.TextChoices):
        PRINCIPAL = "principal", "Mandataire principal"
        CO = "co", "Co-mandataire"

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="mandates", verbose_name="coopérative"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="mandates",
        verbose_name="mandataire",
    )
    kind = models.CharField("rôle", max_length=10, choices=Kind.choices, default=Kind.PRINCIPAL)
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)
    end_reason = models.CharField("motif de fin", max_length=250, blank=True)

    history = HistoricalRecords()
    objects = MandateQuerySet.as_manager()

    class Meta:
        verbose_name = "mandat"
        ordering = ["-start_date", "kind"]

    def __str__(self):
        return f"{self.user} ({self.get_kind_display()}, {self.cooperative.number})"

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.start_date <= today and (self.end_date is None or self.end_date >= today)

    def clean(self):
        if self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "La fin du mandat précède son début."})

    def end(self, on: datetime.date, reason: str = "") -> None:
        """Close the mandate on `on` (a dated event kept in the history)."""
        self.end_date = on
        self.end_reason = reason
        self.full_clean(exclude=["cooperative", "user"])
        self.save(update_fields=["end_date", "end_reason"])


class AffiliationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(cooperative__in=Cooperative.objects.visible_to(user))

    def totals(self) -> dict:
        totals = self.aggregate(
            coops=models.Count("pk"),
            classes=Sum("classes"),
            pupils=Sum("pupils"),
            adults=Sum("adults"),
        )
        totals = {key: value or 0 for key, value in totals.items()}
        totals["members"] = totals["pupils"] + totals["adults"]
        return totals


class Affiliation(models.Model):
    """A cooperative's membership for one school year, and the fee it owes."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Brouillon"
        SUBMITTED = "submitted", "Soumise"
        VALIDATED = "validated", "Validée"

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="affiliations",
        verbose_name="coopérative",
    )
    school_year = models.ForeignKey(
        SchoolYear,
        on_delete=models.PROTECT,
        related_name="affiliations",
        verbose_name="année scolaire",
    )
    classes = models.PositiveIntegerField("classes", default=0)
    pupils = models.PositiveIntegerField("élèves", default=0)
    adults = models.PositiveIntegerField("adultes", default=0)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The fee is computed from the association's rates while the affiliation can change, then
    # frozen at validation, so a later change of rates never alters a past year.
    fee_pupils = models.DecimalField(
        "cotisation élèves",
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    fee_adults = models.DecimalField(
        "cotisation adultes", max_digits=10, decimal_places=2, default=Decimal("0")
    )
    fee_insurance = models.DecimalField(
        "assurance", max_digits=10, decimal_places=2, default=Decimal("0")
    )
    fee_federal = models.DecimalField(
        "dont part fédérale", max_digits=10, decimal_places=2, default=Decimal("0")
    )
    engagement_date = models.DateField("date d'engagement du mandataire", null=True, blank=True)
    submitted_at = models.DateTimeField("soumise le", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="soumise par",
    )
    validated_at = models.DateTimeField("validée le", null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validée par",
    )

    history = HistoricalRecords()
    objects = AffiliationQuerySet.as_manager()

    class Meta:
        verbose_name = "affiliation"
        ordering = ["-school_year__start_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "school_year"], name="one_affiliation_per_year"
            )
        ]

    def __str__(self):
        return f"Affiliation {self.school_year} — {self.cooperative.number}"

    @property
    def members(self) -> int:
        return self.pupils + self.adults

    @property
    def fee_total(self) -> Decimal:
        return self.fee_pupils + self.fee_adults + self.fee_insurance

    @property
    def is_validated(self) -> bool:
        return self.status == self.Status.VALIDATED

    @property
    def is_editable(self) -> bool:
        return self.status != self.Status.VALIDATED

    def compute_fee(self, association: Association | None = None) -> None:
        a = association or Association.get()
        self.fee_pupils = self.pupils * a.pupil_rate
        self.fee_adults = self.adults * a.adult_rate
        self.fee_insurance = self.members * a.insurance_per_member
        self.fee_federal = self.pupils * a.pupil_rate_federal + self.adults * a.adult_rate_federal

    def submit(self, user) -> None:
        self.compute_fee()
        self.status = self.Status.SUBMITTED
        self.engagement_date = timezone.localdate()
        self.submitted_at = timezone.now()
        self.submitted_by = user
        self.save()

    def validate(self, user) -> None:
        self.compute_fee()
        self.status = self.Status.VALIDATED
        self.validated_at = timezone.now()
        self.validated_by = user
        if not self.engagement_date:
            self.engagement_date = timezone.localdate()
        self.save()

    def reopen(self) -> None:
        self.status = self.Status.DRAFT
        self.validated_at = None
        self.validated_by = None
        self.save()


class AccompanimentEntry(models.Model):
    """A contact between staff and a cooperative (e-mail, phone, visit), for the report."""

    class Channel(models.TextChoices):
        COURRIEL = "courriel", "Courriel"
        TELEPHONE = "telephone", "Téléphone"
        VISITE = "visite", "Visite"

    class Topic(models.TextChoices):
        BANQUE = "banque", "Banque"
        MANDATAIRE = "mandataire", "Changement de mandataire"
        LOGICIEL = "logiciel", "Logiciel comptable"
        ASSURANCE = "assurance", "Assurance"
        JURIDIQUE = "juridique", "Juridique"
        RECUS = "recus", "Reçus"
        AUTRE = "autre", "Autre"

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="accompaniments",
        verbose_name="coopérative",
    )
    date = models.DateField("date", default=timezone.localdate)
    channel = models.CharField("canal", max_length=10, choices=Channel.choices)
    topic = models.CharField("sujet", max_length=12, choices=Topic.choices)
    notes = models.TextField("notes", blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="membre de l'équipe",
    )

    class Meta:
        verbose_name = "accompagnement"
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.date} {self.get_topic_display()}"


class ReminderBatch(models.Model):
    """One sending of affiliation reminders; each cooperative reminded at most once per batch."""

    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    reminded = models.ManyToManyField(Cooperative, blank=True, related_name="+")

    class Meta:
        verbose_name = "relance d'affiliation"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Relance {self.school_year} du {self.created_at:%d/%m/%Y}"
