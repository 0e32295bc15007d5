"""Donation receipts: a cooperative's request (demande de reçus), its lines (one gift each), the
receipts issued on validation and their gapless numbering. Their PDFs are rendered by a core Job
of kind RENDER_JOB (finances/tasks/receipts.py) linked to the request."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, Value, When
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cooperatives.models import Cooperative, Mandate
from occe.core.spreadsheets import normalize_header

amount_field = {"max_digits": 12, "decimal_places": 2}

# One gift: more than zero, at most 100 000 €. A school cooperative's gifts are tens or hundreds
# of euros (OCCE 92: 150 859 € over 508 requests in a year); a company's sponsorship of a class
# trip reaches a few thousand. Above 100 000 € it is a typing error, never a gift to a coop.
MAX_GIFT_AMOUNT = Decimal("100000.00")
# Gifts in one request. The largest real request is a school fair's, one gift per family: a big
# school has about 400 families. The edit form and the file import stop at 500, so a forged
# form asking for 100 000 lines is refused at once instead of building them all.
MAX_LINES = 500
# A summary receipt adds up one donor's gifts of a request.
MAX_RECEIPT_AMOUNT = MAX_GIFT_AMOUNT * MAX_LINES


# The kind of core Job that renders a request's receipts (declared in finances/tasks/receipts.py).
RENDER_JOB = "finances.render_receipts"


class DonorType(models.TextChoices):
    PARTICULIER = "particulier", "Particulier"
    ENTREPRISE = "entreprise", "Entreprise"


class PaymentMethod(models.TextChoices):
    ESPECES = "especes", "Remise d'espèces"
    CHEQUE = "cheque", "Chèque"
    VIREMENT = "virement", "Virement, prélèvement, carte bancaire"


class GiftForm(models.TextChoices):
    ACTE_AUTHENTIQUE = "acte_authentique", "Acte authentique"
    SEING_PRIVE = "seing_prive", "Acte sous seing privé"
    DON_MANUEL = "don_manuel", "Déclaration de don manuel"
    AUTRES = "autres", "Autres"


class GiftNature(models.TextChoices):
    """The "nature du don" boxes of Cerfa 11580*05 (2023): the expenses volunteers give up and
    the income expressly given up have their own boxes; "autres" is a gift in kind."""

    NUMERAIRE = "numeraire", "Numéraire"
    TITRES = "titres", "Titres de sociétés cotés"
    ABANDON_REVENUS = "abandon_revenus", "Abandon exprès de revenus ou de produits"
    FRAIS_BENEVOLES = (
        "frais_benevoles",
        "Frais engagés par les bénévoles, dont ils renoncent expressément au remboursement",
    )
    AUTRES = "autres", "Autres (dons en nature)"


# The company form (Cerfa 16216*01) has no box for what only individuals give.
COMPANY_NATURES = [GiftNature.NUMERAIRE, GiftNature.TITRES, GiftNature.AUTRES]


class Channel(models.TextChoices):
    COOPERATIVE = "cooperative", "Demande de la coopérative"
    TROUSSE = "trousse", "Trousse à projets"


# Who gave: the same fields on a line, on its receipt and in the forms.
DONOR_FIELDS = [
    "donor_type",
    "last_name",
    "first_name",
    "company_name",
    "legal_form",
    "siren",
    "address",
    "postal_code",
    "city",
    "country",
    "email",
]


def normalize(text: str) -> str:
    """A name compared between gifts: the header normalisation, and "Jean-Pierre" is
    "Jean Pierre"."""
    return normalize_header(str(text or "").replace("-", " "))


class DonationRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DonationRequestQuerySet":
        return self.filter(cooperative__in=Cooperative.objects.visible_to(user))

    def editable_by(self, user) -> "DonationRequestQuerySet":
        """Mirrors `DonationRequest.can_be_edited_by`: drafts and requests to correct, of the
        coops the user holds a mandate of (all of them for the secretariat)."""
        if not user.is_authenticated:
            return self.none()
        editable = self.filter(status__in=DonationRequest.EDITABLE)
        if user.is_secretariat:
            return editable
        own = Mandate.objects.current().filter(user=user).values("cooperative")
        return editable.filter(cooperative__in=own)

    def status_counts(self) -> dict[str, int]:
        """{status: number of requests}, in one query (the list's tabs and the home cards)."""
        return dict(self.order_by().values_list("status").annotate(n=Count("pk")))


class DonationRequest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Brouillon"
        SUBMITTED = "submitted", "Soumise"
        TO_CORRECT = "to_correct", "À corriger"
        VALIDATED = "validated", "Validée"
        REJECTED = "rejected", "Rejetée"

    EDITABLE = (Status.DRAFT, Status.TO_CORRECT)

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="donation_requests",
        verbose_name="coopérative",
    )
    channel = models.CharField(
        "canal", max_length=20, choices=Channel.choices, default=Channel.COOPERATIVE
    )
    status = models.CharField(
        "statut", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    group_by_donor = models.BooleanField(
        "reçu récapitulatif annuel",
        default=False,
        help_text="Regrouper les dons d'un même donateur sur une année civile en un seul reçu.",
    )
    email_donors = models.BooleanField(
        "envoyer les reçus aux donateurs par courriel",
        default=False,
        help_text="Pour les lignes qui ont un courriel.",
    )
    certified = models.BooleanField("attestation du mandataire", default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="soumise par",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="créée par",
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    submitted_at = models.DateTimeField("soumise le", null=True, blank=True)
    decided_at = models.DateTimeField("décision le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décision par",
    )
    reason = models.TextField("motif", blank=True)
    # The background jobs about the request (the rendering of its receipts' PDFs).
    jobs = GenericRelation("core.Job")

    objects = DonationRequestQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "demande de reçus"
        verbose_name_plural = "demandes de reçus"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Demande n° {self.pk} — {self.cooperative.number}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    def render_job(self):
        """The rendering job the request's page shows: the latest one not done (a failed or
        stuck job stays in sight until relaunched), else the latest one; None before any."""
        not_done = Case(When(status="done", then=Value(1)), default=Value(0))
        return self.jobs.filter(kind=RENDER_JOB).order_by(not_done, "-created_at", "-pk").first()

    # Who may do what (the views ask these; the templates show the buttons from them).
    def has_editor(self, user) -> bool:
        """Who fills the request in and corrects it: the secretariat, the coop's mandataires."""
        return user.is_secretariat or self.cooperative.has_mandataire(user)

    def can_be_edited_by(self, user) -> bool:
        return self.is_editable and self.has_editor(user)

    def can_be_deleted_by(self, user) -> bool:
        return self.status == self.Status.DRAFT and self.has_editor(user)

    def can_be_decided_by(self, user) -> bool:
        """Validated, sent back for correction or rejected by the secretariat (the services
        refuse a decision the status does not allow, with the reason)."""
        return user.is_secretariat


class DonationLineQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for line in objs:
            line.donor_index = line.compute_donor_index()
        return super().bulk_create(objs, *args, **kwargs)


class DonationLine(models.Model):
    """One gift, as typed by the mandataire. Fields may stay blank in a draft; `problems()` says
    what prevents submission."""

    request = models.ForeignKey(
        DonationRequest, on_delete=models.CASCADE, related_name="lines", verbose_name="demande"
    )
    position = models.PositiveIntegerField("ordre", default=0)
    donor_type = models.CharField(
        "type de donateur", max_length=20, choices=DonorType.choices, default=DonorType.PARTICULIER
    )
    last_name = models.CharField("nom", max_length=150, blank=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    company_name = models.CharField("raison sociale", max_length=200, blank=True)
    legal_form = models.CharField(
        "forme juridique", max_length=100, blank=True, help_text="Par exemple SARL, SAS, SA."
    )
    siren = models.CharField("SIREN", max_length=9, blank=True)
    address = models.CharField("adresse", max_length=250, blank=True)
    postal_code = models.CharField("code postal", max_length=10, blank=True)
    city = models.CharField("commune", max_length=100, blank=True)
    country = models.CharField("pays", max_length=100, blank=True, default="France")
    email = models.EmailField("courriel", blank=True)
    amount = models.DecimalField("montant", null=True, blank=True, **amount_field)
    date = models.DateField("date du don", null=True, blank=True)
    payment_method = models.CharField(
        "mode de versement", max_length=20, choices=PaymentMethod.choices, blank=True
    )
    form = models.CharField(
        "forme du don", max_length=20, choices=GiftForm.choices, default=GiftForm.DON_MANUEL
    )
    nature = models.CharField(
        "nature du don", max_length=20, choices=GiftNature.choices, default=GiftNature.NUMERAIRE
    )
    receipt = models.ForeignKey(
        "Receipt",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        verbose_name="reçu",
    )
    # The donor's normalised name (or SIREN): narrows the search for the same gift elsewhere.
    donor_index = models.CharField(max_length=200, blank=True, db_index=True, editable=False)

    objects = DonationLineQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["donor_index"])

    class Meta:
        verbose_name = "ligne de don"
        verbose_name_plural = "lignes de dons"
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True)
                | models.Q(amount__gt=0, amount__lte=MAX_GIFT_AMOUNT),
                name="donationline_amount_bounds",
                violation_error_message="Le montant d'un don est compris entre 0,01 € et "
                "100 000 €.",
            )
        ]

    def __str__(self):
        return f"{self.donor_name} — {self.amount}"

    def save(self, *args, **kwargs):
        self.donor_index = self.compute_donor_index()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "donor_index" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "donor_index"]
        super().save(*args, **kwargs)

    def compute_donor_index(self) -> str:
        return str(self.donor_key[1])[:200]

    @property
    def donor_name(self) -> str:
        if self.donor_type == DonorType.ENTREPRISE:
            return self.company_name
        return " ".join(p for p in [self.first_name, self.last_name] if p)

    @property
    def donor_key(self) -> tuple:
        if self.donor_type == DonorType.ENTREPRISE:
            return (self.donor_type, self.siren or normalize(self.company_name))
        return (
            self.donor_type,
            normalize(self.last_name),
            normalize(self.first_name),
            normalize(self.postal_code),
        )

    def missing_fields(self) -> list[str]:
        required = ["address", "postal_code", "city", "country", "amount", "date"]
        if self.donor_type == DonorType.ENTREPRISE:
            required = ["company_name", "legal_form", "siren", *required]
        else:
            required = ["last_name", "first_name", *required]
        if self.nature == GiftNature.NUMERAIRE:
            required.append("payment_method")
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in required
            if getattr(self, name) in (None, "")
        ]


class ReceiptCounter(models.Model):
    """The last number issued for a year. Locked with select_for_update by the transaction
    that issues receipts: a database sequence would leave gaps on rollback."""

    year = models.PositiveSmallIntegerField("année", unique=True)
    last_number = models.PositiveIntegerField("dernier numéro", default=0)
    # Taken from the association's settings at the first issue of the year and kept all year:
    # a change of setting mid-year must not break the year's series.
    prefix = models.CharField("préfixe des numéros", max_length=20, blank=True)

    class Meta:
        verbose_name = "compteur de reçus"
        verbose_name_plural = "compteurs de reçus"

    def __str__(self):
        return f"{self.year} : {self.last_number}"


IMMUTABLE_MESSAGE = (
    "Un reçu émis ne peut pas être modifié : annulez-le et émettez un reçu de remplacement."
)
# What may change after issue: the rendered file, the e-mail to the donor, the cancellation.
MUTABLE_FIELDS = {
    "pdf",
    "cancelled_pdf",
    "rendered_at",
    "email_status",
    "email_queued_at",
    "email_sent_at",
    "email_error",
    "cancelled_at",
    "cancelled_by",
    "cancelled_by_id",
    "cancel_reason",
}


class ReceiptQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReceiptQuerySet":
        return self.filter(cooperative__in=Cooperative.objects.visible_to(user))

    def valid(self):
        return self.filter(cancelled_at__isnull=True)

    # Bulk writes skip Receipt.save(): they are held to the same rule here.
    def update(self, **kwargs):
        if set(kwargs) - MUTABLE_FIELDS:
            raise ValidationError(IMMUTABLE_MESSAGE)
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if set(fields) - MUTABLE_FIELDS:
            raise ValidationError(IMMUTABLE_MESSAGE)
        return super().bulk_update(objs, fields, *args, **kwargs)

    def delete(self):
        raise ValidationError("Un reçu émis n'est jamais supprimé : il peut être annulé.")

    delete.queryset_only = True


# What a receipt says of the donor and the gift (a replacement starts from these).
GIFT_FIELDS = [
    *DONOR_FIELDS,
    "amount",
    "gift_date",
    "summary_year",
    "gifts",
    "form",
    "nature",
    "payment_method",
]

# Fields fixed at issue: once a receipt exists they never change.
ISSUED_FIELDS = [
    "year",
    "sequence",
    "number",
    "request_id",
    "cooperative_id",
    *GIFT_FIELDS,
    "issued_at",
    "issued_by_id",
    "replaces_id",
    "issuer",
]


class Receipt(models.Model):
    """A tax receipt. Never edited nor deleted once issued; a correction is a cancellation and a
    replacement with a new number."""

    class EmailStatus(models.TextChoices):
        NONE = "", "Non demandé"
        PENDING = "pending", "En attente"
        SENT = "sent", "Envoyé"
        FAILED = "failed", "Échec"

    year = models.PositiveSmallIntegerField("année d'émission")
    sequence = models.PositiveIntegerField("numéro dans l'année")
    number = models.CharField("numéro d'ordre", max_length=40, unique=True)
    request = models.ForeignKey(
        DonationRequest, on_delete=models.PROTECT, related_name="receipts", verbose_name="demande"
    )
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="receipts", verbose_name="coopérative"
    )
    donor_type = models.CharField("type de donateur", max_length=20, choices=DonorType.choices)
    last_name = models.CharField("nom", max_length=150, blank=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    company_name = models.CharField("raison sociale", max_length=200, blank=True)
    legal_form = models.CharField("forme juridique", max_length=100, blank=True)
    siren = models.CharField("SIREN", max_length=9, blank=True)
    address = models.CharField("adresse", max_length=250)
    postal_code = models.CharField("code postal", max_length=10)
    city = models.CharField("commune", max_length=100)
    country = models.CharField("pays", max_length=100)
    email = models.EmailField("courriel", blank=True)
    amount = models.DecimalField("montant", **amount_field)
    gift_date = models.DateField("date du don", null=True, blank=True)
    summary_year = models.PositiveSmallIntegerField("cumul de l'année", null=True, blank=True)
    # The gifts as printed (date, amount, mode), written at issue: a summary receipt's table is
    # read from here, never from the lines, which a later change must not reach.
    gifts = models.JSONField("dons reçus", default=list, blank=True)
    form = models.CharField("forme du don", max_length=20, choices=GiftForm.choices)
    nature = models.CharField("nature du don", max_length=20, choices=GiftNature.choices)
    payment_method = models.CharField(
        "mode de versement", max_length=20, choices=PaymentMethod.choices, blank=True
    )
    issued_at = models.DateTimeField("émis le")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="émis par",
    )
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name="remplace le reçu",
    )
    # The issuer as printed, frozen at issue (association, signatory, logo and signature copies,
    # cooperative): a later change of settings never rewrites an issued receipt.
    issuer = models.JSONField("émetteur à l'émission", default=dict, blank=True)

    # What may change after issue, each once (database triggers refuse anything else): the
    # rendered file, the cancellation and its marked file; the e-mail to the donor.
    pdf = models.FileField("PDF", max_length=255, blank=True)
    # The copy marked « ANNULÉ », the only one served once cancelled; `pdf` stays as an archive.
    cancelled_pdf = models.FileField("PDF annulé", max_length=255, blank=True)
    rendered_at = models.DateTimeField("PDF produit le", null=True, blank=True)
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="annulé par",
    )
    cancel_reason = models.TextField("motif d'annulation", blank=True)
    email_status = models.CharField(
        "envoi au donateur", max_length=10, choices=EmailStatus.choices, blank=True, default=""
    )
    email_queued_at = models.DateTimeField("envoi demandé le", null=True, blank=True)
    email_sent_at = models.DateTimeField("envoyé au donateur le", null=True, blank=True)
    email_error = models.CharField("erreur d'envoi", max_length=250, blank=True)
    # Set once, when the donor's identity is erased after the legal retention period (6 years
    # after the end of the year of issue): number, dates, amount and gifts stay; the triggers
    # of migration 0006 refuse it earlier, and any other change of the donor's columns.
    anonymised_on = models.DateField("donateur anonymisé le", null=True, blank=True)

    objects = ReceiptQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "reçu fiscal"
        verbose_name_plural = "reçus fiscaux"
        ordering = ["year", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="receipt_unique_sequence"),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, amount__lte=MAX_RECEIPT_AMOUNT),
                name="receipt_amount_bounds",
            ),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        if self.pk and not self._state.adding:
            stored = Receipt.objects.filter(pk=self.pk).values(*ISSUED_FIELDS).first()
            if stored:
                changed = [f for f in ISSUED_FIELDS if stored[f] != getattr(self, f)]
                if changed:
                    raise ValidationError(IMMUTABLE_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Un reçu émis n'est jamais supprimé : il peut être annulé.")

    @staticmethod
    def format_number(year: int, sequence: int, prefix: str = "") -> str:
        return f"{prefix}{year}-{sequence:06d}"

    @property
    def donor_name(self) -> str:
        if self.donor_type == DonorType.ENTREPRISE:
            return self.company_name
        return " ".join(p for p in [self.first_name, self.last_name] if p)

    @property
    def is_company(self) -> bool:
        return self.donor_type == DonorType.ENTREPRISE

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def can_be_managed_by(self, user) -> bool:
        """Cancelled (or replaced) and sent again by e-mail by the secretariat only."""
        return user.is_secretariat

    EMAIL_STUCK_AFTER = datetime.timedelta(hours=1)

    @property
    def email_can_be_retried(self) -> bool:
        """Failed, or still waiting an hour after it was asked for (a lost task)."""
        if not self.email or self.is_cancelled:
            return False
        if self.email_status == self.EmailStatus.PENDING:
            queued = self.email_queued_at or self.issued_at
            return queued < timezone.now() - self.EMAIL_STUCK_AFTER
        return bool(self.email_status)

    @property
    def date_label(self) -> str:
        if self.summary_year:
            return f"cumul {self.summary_year}"
        from occe.core.formats import date_fr

        return date_fr(self.gift_date)

    @staticmethod
    def gifts_of(lines: list[DonationLine]) -> list[dict]:
        """What a receipt prints of each gift it covers, as stored in `gifts` at issue."""
        return [
            {
                "date": line.date.isoformat(),
                "amount": str(line.amount),
                "payment_method": line.payment_method,
            }
            for line in sorted(lines, key=lambda line: (line.date, line.position, line.pk or 0))
        ]

    def gift_rows(self) -> list[dict]:
        """The frozen gifts with real dates and amounts, for printing."""
        methods = dict(PaymentMethod.choices)
        return [
            {
                "date": datetime.date.fromisoformat(gift["date"]),
                "amount": Decimal(gift["amount"]),
                "payment_method": methods.get(gift["payment_method"], ""),
            }
            for gift in self.gifts
        ]

    @property
    def filename(self) -> str:
        return f"recu-{self.number}.pdf"

    def pdf_relative_path(self, cancelled: bool = False) -> str:
        suffix = "-annule" if cancelled else ""
        return f"private/finances/recus/{self.year}/{self.number}{suffix}.pdf"

    @property
    def served_pdf(self):
        """The file a user downloads: once cancelled, only the copy marked « ANNULÉ »."""
        return self.cancelled_pdf if self.is_cancelled else self.pdf

    def missing_files(self) -> list[bool]:
        """Which renderings are still to do: the original (False) and, once cancelled, the
        marked copy (True)."""
        missing = [] if self.pdf else [False]
        if self.is_cancelled and not self.cancelled_pdf:
            missing.append(True)
        return missing


def gift_age_limit(today: datetime.date, months: int) -> datetime.date:
    month = today.month - months
    year = today.year
    while month <= 0:
        month += 12
        year -= 1
    day = min(today.day, 28)
    return datetime.date(year, month, day)
