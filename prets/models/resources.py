"""What the association lends: resources, their contents, photos and copies, and the incidents
found on a copy when it comes back."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from occe.core.formats import date_fr

MAX_ADVANCE_DAYS = 365


class ResourceKind(models.TextChoices):
    # The values are the stable slugs of the report's keys (`prets.<kind>.jours`): never rename.
    MALLE = "malle_thematique", "Malle thématique"
    JEUX = "jeux_cooperatifs", "Jeux coopératifs"
    PRE_CINEMA = "pre_cinema", "Mallette de pré-cinéma"
    PRISE_DE_VUE = "prise_de_vue_et_son", "Matériel de prise de vue et de son"
    LOTO = "loto", "Loto"
    KIT = "kit_pedagogique", "Kit pédagogique"
    OUVRAGES = "ouvrages", "Ouvrages"


class Theme(models.Model):
    """A pedagogical action a resource serves, by name (« Les Écoles qui filment », « THEA »).

    TODO(actions): the `actions` app will hold the actions themselves; this then becomes a link
    to them (each name maps to one action), and the catalogue's filter follows.
    """

    name = models.CharField("action pédagogique", max_length=120, unique=True)

    class Meta:
        verbose_name = "action servie"
        verbose_name_plural = "actions servies"
        ordering = ["name"]

    def __str__(self):
        return self.name


class ResourceQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ResourceQuerySet":
        """Staff and board see every resource (withdrawn ones too); everyone else the
        catalogue."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        return self.filter(on_catalogue=True)

    def editable_by(self, user) -> "ResourceQuerySet":
        return self if user.is_authenticated and user.is_staff_member else self.none()


class Resource(models.Model):
    class Borrowers(models.TextChoices):
        COOPERATIVES = "cooperatives", "Les coopératives (réservation par leur mandataire)"
        TEACHERS = "enseignants", "Les coopératives et les enseignants"
        STAFF = "equipe", "Sur demande : l'équipe réserve pour la coopérative"

    kind = models.CharField("type", max_length=30, choices=ResourceKind.choices)
    title = models.CharField("titre", max_length=150)
    description = models.TextField("description", blank=True)
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="resources", verbose_name="actions servies"
    )
    max_loan_days = models.PositiveSmallIntegerField(
        "durée maximale d'un prêt (jours)",
        default=21,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    checking_delay_days = models.PositiveSmallIntegerField(
        "délai entre deux prêts (jours)",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Rendu le 10, un exemplaire avec un délai de 2 jours peut repartir le 12 "
        "(le temps de le vérifier).",
    )
    borrowers = models.CharField(
        "qui peut emprunter",
        max_length=20,
        choices=Borrowers.choices,
        default=Borrowers.COOPERATIVES,
    )
    on_catalogue = models.BooleanField("au catalogue", default=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)

    history = HistoricalRecords()
    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = "ressource"
        ordering = ["kind", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_loan_days__gte=1, max_loan_days__lte=365),
                name="resource_max_loan_days_bounds",
                violation_error_message="La durée maximale d'un prêt va de 1 à 365 jours.",
            ),
            models.CheckConstraint(
                condition=Q(checking_delay_days__gte=1, checking_delay_days__lte=60),
                name="resource_checking_delay_bounds",
                violation_error_message="Le délai entre deux prêts va de 1 à 60 jours.",
            ),
        ]

    def __str__(self):
        return self.title

    def period_problems(
        self, start: datetime.date, end: datetime.date, today: datetime.date
    ) -> dict[str, str]:
        """{field: French message} for what makes this period impossible under the rules."""
        problems = {}
        if end < start:
            problems["end_date"] = "La date de fin précède la date de début."
        elif (end - start).days + 1 > self.max_loan_days:
            latest = start + datetime.timedelta(days=self.max_loan_days - 1)
            problems["end_date"] = (
                f"Un prêt de cette ressource dure au plus {self.max_loan_days} jours : "
                f"choisissez une fin au plus tard le {date_fr(latest)}."
            )
        if start < today:
            problems["start_date"] = "Le prêt ne peut pas commencer dans le passé."
        elif start > today + datetime.timedelta(days=MAX_ADVANCE_DAYS):
            problems["start_date"] = "On réserve au plus un an à l'avance."
        return problems

    def can_be_reserved_by(self, user) -> bool:
        """Staff reserve any resource for a coop; a mandataire those open to coops.

        TODO(teachers): with teachers' accounts, `TEACHERS` resources open to them too.
        """
        if not user.is_authenticated:
            return False
        if user.is_staff_member:
            return True
        return user.is_mandataire and self.on_catalogue and self.borrowers != self.Borrowers.STAFF


class ContentItem(models.Model):
    """One line of a resource's contents: what is checked at hand-over and at return."""

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="contents", verbose_name="ressource"
    )
    label = models.CharField("élément", max_length=150)
    quantity = models.PositiveSmallIntegerField(
        "quantité", default=1, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "élément du contenu"
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=500),
                name="content_item_quantity_bounds",
                violation_error_message="La quantité d'un élément va de 1 à 500.",
            )
        ]

    def __str__(self):
        return f"{self.quantity} × {self.label}" if self.quantity > 1 else self.label


class ResourcePhoto(models.Model):
    """A photo, re-encoded at upload (see forms.PhotoForm): only JPEG bytes we wrote are kept,
    served by a view to whoever sees the resource, never from a public folder."""

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="photos", verbose_name="ressource"
    )
    image = models.FileField("image", max_length=255)
    thumbnail = models.FileField("vignette", max_length=255)
    description = models.CharField(
        "description", max_length=200, help_text="Ce que montre la photo (lu aux non-voyants)."
    )
    uploaded_at = models.DateTimeField("déposée le", auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = "photo"
        ordering = ["pk"]

    def __str__(self):
        return self.description


class Condition(models.TextChoices):
    BON = "bon", "Bon"
    USE = "use", "Usé"
    A_REPARER = "a_reparer", "À réparer"
    HORS_SERVICE = "hors_service", "Hors service"


class CopyQuerySet(models.QuerySet):
    def bookable(self) -> "CopyQuerySet":
        """A copy out of service cannot be booked."""
        return self.exclude(condition=Condition.HORS_SERVICE)


class Copy(models.Model):
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, related_name="copies", verbose_name="ressource"
    )
    inventory_number = models.CharField("numéro d'inventaire", max_length=30, unique=True)
    label = models.CharField(
        "désignation", max_length=100, blank=True, help_text="Ce qui distingue cet exemplaire."
    )
    condition = models.CharField(
        "état", max_length=15, choices=Condition.choices, default=Condition.BON
    )
    location = models.CharField("lieu de rangement", max_length=150, blank=True)
    notes = models.TextField("remarques", blank=True)

    history = HistoricalRecords()
    objects = CopyQuerySet.as_manager()

    class Meta:
        verbose_name = "exemplaire"
        ordering = ["inventory_number"]

    def __str__(self):
        return f"{self.inventory_number}{f' ({self.label})' if self.label else ''}"

    @property
    def is_bookable(self) -> bool:
        return self.condition != Condition.HORS_SERVICE


class Incident(models.Model):
    """Something missing or damaged on a copy, opened at a return, closed once dealt with."""

    class Kind(models.TextChoices):
        MANQUANT = "manquant", "Élément manquant"
        ABIME = "abime", "Élément abîmé"

    copy = models.ForeignKey(
        Copy, on_delete=models.PROTECT, related_name="incidents", verbose_name="exemplaire"
    )
    reservation = models.ForeignKey(
        "prets.Reservation",
        on_delete=models.PROTECT,
        related_name="incidents",
        null=True,
        blank=True,
        verbose_name="prêt",
    )
    kind = models.CharField("nature", max_length=10, choices=Kind.choices)
    # The item's text, not a link: the contents may be edited later, the incident stays as seen.
    item = models.CharField("élément", max_length=150)
    quantity = models.PositiveSmallIntegerField(
        "quantité", default=1, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    description = models.TextField("description", blank=True)
    opened_on = models.DateField("ouvert le", default=timezone.localdate)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    resolved_on = models.DateField("résolu le", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    resolution = models.TextField("suite donnée", blank=True)

    class Meta:
        verbose_name = "incident"
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=500),
                name="incident_quantity_bounds",
                violation_error_message="La quantité va de 1 à 500.",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} : {self.item}"

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None
