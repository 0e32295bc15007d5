import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.models import HistoricalRecords

from occe.core import formats
from occe.core.models import Association, SchoolYear

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"

# Realistic maxima for ONE school's cooperative, checked by the forms, the import (through the
# fields' validators) and the database. The largest French lycées have about 4 000 pupils in
# some 120 classes (OCCE 92 averages 222 pupils and 10 classes per coop); adults are the
# teachers and staff who join, a few hundred at most.
MAX_CLASSES = 150
MAX_PUPILS = 5_000
MAX_ADULTS = 1_000
# Any part of a fee, and any single payment: 5 000 pupils at the highest rate the association
# may set (2 × MAX_RATE per pupil) stays within it; a real coop owes a few hundred euros.
MAX_FEE = Decimal("100000.00")
# Comparing sums of amounts, kept in cents, to half a cent (see AffiliationQuerySet.unpaid).
HALF_CENT = models.Value(Decimal("0.005"), output_field=models.DecimalField())


def count_validators(maximum: int, what: str) -> list:
    return [
        MinValueValidator(0, f"Le nombre {what} ne peut pas être négatif."),
        MaxValueValidator(
            maximum,
            f"Le nombre {what} d'une coopérative ne dépasse pas {formats.number(maximum)} : "
            "vérifiez la saisie.",
        ),
    ]


def amount_validators(minimum: Decimal = Decimal("0")) -> list:
    return [
        MinValueValidator(minimum, f"Le montant doit être d'au moins {formats.euros(minimum)}."),
        MaxValueValidator(MAX_FEE, f"Le montant ne dépasse pas {formats.euros(MAX_FEE)}."),
    ]


def between(field: str, low, high) -> Q:
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


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


# A school list shows this many matches at most: type more to narrow it.
SCHOOL_CHOICES_LIMIT = 30


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

    def editable_by(self, user) -> "CooperativeQuerySet":
        """The cooperatives a user may change (their record, mandates, strike-off): the
        secretariat's. Mirrors `Cooperative.can_be_edited_by`."""
        if not user.is_authenticated or not user.is_secretariat:
            return self.none()
        return self

    def active(self) -> "CooperativeQuerySet":
        """Not struck off. Struck-off coops are counted apart in every figure."""
        return self.filter(status=Cooperative.Status.ACTIVE)

    def schools_matching(self, query: str) -> "CooperativeQuerySet":
        """The schools a person picks theirs from (sign-up, « Mon école », registrations):
        active coops whose UAI or number is `query`, or whose name or commune contains it.
        Nothing under 2 characters; at most SCHOOL_CHOICES_LIMIT."""
        query = (query or "").strip()[:100]  # no school name is longer
        if len(query) < 2:
            return self.none()
        return (
            self.active()
            .filter(
                Q(uai__iexact=query)
                | Q(number__iexact=query)
                | Q(name__icontains=query)
                | Q(commune__icontains=query)
            )
            .order_by("commune", "name")[:SCHOOL_CHOICES_LIMIT]
        )

    # The states of the affiliation campaign of a year. They split the active coops (each one
    # is in exactly one of affiliated / submitted / draft / not started) and every page counts
    # and lists them through these methods, so a count always equals the list it links to.
    def affiliated(self, year: SchoolYear) -> "CooperativeQuerySet":
        """Affiliated: an active coop whose affiliation of the year is validated."""
        return self.filter(pk__in=Affiliation.objects.affiliated(year).values("cooperative"))

    def not_affiliated(self, year: SchoolYear) -> "CooperativeQuerySet":
        """Active coops without a validated affiliation of the year (submitted, draft or none)."""
        return self.active().exclude(
            pk__in=Affiliation.objects.of_year(year).validated().values("cooperative")
        )

    def with_affiliation(self, year: SchoolYear, status: str) -> "CooperativeQuerySet":
        """Active coops whose affiliation of the year has `status` (draft, submitted)."""
        return self.active().filter(
            pk__in=Affiliation.objects.of_year(year).filter(status=status).values("cooperative")
        )

    def not_started(self, year: SchoolYear) -> "CooperativeQuerySet":
        """Active coops with no affiliation at all for the year."""
        return self.active().exclude(pk__in=Affiliation.objects.of_year(year).values("cooperative"))

    def to_remind(self, year: SchoolYear, target: str) -> "CooperativeQuerySet":
        """The coops an affiliation reminder of `target` (ReminderBatch.Target) goes to."""
        drafts = Q(pk__in=self.with_affiliation(year, Affiliation.Status.DRAFT).values("pk"))
        not_started = Q(pk__in=self.not_started(year).values("pk"))
        condition = {
            ReminderBatch.Target.DRAFTS: drafts,
            ReminderBatch.Target.NOT_STARTED: not_started,
        }.get(target, drafts | not_started)
        return self.filter(condition)

    def struck_off_affiliated(self, year: SchoolYear) -> "CooperativeQuerySet":
        """Struck-off coops with a validated affiliation of the year: counted apart."""
        return self.filter(pk__in=Affiliation.objects.struck_off(year).values("cooperative"))


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

    def has_mandataire(self, user) -> bool:
        """Whether `user` holds a current mandate of this coop (`User.is_mandataire` is the role)."""
        return Mandate.objects.current().filter(cooperative=self, user=user).exists()

    # Who may do what (the views ask these; the templates show the buttons from them).
    def can_be_edited_by(self, user) -> bool:
        return user.is_authenticated and user.is_secretariat


class TeacherSchool(models.Model):
    """The school a teacher works at: chosen when they sign up, changed on « Mon école » (the
    history keeps the earlier ones). Their registrations to trainings propose it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="school",
        verbose_name="enseignant",
    )
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="teachers", verbose_name="école"
    )
    since = models.DateField("depuis le", default=timezone.localdate)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "école d'un enseignant"
        verbose_name_plural = "écoles des enseignants"

    def __str__(self):
        return f"{self.user} — {self.cooperative.name}"

    @classmethod
    def set_for(cls, user, cooperative: Cooperative) -> "TeacherSchool":
        """`user` works at `cooperative` from today on; the previous school stays in the
        history. Choosing the same school again changes nothing."""
        school = cls.objects.filter(user=user).first()
        if school is None:
            return cls.objects.create(user=user, cooperative=cooperative)
        if school.cooperative_id != cooperative.pk:
            school.cooperative = cooperative
            school.since = timezone.localdate()
            school.save()
        return school

    def periods(self) -> list:
        """The schools this teacher declared, newest first: historical records, one per
        change of school (each with `cooperative` and `since`)."""
        periods = []
        for record in self.history.select_related("cooperative").order_by("history_date"):
            if not periods or periods[-1].cooperative_id != record.cooperative_id:
                periods.append(record)
        return periods[::-1]


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

    def editable_by(self, user) -> "AffiliationQuerySet":
        """Mirrors `Affiliation.can_be_edited_by`: the secretariat's until validation, a
        mandataire's own drafts."""
        if not user.is_authenticated:
            return self.none()
        if user.is_secretariat:
            return self.exclude(status=Affiliation.Status.VALIDATED)
        if user.is_mandataire:
            own = Mandate.objects.current().filter(user=user).values("cooperative")
            return self.filter(status=Affiliation.Status.DRAFT, cooperative__in=own)
        return self.none()

    def of_year(self, year: SchoolYear) -> "AffiliationQuerySet":
        return self.filter(school_year=year)

    def validated(self) -> "AffiliationQuerySet":
        return self.filter(status=Affiliation.Status.VALIDATED)

    def affiliated(self, year: SchoolYear) -> "AffiliationQuerySet":
        """THE definition of "affiliée": the validated affiliation of the year of an active
        coop. Its members ("adhérents") are its pupils and adults (`totals()`)."""
        return self.of_year(year).validated().filter(cooperative__status=Cooperative.Status.ACTIVE)

    def affiliated_during(self, year: SchoolYear) -> "AffiliationQuerySet":
        """Every validated affiliation of the year, coops struck off since included: what the
        annual report of that year counts (`affiliated` plus `struck_off`)."""
        return self.of_year(year).validated()

    def struck_off(self, year: SchoolYear) -> "AffiliationQuerySet":
        """Validated affiliations of the year of coops struck off since: counted apart."""
        return self.of_year(year).validated().filter(cooperative__status=Cooperative.Status.RADIEE)

    def with_paid(self) -> "AffiliationQuerySet":
        """Annotate `paid_total`: the sum of the payments not cancelled (one subquery)."""
        paid = (
            FeePayment.objects.valid()
            .filter(affiliation=OuterRef("pk"))
            .order_by()
            .values("affiliation")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return self.annotate(
            paid_total=Coalesce(Subquery(paid), Decimal("0"), output_field=models.DecimalField())
        )

    def unpaid(self, year: SchoolYear) -> "AffiliationQuerySet":
        """Validated affiliations of the year (struck-off coops included: they still owe it)
        whose fee is not entirely paid."""
        return (
            self.of_year(year)
            .validated()
            .with_paid()
            # Half a cent below: SQLite adds decimals as floats (700.1 + 50.2 + 20.1 is a hair
            # above 770.4), which made some coops paid in full look unpaid. Amounts are in cents.
            .filter(
                paid_total__lt=F("fee_pupils") + F("fee_adults") + F("fee_insurance") - HALF_CENT
            )
        )

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
    classes = models.PositiveIntegerField(
        "classes", default=0, validators=count_validators(MAX_CLASSES, "de classes")
    )
    pupils = models.PositiveIntegerField(
        "élèves", default=0, validators=count_validators(MAX_PUPILS, "d'élèves")
    )
    adults = models.PositiveIntegerField(
        "adultes", default=0, validators=count_validators(MAX_ADULTS, "d'adultes")
    )
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The fee is computed from the association's rates while the affiliation can change, then
    # frozen at validation, so a later change of rates never alters a past year.
    fee_pupils = models.DecimalField(
        "cotisation élèves", max_digits=10, decimal_places=2, default=Decimal("0"),
        validators=amount_validators(),
    )  # fmt: skip
    fee_adults = models.DecimalField(
        "cotisation adultes", max_digits=10, decimal_places=2, default=Decimal("0"),
        validators=amount_validators(),
    )  # fmt: skip
    fee_insurance = models.DecimalField(
        "assurance", max_digits=10, decimal_places=2, default=Decimal("0"),
        validators=amount_validators(),
    )  # fmt: skip
    fee_federal = models.DecimalField(
        "dont part fédérale", max_digits=10, decimal_places=2, default=Decimal("0"),
        validators=amount_validators(),
    )  # fmt: skip
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
    # When the mandataires were told of the validation (the task runs at most once per
    # validation); not an edit a person makes, so left out of the history.
    validation_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()
    objects = AffiliationQuerySet.as_manager()

    class Meta:
        verbose_name = "affiliation"
        ordering = ["-school_year__start_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "school_year"], name="one_affiliation_per_year"
            ),
            models.CheckConstraint(
                condition=between("classes", 0, MAX_CLASSES), name="affiliation_classes_bounds"
            ),
            models.CheckConstraint(
                condition=between("pupils", 0, MAX_PUPILS), name="affiliation_pupils_bounds"
            ),
            models.CheckConstraint(
                condition=between("adults", 0, MAX_ADULTS), name="affiliation_adults_bounds"
            ),
            *(
                models.CheckConstraint(
                    condition=between(name, 0, MAX_FEE), name=f"affiliation_{name}_bounds"
                )
                for name in ("fee_pupils", "fee_adults", "fee_insurance", "fee_federal")
            ),
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

    @property
    def is_draft(self) -> bool:
        """A draft, or not started yet (not saved): the mandataire may still change it."""
        return self.status == self.Status.DRAFT

    # Who may do what (the views ask these, the templates show the buttons from them).
    def can_be_edited_by(self, user) -> bool:
        """The secretariat corrects until validation; the mandataire only while it is a draft."""
        if self.can_be_managed_by(user):
            return self.is_editable
        return self.can_be_submitted_by(user)

    def can_be_submitted_by(self, user) -> bool:
        return self.is_draft and self.can_be_declared_by(user)

    def can_be_declared_by(self, user) -> bool:
        """The coop's mandataires declare its figures and submit them (whatever the status)."""
        return user.is_mandataire and self.cooperative.has_mandataire(user)

    def can_be_managed_by(self, user) -> bool:
        """The secretariat validates, reopens and records the payments (whatever the status)."""
        return user.is_secretariat

    def can_be_validated_by(self, user) -> bool:
        return self.can_be_managed_by(user) and self.is_editable

    def can_be_reopened_by(self, user) -> bool:
        """Back to draft (submitted or validated), unless payments were made on its fee."""
        return (
            self.can_be_managed_by(user)
            and self.pk is not None
            and not self.is_draft
            and not self.payments.valid().exists()
        )

    def can_record_payment(self, user) -> bool:
        return self.can_be_managed_by(user) and self.is_validated and self.amount_due > 0

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
        """Freeze the fee and tell the mandataires (by e-mail, after commit)."""
        from .tasks import notify_affiliation_validated

        self.compute_fee()
        self.status = self.Status.VALIDATED
        self.validated_at = timezone.now()
        self.validated_by = user
        self.validation_notified_at = None
        if not self.engagement_date:
            self.engagement_date = timezone.localdate()
        self.save()
        notify_affiliation_validated.delay_on_commit(self.pk)

    def reopen(self) -> None:
        # Payments were made against the frozen fee: reopening could change the fee under them.
        if self.payments.valid().exists():
            raise ValidationError(
                "Des paiements de la cotisation sont enregistrés : annulez-les avant de rouvrir "
                "l'affiliation."
            )
        self.status = self.Status.DRAFT
        self.validated_at = None
        self.validated_by = None
        self.save()

    # Payments of the fee.
    @property
    def amount_paid(self) -> Decimal:
        if not self.pk:
            return Decimal("0")
        if not hasattr(self, "paid_total"):  # set by `with_paid()` on lists
            self.paid_total = self.payments.valid().aggregate(
                total=Coalesce(Sum("amount"), Decimal("0"))
            )["total"]
        return self.paid_total

    @property
    def amount_due(self) -> Decimal:
        """What remains to pay (nothing before validation: the fee is not final)."""
        if not self.is_validated:
            return Decimal("0")
        return max(self.fee_total - self.amount_paid, Decimal("0"))

    @property
    def payment_status(self) -> str:
        if not self.is_validated:
            return ""
        if self.amount_due == 0:
            return "payée"
        return "payée en partie" if self.amount_paid else "non payée"

    def record_payment(
        self, *, amount: Decimal, date: datetime.date, method: str, reference: str, user
    ) -> "FeePayment":
        """Record a payment of the fee; never more than what remains, even when two people
        record at once: the affiliation's row is locked while the sum is checked."""
        with transaction.atomic():
            locked = Affiliation.objects.select_for_update().get(pk=self.pk)
            if not locked.is_validated:
                raise ValidationError(
                    "Un paiement ne s'enregistre que sur une affiliation validée."
                )
            due = locked.amount_due
            if amount > due:
                raise ValidationError(
                    {
                        "amount": f"Le montant dépasse le reste à payer ({formats.euros(due)})."
                        if due
                        else "La cotisation est déjà entièrement payée."
                    }
                )
            payment = FeePayment(
                affiliation=locked,
                amount=amount,
                date=date,
                method=method,
                reference=reference,
                recorded_by=user,
            )
            payment.full_clean()
            payment.save()
        self.__dict__.pop("paid_total", None)
        return payment


class FeePaymentQuerySet(models.QuerySet):
    def valid(self) -> "FeePaymentQuerySet":
        return self.filter(cancelled_at__isnull=True)


class FeePayment(models.Model):
    """A payment of an affiliation's fee, recorded by the secretariat. Never deleted: a payment
    recorded by mistake is cancelled (who, when, why) and stays visible."""

    class Method(models.TextChoices):
        CHEQUE = "cheque", "Chèque"
        VIREMENT = "virement", "Virement"
        ESPECES = "especes", "Espèces"
        PRELEVEMENT = "prelevement", "Prélèvement"

    affiliation = models.ForeignKey(
        Affiliation, on_delete=models.PROTECT, related_name="payments", verbose_name="affiliation"
    )
    date = models.DateField("date du paiement")
    method = models.CharField("mode de paiement", max_length=12, choices=Method.choices)
    amount = models.DecimalField(
        "montant", max_digits=10, decimal_places=2,
        validators=amount_validators(Decimal("0.01")),
    )  # fmt: skip
    reference = models.CharField(
        "référence", max_length=100, blank=True, help_text="Numéro de chèque, libellé du virement…"
    )
    recorded_at = models.DateTimeField("enregistré le", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="enregistré par",
    )
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="annulé par",
    )
    cancel_reason = models.CharField("motif d'annulation", max_length=250, blank=True)

    history = HistoricalRecords()
    objects = FeePaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "paiement de cotisation"
        verbose_name_plural = "paiements de cotisation"
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=between("amount", Decimal("0.01"), MAX_FEE),
                name="fee_payment_amount_bounds",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True, cancelled_by__isnull=True)
                | Q(cancelled_at__isnull=False, cancelled_by__isnull=False),
                name="fee_payment_cancelled_with_who_and_when",
            ),
        ]

    def __str__(self):
        return f"{formats.euros(self.amount)} le {formats.date_fr(self.date)}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def clean(self):
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": "La date du paiement ne peut pas être dans le futur."})

    def delete(self, *args, **kwargs):
        raise ValidationError("Un paiement n'est jamais supprimé : il est annulé.")

    def can_be_cancelled_by(self, user) -> bool:
        return user.is_secretariat and not self.is_cancelled

    def cancel(self, user, reason: str = "") -> None:
        self.cancelled_at = timezone.now()
        self.cancelled_by = user
        self.cancel_reason = reason
        self.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])


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

    class Target(models.TextChoices):
        DRAFTS = "drafts", "Brouillons (commencées, pas soumises)"
        NOT_STARTED = "not_started", "Pas commencées (aucune affiliation cette année)"
        BOTH = "both", "Les deux"

    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    target = models.CharField(
        "destinataires", max_length=12, choices=Target.choices, default=Target.BOTH
    )
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
