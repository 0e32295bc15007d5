"""Grants: aides à projets coopératifs (AAP) and the solidarity fund, decided by a commission
of the board in sessions; their payments; money of the Trousse à projets paid back to coops;
insurance claims (sinistres MAE) filed for coops.

The limit that matters: what is paid against a grant never exceeds what was granted. Each
payment adds to `GrantApplication.paid_amount` in the same transaction, on the application's
row locked first, and a CheckConstraint refuses a total above the granted amount.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cooperatives.models import Cooperative
from occe.core.models import SchoolYear, private_upload_path

from .crfs import Crfs

MAX_GRANT_AMOUNT = Decimal("100000")  # an envelope or an amount asked: far above any real one
MAX_BUDGET_LINES = 30
MAX_PUPILS = 5000
MAX_CLASSES = 200
MAX_DOCUMENTS = 10


def grant_amount_field(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=2, **kwargs)


def amount_bounds(field: str, name: str, null: bool = False) -> models.CheckConstraint:
    condition = Q(**{f"{field}__gte": 0, f"{field}__lte": MAX_GRANT_AMOUNT})
    if null:
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(
        condition=condition,
        name=name,
        violation_error_message="Un montant va de 0 à 100 000 €.",
    )


class GrantKind(models.TextChoices):
    AAP = "aap", "Aide à projet coopératif (AAP)"
    SOLIDARITE = "solidarite", "Fonds de solidarité"


class GrantSessionQuerySet(models.QuerySet):
    def open_for_applications(self, kind: str | None = None, today=None) -> "GrantSessionQuerySet":
        today = today or timezone.localdate()
        sessions = self.filter(status=GrantSession.Status.OPEN, deadline__gte=today)
        return sessions.filter(kind=kind) if kind else sessions

    def of_year(self, year: SchoolYear) -> "GrantSessionQuerySet":
        return self.filter(date__range=(year.start_date, year.end_date))

    def upcoming(self, today=None) -> "GrantSessionQuerySet":
        """Commissions to come (today or later), not decided yet, the next one first."""
        today = today or timezone.localdate()
        return self.filter(
            date__gte=today, status__in=[GrantSession.Status.OPEN, GrantSession.Status.REVIEW]
        ).order_by("date", "pk")


class GrantSession(models.Model):
    """A meeting of the commission deciding on the applications of one kind."""

    class Status(models.TextChoices):
        OPEN = "ouverte", "Ouverte aux demandes"
        REVIEW = "examen", "En examen"
        DECIDED = "decidee", "Décidée"
        CLOSED = "close", "Close"

    kind = models.CharField("type d'aide", max_length=12, choices=GrantKind.choices)
    title = models.CharField("intitulé", max_length=150)
    date = models.DateField("date de la commission")
    deadline = models.DateField("date limite de dépôt des demandes")
    envelope = grant_amount_field("enveloppe")
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.OPEN)
    minutes = models.TextField("compte rendu", blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)

    history = HistoricalRecords()
    objects = GrantSessionQuerySet.as_manager()

    class Meta:
        verbose_name = "session de commission"
        verbose_name_plural = "sessions de commission"
        ordering = ["-date", "-pk"]
        constraints = [
            amount_bounds("envelope", "grant_session_envelope_bounds"),
            models.CheckConstraint(
                condition=Q(deadline__lte=F("date")),
                name="grant_session_deadline_before_date",
                violation_error_message="La date limite de dépôt précède la commission.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("finances:grant_session_detail", args=[self.pk])

    NEXT = {
        Status.OPEN: Status.REVIEW,
        Status.REVIEW: Status.DECIDED,
        Status.DECIDED: Status.CLOSED,
    }

    @property
    def next_status(self) -> str | None:
        return self.NEXT.get(self.status)


class GrantApplicationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "GrantApplicationQuerySet":
        """Staff and board read every application; a mandataire their coops' ones."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_mandataire:
            return self.filter(cooperative__in=Cooperative.objects.visible_to(user))
        return self.none()

    def waiting(self) -> "GrantApplicationQuerySet":
        """Filed and not decided yet: what the commission has to examine."""
        return self.filter(
            status__in=[GrantApplication.Status.SUBMITTED, GrantApplication.Status.REVIEW]
        )

    def granted(self) -> "GrantApplicationQuerySet":
        return self.filter(status=GrantApplication.Status.GRANTED)

    def to_pay(self) -> "GrantApplicationQuerySet":
        """Granted, not fully paid yet."""
        return self.granted().filter(paid_amount__lt=F("granted_amount"))

    def missing_report(self) -> "GrantApplicationQuerySet":
        """Granted applications whose bilan (report and actual expenses) is still due."""
        return self.granted().filter(report_submitted_at__isnull=True)


class GrantApplication(models.Model):
    class Status(models.TextChoices):
        DRAFT = "brouillon", "Brouillon"
        SUBMITTED = "deposee", "Déposée"
        REVIEW = "examen", "En examen"
        GRANTED = "accordee", "Accordée"
        REFUSED = "refusee", "Refusée"

    session = models.ForeignKey(
        GrantSession,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name="session",
    )
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="grant_applications",
        verbose_name="coopérative",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="grant_applications",
        verbose_name="déposée par",
    )
    kind = models.CharField("type d'aide", max_length=12, choices=GrantKind.choices)
    title = models.CharField("titre du projet", max_length=200)
    description = models.TextField("description du projet")
    classes = models.PositiveSmallIntegerField("classes concernées", default=1)
    pupils = models.PositiveIntegerField("élèves concernés", default=0)
    start_date = models.DateField("début du projet", null=True, blank=True)
    end_date = models.DateField("fin du projet", null=True, blank=True)
    amount_requested = grant_amount_field("montant demandé à l'association")
    # Solidarity: the coop's situation.
    situation = models.TextField("situation de la coopérative (motif)", blank=True)
    current_balance = models.DecimalField(
        "solde actuel de la coopérative", max_digits=10, decimal_places=2, null=True, blank=True
    )
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.DRAFT)
    engaged_at = models.DateTimeField("engagement du mandataire le", null=True, blank=True)
    submitted_at = models.DateTimeField("déposée le", null=True, blank=True)
    # Decision of the commission.
    granted_amount = grant_amount_field("montant accordé", null=True, blank=True)
    decision_note = models.TextField("note ou motif de la décision", blank=True)
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    letter_sent_at = models.DateTimeField(
        "lettre de notification envoyée le", null=True, blank=True
    )
    # Kept by each payment, in the same transaction, on this row locked.
    paid_amount = grant_amount_field("montant versé", default=Decimal("0"))
    # The bilan of a granted project.
    report_text = models.TextField("bilan du projet", blank=True)
    report_expenses = grant_amount_field("dépenses réelles", null=True, blank=True)
    report_submitted_at = models.DateTimeField("bilan remis le", null=True, blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)

    history = HistoricalRecords()
    objects = GrantApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "demande d'aide"
        verbose_name_plural = "demandes d'aide"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status"])]
        constraints = [
            amount_bounds("amount_requested", "grant_application_requested_bounds"),
            amount_bounds("granted_amount", "grant_application_granted_bounds", null=True),
            amount_bounds("paid_amount", "grant_application_paid_bounds"),
            amount_bounds("report_expenses", "grant_application_report_bounds", null=True),
            models.CheckConstraint(
                condition=Q(classes__lte=MAX_CLASSES, pupils__lte=MAX_PUPILS),
                name="grant_application_counts_bounds",
                violation_error_message="Au plus 200 classes et 5 000 élèves.",
            ),
            # Nothing is ever paid beyond the grant, whatever the code path.
            models.CheckConstraint(
                condition=Q(paid_amount=0)
                | Q(granted_amount__isnull=False, paid_amount__lte=F("granted_amount")),
                name="grant_application_paid_within_grant",
                violation_error_message="Le total versé dépasserait le montant accordé.",
            ),
            models.CheckConstraint(
                condition=~Q(status="accordee") | Q(granted_amount__gt=0),
                name="grant_application_granted_has_amount",
                violation_error_message="Une aide accordée a un montant.",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.cooperative.number})"

    def get_absolute_url(self) -> str:
        return reverse("finances:grant_application_detail", args=[self.pk])

    @property
    def remaining_to_pay(self) -> Decimal:
        return (self.granted_amount or Decimal("0")) - self.paid_amount

    @property
    def is_decided(self) -> bool:
        return self.status in (self.Status.GRANTED, self.Status.REFUSED)

    def budget_totals(self) -> tuple[Decimal, Decimal]:
        """(expenses, resources including the amount asked from the association)."""
        expenses = resources = Decimal("0")
        for line in self.budget_lines.all():
            if line.side == BudgetLine.Side.EXPENSE:
                expenses += line.amount
            else:
                resources += line.amount
        return expenses, resources + self.amount_requested

    def is_editable_by(self, user) -> bool:
        return (
            self.status == self.Status.DRAFT
            and user.is_mandataire
            and self.cooperative.has_mandataire(user)
        )

    def report_is_editable_by(self, user) -> bool:
        return (
            self.status == self.Status.GRANTED
            and user.is_mandataire
            and self.cooperative.has_mandataire(user)
        )


class BudgetLine(models.Model):
    """One line of a project's budget: an expense, or a resource other than the amount asked
    from the association (which the application carries)."""

    class Side(models.TextChoices):
        EXPENSE = "depense", "Dépense"
        RESOURCE = "recette", "Recette"

    application = models.ForeignKey(
        GrantApplication, on_delete=models.CASCADE, related_name="budget_lines"
    )
    side = models.CharField("nature", max_length=8, choices=Side.choices)
    label = models.CharField("poste", max_length=150)
    amount = grant_amount_field("montant")

    class Meta:
        verbose_name = "ligne de budget"
        ordering = ["side", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, amount__lte=MAX_GRANT_AMOUNT),
                name="budget_line_amount_bounds",
                violation_error_message="Un montant va de 0,01 à 100 000 €.",
            )
        ]

    def __str__(self):
        return f"{self.label} : {self.amount}"


class GrantDocument(models.Model):
    """A file attached to an application (quotes, project sheet): PDF, JPEG or PNG."""

    application = models.ForeignKey(
        GrantApplication, on_delete=models.CASCADE, related_name="documents"
    )
    file = models.FileField("fichier", upload_to=private_upload_path)
    name = models.CharField("nom", max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "pièce jointe"
        ordering = ["pk"]

    def __str__(self):
        return self.name


class GrantOpinion(models.Model):
    """An administrator's opinion on an application, before the commission decides."""

    class Opinion(models.TextChoices):
        FAVORABLE = "favorable", "Favorable"
        PARTIAL = "partiel", "Favorable pour un montant réduit"
        UNFAVORABLE = "defavorable", "Défavorable"

    application = models.ForeignKey(
        GrantApplication, on_delete=models.CASCADE, related_name="opinions"
    )
    administrator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grant_opinions"
    )
    opinion = models.CharField("avis", max_length=12, choices=Opinion.choices)
    proposed_amount = grant_amount_field("montant proposé", default=Decimal("0"))
    comment = models.TextField("commentaire", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "avis d'administrateur"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "administrator"], name="one_opinion_per_administrator"
            ),
            amount_bounds("proposed_amount", "grant_opinion_amount_bounds"),
        ]

    def __str__(self):
        return f"{self.administrator} : {self.get_opinion_display()}"


class GrantPaymentQuerySet(models.QuerySet):
    def valid(self) -> "GrantPaymentQuerySet":
        """Not cancelled: what counts in the paid and remaining totals and in the figures."""
        return self.filter(cancelled_at__isnull=True)

    def visible_to(self, user) -> "GrantPaymentQuerySet":
        """Staff and board read every payment, cancelled ones included; a mandataire the
        valid payments of their coops' grants."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_mandataire:
            return self.valid().filter(application__in=GrantApplication.objects.visible_to(user))
        return self.none()


class GrantPayment(models.Model):
    """A payment (in one go or in parts) of a granted amount. Never deleted: a payment recorded
    by mistake is cancelled (who, when, why) and stays visible to the association; a correction
    is a cancellation and a new payment (`corrects` points to the cancelled one)."""

    application = models.ForeignKey(
        GrantApplication, on_delete=models.PROTECT, related_name="payments"
    )
    date = models.DateField("date du virement")
    amount = grant_amount_field("montant")
    reference = models.CharField("référence du virement", max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
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
    # Payments are never deleted (delete() refuses); SET_NULL only lets a bulk reset of the
    # data (demo, tests) go through.
    corrects = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="corrected_by",
        verbose_name="corrige le versement",
    )

    history = HistoricalRecords()
    objects = GrantPaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "versement d'aide"
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, amount__lte=MAX_GRANT_AMOUNT),
                name="grant_payment_amount_bounds",
                violation_error_message="Un versement va de 0,01 à 100 000 €.",
            ),
            # The same transfer is never recorded twice (a cancelled payment's reference may
            # be recorded again: the correction of a wrong amount keeps its transfer).
            models.UniqueConstraint(
                fields=["reference"],
                condition=Q(cancelled_at__isnull=True),
                name="grant_payment_unique_valid_reference",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True, cancelled_by__isnull=True)
                | Q(cancelled_at__isnull=False, cancelled_by__isnull=False) & ~Q(cancel_reason=""),
                name="grant_payment_cancelled_with_who_when_why",
                violation_error_message="Une annulation dit qui, quand et pourquoi.",
            ),
        ]

    def __str__(self):
        return f"{self.amount} € le {self.date:%d/%m/%Y} ({self.reference})"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def delete(self, *args, **kwargs):
        from django.core.exceptions import ValidationError

        raise ValidationError("Un versement n'est jamais supprimé : il est annulé.")

    def can_be_cancelled_by(self, user) -> bool:
        return user.is_secretariat and not self.is_cancelled


def last_crfs_balance(coop: Cooperative) -> Decimal | None:
    """The closing balance of the coop's last received CRFS (None: the solidarity form then
    relies on the balance the applicant typed)."""
    return Crfs.objects.last_balance(coop)


# --- Trousse à projets pay-backs, municipal subsidies, insurance claims ----------------------


class CoopScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_mandataire:
            return self.filter(cooperative__in=Cooperative.objects.visible_to(user))
        return self.none()

    def of_year(self, year: SchoolYear, field: str = "date"):
        return self.filter(**{f"{field}__range": (year.start_date, year.end_date)})


class TroussePayback(models.Model):
    """A project funded on the Trousse à projets platform: what was collected and what the
    association paid back to the coop."""

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="trousse_paybacks",
        verbose_name="coopérative",
    )
    title = models.CharField("projet", max_length=200)
    collected = grant_amount_field("montant collecté")
    fees = grant_amount_field("frais de la plateforme", default=Decimal("0"))
    paid_back = grant_amount_field("montant reversé")
    date = models.DateField("reversé le")
    reference = models.CharField("référence", max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "reversement Trousse à projets"
        verbose_name_plural = "reversements Trousse à projets"
        ordering = ["-date", "-pk"]
        constraints = [
            amount_bounds("collected", "trousse_payback_collected_bounds"),
            amount_bounds("fees", "trousse_payback_fees_bounds"),
            amount_bounds("paid_back", "trousse_payback_paid_bounds"),
            models.CheckConstraint(
                condition=Q(paid_back__lte=F("collected")),
                name="trousse_payback_within_collected",
                violation_error_message="Le montant reversé dépasse le montant collecté.",
            ),
        ]

    def __str__(self):
        return self.title


class InsuranceClaim(models.Model):
    """A claim (sinistre) filed with the MAE for a coop."""

    class Nature(models.TextChoices):
        BRIS = "bris", "Bris"
        VOL = "vol", "Vol"
        DEGAT_EAUX = "degat_eaux", "Dégât des eaux"
        ACCIDENT = "accident", "Accident"
        AUTRE = "autre", "Autre"

    class Status(models.TextChoices):
        DECLARED = "declare", "Déclaré"
        SENT = "transmis", "Transmis à l'assureur"
        PAID = "indemnise", "Indemnisé"
        REFUSED = "refuse", "Refusé"

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="insurance_claims",
        verbose_name="coopérative",
    )
    event_date = models.DateField("date du sinistre")
    nature = models.CharField("nature", max_length=12, choices=Nature.choices)
    description = models.TextField("circonstances", blank=True)
    amount_claimed = grant_amount_field("montant réclamé")
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.DECLARED
    )
    amount_paid = grant_amount_field("indemnité versée", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "sinistre"
        ordering = ["-event_date", "-pk"]
        constraints = [
            amount_bounds("amount_claimed", "insurance_claim_claimed_bounds"),
            amount_bounds("amount_paid", "insurance_claim_paid_bounds", null=True),
        ]

    def __str__(self):
        return f"{self.get_nature_display()} du {self.event_date:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("finances:claim_detail", args=[self.pk])


class InsuranceClaimDocument(models.Model):
    """A document of a claim (declaration, photo, invoice): PDF, JPEG or PNG by its content.
    Read through the claim's scoped query only (another coop's: 404)."""

    class Kind(models.TextChoices):
        DECLARATION = "declaration", "Déclaration"
        PHOTO = "photo", "Photo"
        INVOICE = "facture", "Facture ou devis"
        OTHER = "autre", "Autre pièce"

    claim = models.ForeignKey(
        InsuranceClaim, on_delete=models.CASCADE, related_name="documents", verbose_name="sinistre"
    )
    kind = models.CharField("nature de la pièce", max_length=12, choices=Kind.choices)
    file = models.FileField("fichier", upload_to=private_upload_path, max_length=255)
    name = models.CharField("nom", max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "pièce d'un sinistre"
        verbose_name_plural = "pièces des sinistres"
        ordering = ["pk"]

    def __str__(self):
        return self.name


def grants_of_last_years(coop_ids, before: datetime.date, years: int = 3) -> dict[int, Decimal]:
    """{coop id: amount granted} over the `years` years before `before` (one query)."""
    since = before.replace(year=before.year - years)
    rows = (
        GrantApplication.objects.granted()
        .filter(cooperative_id__in=coop_ids, session__date__gte=since, session__date__lt=before)
        .values("cooperative_id")
        .annotate(total=Sum("granted_amount"))
    )
    return {row["cooperative_id"]: row["total"] for row in rows}


class MunicipalSubsidy(models.Model):
    """A subsidy paid by a commune to a coop, typed in by the secretariat (source « saisie »).
    The other source is the commune subsidies category of the coops' accepted CRFS (source
    « CRFS », see `subsidies_of_year`)."""

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="municipal_subsidies",
        verbose_name="coopérative",
    )
    commune = models.CharField("commune", max_length=100)
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name="année scolaire"
    )
    amount = grant_amount_field("montant")
    purpose = models.CharField("objet", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "subvention communale"
        verbose_name_plural = "subventions communales"
        ordering = ["-school_year__start_year", "commune", "pk"]
        constraints = [amount_bounds("amount", "municipal_subsidy_amount_bounds")]

    def __str__(self):
        return f"{self.commune} : {self.amount} €"


# --- Municipal subsidies: typed in (« saisie ») and from the accepted CRFS (« CRFS ») ---------

SOURCE_TYPED, SOURCE_CRFS = "saisie", "CRFS"
# The rule against counting a coop twice: for a coop and a year, its accepted CRFS showing a
# commune subsidy is the coop's whole account of the year, checked by the association, so
# it counts; what was typed in for that coop and year is listed but not counted. A coop
# without an accepted CRFS, or whose CRFS shows no commune subsidy, counts what was typed.
DOUBLE_COUNT_RULE = (
    "Une coopérative n'est comptée qu'une fois par année : si son compte rendu financier "
    "accepté de l'année montre une subvention de la commune, c'est ce montant (source "
    "« CRFS ») qui compte, et les subventions saisies pour elle cette année-là sont affichées "
    "sans être comptées ; sinon, ce sont les subventions saisies (source « saisie »)."
)


def crfs_municipal_subsidies(year: SchoolYear, cooperatives=None) -> dict[int, Decimal]:
    """{coop id: amount} of the commune subsidies category (by its label, or its account 7474
    if the secretariat renamed it) in the year's accepted CRFS, read through the CRFS's public
    queryset methods (one query). `cooperatives`: a queryset to restrict to (a user's)."""
    from .crfs import MUNICIPAL_SUBSIDY, CrfsLine, Kind

    accepted = Crfs.objects.of_year(year).accepted()
    if cooperatives is not None:
        accepted = accepted.filter(cooperative__in=cooperatives)
    rows = (
        CrfsLine.objects.filter(
            crfs__in=accepted,
            category__kind=Kind.INCOME,
            amount__gt=0,
        )
        .filter(Q(category__label=MUNICIPAL_SUBSIDY) | Q(category__account_code="7474"))
        .values_list("crfs__cooperative_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return dict(rows)


def subsidies_of_year(year: SchoolYear, user=None) -> dict:
    """The year's municipal subsidies from both sources, without counting a coop twice
    (DOUBLE_COUNT_RULE). `user`: only what they may read. Three queries.

    {"rows": [{"cooperative", "commune", "purpose", "amount", "source", "counted"}],
     "amount", "coops", "typed_amount", "typed_coops", "crfs_amount", "crfs_coops",
     "set_aside": typed amount not counted because the CRFS counts}
    """
    coops = None
    if user is not None and not user.sees_everything:
        coops = Cooperative.objects.visible_to(user)
    from_crfs = crfs_municipal_subsidies(year, coops)
    typed = MunicipalSubsidy.objects.filter(school_year=year).select_related("cooperative")
    if coops is not None:
        typed = typed.filter(cooperative__in=coops)
    rows = []
    typed_amount = set_aside = Decimal("0")
    typed_coops = set()
    for subsidy in typed:
        counted = subsidy.cooperative_id not in from_crfs
        if counted:
            typed_amount += subsidy.amount
            typed_coops.add(subsidy.cooperative_id)
        else:
            set_aside += subsidy.amount
        rows.append(
            {
                "cooperative": subsidy.cooperative,
                "commune": subsidy.commune,
                "purpose": subsidy.purpose,
                "amount": subsidy.amount,
                "source": SOURCE_TYPED,
                "counted": counted,
            }
        )
    for coop in Cooperative.objects.filter(pk__in=from_crfs):
        rows.append(
            {
                "cooperative": coop,
                "commune": coop.commune,
                "purpose": "Compte rendu financier accepté",
                "amount": from_crfs[coop.pk],
                "source": SOURCE_CRFS,
                "counted": True,
            }
        )
    rows.sort(key=lambda row: (row["cooperative"].number, row["source"] != SOURCE_CRFS))
    crfs_amount = sum(from_crfs.values(), Decimal("0"))
    return {
        "rows": rows,
        "amount": typed_amount + crfs_amount,
        "coops": len(typed_coops | set(from_crfs)),
        "typed_amount": typed_amount,
        "typed_coops": len(typed_coops),
        "crfs_amount": crfs_amount,
        "crfs_coops": len(from_crfs),
        "set_aside": set_aside,
    }
