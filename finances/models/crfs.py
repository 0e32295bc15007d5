"""The coops' annual financial reports (CRFS, compte rendu financier) and the checks computed on
them: figures as typed, never corrected, with each check and flag shown beside them.

A CRFS covers one coop's accounting year (the school year, 1 September to 31 August). The
flags that open the board's controls (paper, no quitus, high bank balance, gap between the
books and the bank) are computed both in Python (one CRFS, `flags()`) and in SQL
(`CrfsQuerySet.flagged(reason)`, for the pages and figures): `flag_conditions` is the one
definition of each threshold rule.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Abs
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cooperatives.models import Cooperative
from occe.core.models import Association, SchoolYear, private_upload_path

# A coop's yearly figures stay far below this; the bound rejects a mistyped extra digit or two.
MAX_CRFS_AMOUNT = Decimal("9999999.99")
# A balance (opening, per the books, at the bank) may be negative: an overdrawn account. Down
# to this, far below any coop's overdraft; other amounts are never negative.
MIN_CRFS_BALANCE = Decimal("-1000000.00")
BALANCE_FIELDS = ("opening_balance", "closing_balance", "bank_balance")
CENT = Decimal("0.01")
# The conseil de coopérative approves the accounts after the year closes, by the autumn.
APPROVAL_GRACE_DAYS = 122  # up to 31 December after the 31 August closing


def crfs_amount(label: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=9,
        decimal_places=2,
        validators=[
            MinValueValidator(Decimal("0"), "Le montant ne peut pas être négatif."),
            MaxValueValidator(MAX_CRFS_AMOUNT, "Montant anormalement élevé."),
        ],
        **kwargs,
    )


def crfs_balance(label: str, **kwargs) -> models.DecimalField:
    """A balance, negative when the account is overdrawn."""
    return models.DecimalField(
        label,
        max_digits=9,
        decimal_places=2,
        validators=[
            MinValueValidator(MIN_CRFS_BALANCE, "Solde négatif anormalement élevé."),
            MaxValueValidator(MAX_CRFS_AMOUNT, "Montant anormalement élevé."),
        ],
        **kwargs,
    )


def amount_bounds(
    name: str, prefix: str, minimum: Decimal = Decimal("0")
) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{name}__gte": minimum, f"{name}__lte": MAX_CRFS_AMOUNT}),
        name=f"{prefix}_{name}_bounds",
    )


def due_date(year: SchoolYear, association: Association | None = None) -> datetime.date:
    """The day the CRFS of a year is due: an association setting (30 September after the
    31 August closing by default). Pass `association` when it is already read: one query
    per page, never one per row."""
    return (association or Association.get()).crfs_due_date(year)


class Kind(models.TextChoices):
    INCOME = "produit", "Produits"
    EXPENSE = "charge", "Charges"


# OCCE's usual categories (issue 8); the secretariat may rename them, add or retire some.
DEFAULT_CATEGORIES = [
    (Kind.INCOME, "Participations volontaires des familles", "7561"),
    (Kind.INCOME, "Produits des activités éducatives (sorties, spectacles)", "706"),
    (Kind.INCOME, "Ventes de produits pour cession (photos, objets)", "707"),
    (Kind.INCOME, "Subventions de la commune", "7474"),
    (Kind.INCOME, "Subventions des autres collectivités", "7473"),
    (Kind.INCOME, "Subventions de l'État", "741"),
    (Kind.INCOME, "Dons", "7541"),
    (Kind.INCOME, "Produits financiers", "76"),
    (Kind.INCOME, "Autres produits", "758"),
    (Kind.EXPENSE, "Achats pour activités éducatives", "6068"),
    (Kind.EXPENSE, "Sorties et voyages (transport, entrées)", "6251"),
    (Kind.EXPENSE, "Achats de produits pour cession", "607"),
    (Kind.EXPENSE, "Cotisations et assurance versées à l'OCCE", "6281"),
    (Kind.EXPENSE, "Frais bancaires", "627"),
    (Kind.EXPENSE, "Achats de biens durables", "2184"),
    (Kind.EXPENSE, "Autres charges", "658"),
]
MUNICIPAL_SUBSIDY = "Subventions de la commune"


class CrfsCategoryQuerySet(models.QuerySet):
    def ensure_defaults(self) -> "CrfsCategoryQuerySet":
        """The categories, the usual ones created on first use (an empty table only)."""
        if not self.model.objects.exists():
            self.model.objects.bulk_create(
                self.model(kind=kind, label=label, account_code=code, order=index)
                for index, (kind, label, code) in enumerate(DEFAULT_CATEGORIES)
            )
        return self.model.objects.filter(active=True)


class CrfsCategory(models.Model):
    """An income or expense category of the CRFS (an association setting)."""

    Kind = Kind

    kind = models.CharField("nature", max_length=10, choices=Kind.choices)
    label = models.CharField("libellé", max_length=150)
    account_code = models.CharField("numéro de compte", max_length=10, blank=True)
    order = models.PositiveSmallIntegerField("ordre", default=0)
    active = models.BooleanField("proposée", default=True)

    objects = CrfsCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = "catégorie du compte rendu financier"
        verbose_name_plural = "catégories du compte rendu financier"
        ordering = ["kind", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "label"], name="crfs_category_unique")
        ]

    def __str__(self):
        return self.label


class Status(models.TextChoices):
    DRAFT = "brouillon", "Brouillon"
    SUBMITTED = "soumis", "Reçu"
    TO_CORRECT = "a_corriger", "À corriger"
    ACCEPTED = "accepte", "Accepté"


# Received by the association: these count as "rendu" and are checked for flags.
RECEIVED = [Status.SUBMITTED, Status.TO_CORRECT, Status.ACCEPTED]


class Format(models.TextChoices):
    ONLINE = "en_ligne", "En ligne"
    SOFTWARE = "logiciel", "Export du logiciel"
    PAPER = "papier", "Papier"


class Reason(models.TextChoices):
    """Why a coop is flagged, and why a control is opened."""

    PAPER = "papier", "Compte rendu sur papier"
    NO_QUITUS = "sans_quitus", "Sans quitus"
    HIGH_BALANCE = "solde_eleve", "Solde bancaire élevé"
    BANK_GAP = "ecart_banque", "Écart comptabilité / banque"
    NOT_RETURNED = "non_rendu", "CRFS non rendu"
    ON_REQUEST = "sur_demande", "Sur demande"


# The four reasons computed from a received CRFS (the seed report's 13 controls).
CRFS_REASONS = [Reason.PAPER, Reason.NO_QUITUS, Reason.HIGH_BALANCE, Reason.BANK_GAP]


def gap_expression():
    """|books − bank + pending|: what the bank statement does not explain."""
    return Abs(F("closing_balance") - F("bank_balance") + F("pending_amount"))


def flag_conditions(association: Association) -> dict[str, Q]:
    """The SQL condition of each flag on a received CRFS annotated with `books_bank_gap`
    (`CrfsQuerySet.with_gap`). A threshold exactly reached is not flagged; one cent over is."""
    return {
        Reason.PAPER: Q(format=Format.PAPER),
        Reason.NO_QUITUS: Q(quitus=False),
        Reason.HIGH_BALANCE: Q(bank_balance__gt=association.control_high_balance),
        Reason.BANK_GAP: Q(books_bank_gap__gt=association.control_gap),
    }


@dataclass
class Check:
    """One check beside the figures: `ok`, and a French sentence with the figures behind it."""

    key: str
    label: str
    ok: bool
    message: str
    warning: bool = False  # shown, never blocking (e.g. opening ≠ last year's closing)


@dataclass
class Flag:
    reason: str
    label: str
    detail: str
    figures: dict = field(default_factory=dict)


class CrfsQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CrfsQuerySet":
        """Staff and board read every CRFS; a mandataire their coops' ones."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_mandataire:
            return self.filter(cooperative__in=Cooperative.objects.visible_to(user))
        return self.none()

    def of_year(self, year: SchoolYear) -> "CrfsQuerySet":
        return self.filter(school_year=year)

    def received(self) -> "CrfsQuerySet":
        return self.filter(status__in=RECEIVED)

    def accepted(self) -> "CrfsQuerySet":
        return self.filter(status=Status.ACCEPTED)

    def with_gap(self) -> "CrfsQuerySet":
        return self.annotate(books_bank_gap=gap_expression())

    def flagged(self, reason: str, association: Association | None = None) -> "CrfsQuerySet":
        """Received CRFS raising the flag `reason` (one of CRFS_REASONS)."""
        conditions = flag_conditions(association or Association.get())
        return self.received().with_gap().filter(conditions[reason])

    def any_flag(self, association: Association | None = None) -> "CrfsQuerySet":
        conditions = flag_conditions(association or Association.get())
        condition = Q()
        for reason in CRFS_REASONS:
            condition |= conditions[reason]
        return self.received().with_gap().filter(condition)

    def last_balance(self, cooperative: Cooperative) -> Decimal | None:
        """The closing balance per the books of the coop's latest received CRFS (None if
        none): what other parts of finances (grants) read as the coop's known balance."""
        return self.last_balances([cooperative.pk]).get(cooperative.pk)

    def last_balances(self, cooperative_ids) -> dict[int, Decimal]:
        """{coop id: last_balance} for several coops in one query (the commission's page)."""
        rows = (
            self.filter(cooperative_id__in=cooperative_ids)
            .received()
            .order_by("cooperative_id", "-school_year__start_year")
            .values_list("cooperative_id", "closing_balance")
        )
        balances: dict[int, Decimal] = {}
        for cooperative_id, balance in rows:
            balances.setdefault(cooperative_id, balance)
        return balances


class Crfs(models.Model):
    """One coop's annual financial report for one school year."""

    Status = Status
    Format = Format

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="crfs", verbose_name="coopérative"
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name="exercice"
    )
    status = models.CharField("état", max_length=12, choices=Status.choices, default=Status.DRAFT)
    format = models.CharField("forme", max_length=10, choices=Format.choices, default=Format.ONLINE)
    opening_balance = crfs_balance("solde d'ouverture au 1er septembre", default=Decimal("0"))
    income_total = crfs_amount("total des produits", default=Decimal("0"))
    expense_total = crfs_amount("total des charges", default=Decimal("0"))
    closing_balance = crfs_balance("solde comptable au 31 août", default=Decimal("0"))
    bank_balance = crfs_balance("solde bancaire au 31 août", default=Decimal("0"))
    pending_amount = crfs_amount(
        "chèques non encaissés et opérations en attente", default=Decimal("0")
    )
    statement = models.FileField(
        "relevé bancaire au 31 août", upload_to=private_upload_path, max_length=255, blank=True
    )
    approval_date = models.DateField(
        "date d'approbation par le conseil de coopérative", null=True, blank=True
    )
    verifier1_name = models.CharField("vérificateur 1 — nom", max_length=150, blank=True)
    verifier1_quality = models.CharField("vérificateur 1 — qualité", max_length=100, blank=True)
    verifier2_name = models.CharField("vérificateur 2 — nom", max_length=150, blank=True)
    verifier2_quality = models.CharField("vérificateur 2 — qualité", max_length=100, blank=True)
    quitus = models.BooleanField("quitus donné", default=False)
    quitus_date = models.DateField("date du quitus", null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="saisi par",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)
    submitted_at = models.DateTimeField("reçu le", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="transmis par",
    )
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="décidé par",
    )
    correction_reason = models.TextField("motif de la demande de correction", blank=True)

    history = HistoricalRecords()
    objects = CrfsQuerySet.as_manager()

    AMOUNT_FIELDS = (
        "opening_balance",
        "income_total",
        "expense_total",
        "closing_balance",
        "bank_balance",
        "pending_amount",
    )

    class Meta:
        verbose_name = "compte rendu financier"
        verbose_name_plural = "comptes rendus financiers"
        ordering = ["-school_year__start_year", "cooperative__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "school_year"], name="crfs_one_per_coop_and_year"
            ),
            *[
                amount_bounds(name, "crfs", MIN_CRFS_BALANCE if name in BALANCE_FIELDS else 0)
                for name in (
                    "opening_balance",
                    "income_total",
                    "expense_total",
                    "closing_balance",
                    "bank_balance",
                    "pending_amount",
                )
            ],
        ]

    def __str__(self):
        return f"CRFS {self.school_year} — {self.cooperative}"

    def get_absolute_url(self) -> str:
        return reverse("finances:crfs_detail", args=[self.pk])

    # Rules about who may do what with this CRFS.
    @property
    def is_editable(self) -> bool:
        return self.status in (Status.DRAFT, Status.TO_CORRECT)

    def can_be_edited_by(self, user) -> bool:
        """The coop's mandataire while it is a draft or sent back; the secretariat too (a paper
        form typed in, or a correction on the phone)."""
        if not self.is_editable:
            return user.is_secretariat and self.status == Status.SUBMITTED
        return user.is_secretariat or (user.is_mandataire and self.cooperative.has_mandataire(user))

    def can_be_submitted_by(self, user) -> bool:
        return self.is_editable and self.can_be_edited_by(user)

    def can_be_decided_by(self, user) -> bool:
        return user.is_secretariat and self.status == Status.SUBMITTED

    # Figures computed, never stored apart from what was typed.
    @property
    def computed_closing(self) -> Decimal:
        return self.opening_balance + self.income_total - self.expense_total

    @property
    def gap(self) -> Decimal:
        return abs(self.closing_balance - self.bank_balance + self.pending_amount)

    def previous(self) -> "Crfs | None":
        return (
            Crfs.objects.filter(
                cooperative_id=self.cooperative_id,
                school_year__start_year=self.school_year.start_year - 1,
            )
            .received()
            .first()
        )

    def checks(self, association: Association | None = None, previous=False) -> list[Check]:
        """The checks shown beside the figures. `previous`: the last year's CRFS (False: look
        it up; None: there is none)."""
        from occe.core.formats import date_fr, euros

        association = association or Association.get()
        checks = []
        computed = self.computed_closing
        checks.append(
            Check(
                "equilibre",
                "Solde d'ouverture + produits − charges = solde comptable",
                computed == self.closing_balance,
                f"{euros(self.opening_balance)} + {euros(self.income_total)} − "
                f"{euros(self.expense_total)} = {euros(computed)}"
                + (
                    ""
                    if computed == self.closing_balance
                    else f", le solde comptable indiqué est {euros(self.closing_balance)}"
                    f" (différence {euros(abs(computed - self.closing_balance))})"
                ),
            )
        )
        gap = self.gap
        checks.append(
            Check(
                "ecart",
                "Comptabilité et banque concordent",
                gap <= association.control_gap,
                f"Solde comptable {euros(self.closing_balance)}, solde bancaire "
                f"{euros(self.bank_balance)}, opérations en attente {euros(self.pending_amount)} : "
                f"écart {euros(gap)} (seuil {euros(association.control_gap)})",
            )
        )
        checks.append(
            Check(
                "solde",
                "Solde bancaire sous le seuil",
                self.bank_balance <= association.control_high_balance,
                f"Solde bancaire {euros(self.bank_balance)} "
                f"(seuil {euros(association.control_high_balance)})",
            )
        )
        checks.append(
            Check(
                "quitus",
                "Quitus donné",
                self.quitus,
                (
                    f"Quitus donné le {date_fr(self.quitus_date)}"
                    if self.quitus and self.quitus_date
                    else "Quitus donné"
                    if self.quitus
                    else "Pas de quitus des vérificateurs aux comptes"
                ),
            )
        )
        year = self.school_year
        latest = year.end_date + datetime.timedelta(days=APPROVAL_GRACE_DAYS)
        approval_ok = bool(self.approval_date and year.start_date <= self.approval_date <= latest)
        checks.append(
            Check(
                "approbation",
                "Approbation par le conseil de coopérative",
                approval_ok,
                (
                    f"Approuvé le {date_fr(self.approval_date)}"
                    if self.approval_date
                    else "Date d'approbation non indiquée"
                )
                + (
                    ""
                    if approval_ok
                    else f" (attendue entre le {date_fr(year.start_date)} et le {date_fr(latest)})"
                ),
            )
        )
        if previous is False:
            previous = self.previous()
        if previous is not None:
            same = previous.closing_balance == self.opening_balance
            checks.append(
                Check(
                    "ouverture",
                    "Solde d'ouverture = solde de clôture de l'an dernier",
                    same,
                    f"Solde de clôture {previous.school_year} : {euros(previous.closing_balance)}",
                    warning=True,
                )
            )
        return checks

    def flags(self, association: Association | None = None) -> list[Flag]:
        """The reasons this received CRFS is flagged, each with the figures behind it."""
        from occe.core.formats import euros

        if self.status not in RECEIVED:
            return []
        association = association or Association.get()
        flags = []
        if self.format == Format.PAPER:
            flags.append(Flag(Reason.PAPER, Reason.PAPER.label, "Compte rendu reçu sur papier"))
        if not self.quitus:
            flags.append(Flag(Reason.NO_QUITUS, Reason.NO_QUITUS.label, "Quitus non donné"))
        if self.bank_balance > association.control_high_balance:
            flags.append(
                Flag(
                    Reason.HIGH_BALANCE,
                    Reason.HIGH_BALANCE.label,
                    f"Solde bancaire {euros(self.bank_balance)} > "
                    f"{euros(association.control_high_balance)}",
                    {"solde_bancaire": self.bank_balance},
                )
            )
        gap = self.gap
        if gap > association.control_gap:
            flags.append(
                Flag(
                    Reason.BANK_GAP,
                    Reason.BANK_GAP.label,
                    f"Écart {euros(gap)} > {euros(association.control_gap)}",
                    {"ecart": gap},
                )
            )
        return flags

    def is_late(self, due: datetime.date, today: datetime.date | None = None) -> bool:
        """Received after `due` (the year's `due_date`, read once per page), or still not
        received once it has passed. No query."""
        received = self.submitted_at if self.status in RECEIVED else None
        day = timezone.localdate(received) if received else (today or timezone.localdate())
        return day > due


class CrfsLine(models.Model):
    """The amount of one category in a CRFS (income or expense)."""

    crfs = models.ForeignKey(Crfs, on_delete=models.CASCADE, related_name="lines")
    category = models.ForeignKey(
        CrfsCategory,
        on_delete=models.PROTECT,
        related_name="crfs_lines",
        verbose_name="catégorie",
    )
    amount = crfs_amount("montant")

    class Meta:
        verbose_name = "ligne du compte rendu financier"
        constraints = [
            models.UniqueConstraint(fields=["crfs", "category"], name="crfs_line_unique"),
            amount_bounds("amount", "crfs_line"),
        ]

    def __str__(self):
        return f"{self.category} : {self.amount}"


class CrfsReminder(models.Model):
    """One e-mail reminding a coop that its CRFS of a year has not been received."""

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="crfs_reminders",
        verbose_name="coopérative",
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name="exercice"
    )
    sent_on = models.DateField("envoyée le", default=timezone.localdate)
    recipients = models.TextField("destinataires", blank=True)
    job = models.ForeignKey(
        "core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "relance de compte rendu financier"
        ordering = ["-sent_on", "-pk"]
        constraints = [
            # A reminder run started twice (or resumed) never e-mails a coop twice the same day.
            models.UniqueConstraint(
                fields=["cooperative", "school_year", "sent_on"], name="crfs_reminder_once_a_day"
            )
        ]

    def __str__(self):
        return f"Relance CRFS {self.school_year} — {self.cooperative}"
