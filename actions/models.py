"""Pedagogical actions: the actions, their yearly editions, class registrations, interventions
(with or without an action) and budgets.

Who sees what: every logged-in user reads the editions; a teacher (or mandataire) sees only the
registrations of their own classes; staff (secretariat, animation) manage everything; the board
reads.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from cooperatives.models import Cooperative
from occe.accounts import rules
from occe.core.models import SchoolYear
from prets.constraints import PostgresExclusionConstraint

from .constraints import TsTzRange

MAX_CAPACITY = 500
MAX_PUPILS = 40
MAX_INTERVENTIONS_PER_CLASS = 50
MAX_AMOUNT = Decimal("1000000")

LEVELS = [
    ("PS", "PS"),
    ("MS", "MS"),
    ("GS", "GS"),
    ("CP", "CP"),
    ("CE1", "CE1"),
    ("CE2", "CE2"),
    ("CM1", "CM1"),
    ("CM2", "CM2"),
    ("6e", "6e"),
    ("5e", "5e"),
    ("4e", "4e"),
    ("3e", "3e"),
]
LEVEL_CODES = [code for code, _ in LEVELS]
# cycle 1 = PS–GS, cycle 2 = CP–CE2, cycle 3 = CM1–6e, cycle 4 = 5e–3e
CYCLE_OF_LEVEL = {
    "PS": 1,
    "MS": 1,
    "GS": 1,
    "CP": 2,
    "CE1": 2,
    "CE2": 2,
    "CM1": 3,
    "CM2": 3,
    "6e": 3,
    "5e": 4,
    "4e": 4,
    "3e": 4,
}


def cycles_of(levels) -> list[int]:
    return sorted({CYCLE_OF_LEVEL[level] for level in levels or [] if level in CYCLE_OF_LEVEL})


def can_manage(user) -> bool:
    """Staff create and run actions; the board only reads them."""
    return rules.is_staff_member(user)


def reads_everything(user) -> bool:
    return rules.sees_everything(user)


def unique_slug(title: str, taken) -> str:
    """`Les Écoles qui filment` -> `les_ecoles_qui_filment`: the style of the report's keys."""
    base = slugify(title)[:60].strip("-").replace("-", "_") or "action"
    slug, n = base, 2
    while taken(slug):
        slug, n = f"{base}_{n}", n + 1
    return slug


class Action(models.Model):
    class Scope(models.TextChoices):
        NATIONALE = "nationale", "Nationale"
        REGIONALE = "regionale", "Régionale"
        DEPARTEMENTALE = "departementale", "Départementale"

    title = models.CharField("intitulé", max_length=200, unique=True)
    # Stable key of the report's figures (actions.<slug>.classes): set once, never renamed.
    slug = models.SlugField("identifiant", max_length=70, unique=True, editable=False)
    scope = models.CharField(
        "portée", max_length=20, choices=Scope.choices, default=Scope.DEPARTEMENTALE
    )
    objectives = models.TextField("objectifs", blank=True)
    description = models.TextField("description", blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "action pédagogique"
        verbose_name_plural = "actions pédagogiques"
        ordering = ["title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(
                self.title, lambda s: Action.objects.filter(slug=s).exclude(pk=self.pk).exists()
            )
        super().save(*args, **kwargs)


class EditionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "EditionQuerySet":
        return self if rules.is_authenticated(user) else self.none()

    def editable_by(self, user) -> "EditionQuerySet":
        return self if can_manage(user) else self.none()

    def awaiting_selection(self) -> "EditionQuerySet":
        """Editions with classes registered and not selected yet (status « Inscrite »)."""
        waiting = ClassRegistration.objects.filter(
            edition=models.OuterRef("pk"), status=ClassRegistration.Status.INSCRITE
        )
        return self.filter(models.Exists(waiting))

    def with_work_to_score(self) -> "EditionQuerySet":
        """Editions with productions to accept or refuse, or round answers not scored yet."""
        proposed = Production.objects.filter(
            edition=models.OuterRef("pk"), status=Production.Status.PROPOSEE
        )
        unscored = Submission.objects.filter(
            round__edition=models.OuterRef("pk"), score__isnull=True
        )
        return self.filter(models.Exists(proposed) | models.Exists(unscored))


class Edition(models.Model):
    class Mode(models.TextChoices):
        EN_CLASSE = "en_classe", "Interventions en classe"
        A_DISTANCE = "a_distance", "Accompagnement à distance"
        PARTENAIRE = "partenaire", "Avec un partenaire"
        EVENEMENT = "evenement", "Journée événement"

    action = models.ForeignKey(
        Action, on_delete=models.PROTECT, related_name="editions", verbose_name="action"
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name="année scolaire"
    )
    mode = models.CharField("modalité", max_length=20, choices=Mode.choices)
    levels = models.JSONField("niveaux ouverts", default=list)
    registration_opens = models.DateField("inscriptions à partir du")
    registration_closes = models.DateField("inscriptions jusqu'au")
    capacity = models.PositiveSmallIntegerField(
        "classes pouvant bénéficier d'interventions",
        default=0,
        validators=[MaxValueValidator(MAX_CAPACITY)],
    )
    interventions_per_class = models.PositiveSmallIntegerField(
        "interventions prévues par classe",
        default=0,
        validators=[MaxValueValidator(MAX_INTERVENTIONS_PER_CLASS)],
    )
    partners = models.TextField(
        "partenaires et intervenants",
        blank=True,
        help_text="Une ligne par personne ou structure, avec son rôle.",
    )
    resources = models.TextField(
        "ressources", blank=True, help_text="Liens (Padlet, documents), un par ligne."
    )
    information_meetings = models.TextField("réunions d'information", blank=True)
    final_event = models.CharField(
        "temps fort final", max_length=250, blank=True, help_text="Restitution, festival…"
    )
    final_event_place = models.CharField("lieu(x) du temps fort", max_length=250, blank=True)
    final_event_date = models.DateField("date du temps fort", null=True, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = EditionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "édition"
        ordering = ["-school_year__start_year", "action__title"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "school_year"],
                name="one_edition_per_action_and_year",
                violation_error_message="Cette action a déjà une édition cette année-là.",
            ),
            models.CheckConstraint(
                condition=Q(capacity__lte=MAX_CAPACITY),
                name="edition_capacity_bounds",
                violation_error_message="Au plus 500 classes.",
            ),
            models.CheckConstraint(
                condition=Q(interventions_per_class__lte=MAX_INTERVENTIONS_PER_CLASS),
                name="edition_interventions_bounds",
                violation_error_message="Au plus 50 interventions par classe.",
            ),
            models.CheckConstraint(
                condition=Q(registration_closes__gte=models.F("registration_opens")),
                name="edition_registration_window",
                violation_error_message="La clôture des inscriptions précède leur ouverture.",
            ),
        ]

    def __str__(self):
        return f"{self.action.title} {self.school_year.label}"

    def get_absolute_url(self) -> str:
        return reverse("actions:edition_detail", args=[self.pk])

    def clean(self):
        errors = {}
        if (
            self.registration_opens
            and self.registration_closes
            and self.registration_closes < self.registration_opens
        ):
            errors["registration_closes"] = "La clôture des inscriptions précède leur ouverture."
        unknown = [level for level in self.levels or [] if level not in LEVEL_CODES]
        if unknown:
            errors["levels"] = f"Niveaux inconnus : {', '.join(unknown)}."
        if errors:
            raise ValidationError(errors)

    @property
    def cycles(self) -> list[int]:
        return cycles_of(self.levels)

    def levels_display(self) -> str:
        return ", ".join(level for level in LEVEL_CODES if level in (self.levels or []))

    def accepts_registrations(self) -> bool:
        today = timezone.localdate()
        return self.registration_opens <= today <= self.registration_closes

    def resource_links(self) -> list[str]:
        return [line.strip() for line in self.resources.splitlines() if line.strip()]

    def copy_to_next_year(self) -> "Edition":
        """Next year's plan starts from this one: same settings, dates moved one year on, no
        registrations, interventions or budget lines."""
        year, _ = SchoolYear.objects.get_or_create(start_year=self.school_year.start_year + 1)

        def next_year(day):
            if day is None:
                return None
            try:
                return day.replace(year=day.year + 1)
            except ValueError:  # 29 February
                return day.replace(year=day.year + 1, day=28)

        return Edition.objects.create(
            action=self.action,
            school_year=year,
            mode=self.mode,
            levels=list(self.levels),
            registration_opens=next_year(self.registration_opens),
            registration_closes=next_year(self.registration_closes),
            capacity=self.capacity,
            interventions_per_class=self.interventions_per_class,
            partners=self.partners,
            resources=self.resources,
            information_meetings=self.information_meetings,
            final_event=self.final_event,
            final_event_place=self.final_event_place,
            final_event_date=next_year(self.final_event_date),
        )

    def budget(self) -> dict:
        """Total of expenses, contributions, and the association's share (total − contributions)."""
        sums = dict(self.budget_lines.values_list("kind").annotate(total=Sum("amount")).order_by())
        total = sums.get(BudgetLine.Kind.DEPENSE) or Decimal("0")
        contributions = sums.get(BudgetLine.Kind.CONTRIBUTION) or Decimal("0")
        return {"total": total, "contributions": contributions, "share": total - contributions}


class RegistrationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RegistrationQuerySet":
        """Staff and board see every registration; a teacher only their own classes'."""
        if not rules.is_authenticated(user):
            return self.none()
        if reads_everything(user):
            return self
        return self.filter(teacher=user)

    def active(self) -> "RegistrationQuerySet":
        return self.exclude(status=ClassRegistration.Status.NON_RETENUE)

    def of_teacher(self, user) -> "RegistrationQuerySet":
        """A teacher's classes, every year (« Mes classes inscrites » and its home card)."""
        return self.filter(teacher=user)


class ClassRegistration(models.Model):
    """A class registered to an edition by its teacher (or by staff on their behalf)."""

    class Status(models.TextChoices):
        INSCRITE = "inscrite", "Inscrite"
        RETENUE = "retenue", "Retenue"
        ATTENTE = "attente", "Liste d'attente"
        NON_RETENUE = "non_retenue", "Non retenue"
        PARTICIPANTE = "participante", "Participante"
        TERMINEE = "terminee", "Terminée"

    # The next statuses staff may give a registration.
    TRANSITIONS = {
        Status.INSCRITE: [Status.RETENUE, Status.ATTENTE, Status.NON_RETENUE],
        Status.ATTENTE: [Status.RETENUE, Status.NON_RETENUE],
        Status.RETENUE: [Status.PARTICIPANTE, Status.ATTENTE, Status.NON_RETENUE],
        Status.NON_RETENUE: [Status.RETENUE, Status.ATTENTE],
        Status.PARTICIPANTE: [Status.TERMINEE],
        Status.TERMINEE: [],
    }

    edition = models.ForeignKey(
        Edition, on_delete=models.PROTECT, related_name="registrations", verbose_name="édition"
    )
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="+", verbose_name="école"
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="class_registrations",
        verbose_name="enseignant",
    )
    class_name = models.CharField("classe", max_length=100, help_text="Par exemple « CM1-CM2 B ».")
    levels = models.JSONField("niveaux", default=list)
    pupils = models.PositiveSmallIntegerField(
        "élèves", validators=[MinValueValidator(1), MaxValueValidator(MAX_PUPILS)]
    )
    other_teachers = models.CharField("autres enseignants", max_length=250, blank=True)
    motivation = models.TextField("motivation", blank=True, max_length=3000)
    whole_team = models.BooleanField("toute l'équipe de l'école s'engage", default=False)
    status = models.CharField(
        "statut", max_length=15, choices=Status.choices, default=Status.INSCRITE
    )
    registered_at = models.DateTimeField("inscrite le", default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status_changed_at = models.DateTimeField("statut changé le", null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "inscription de classe"
        verbose_name_plural = "inscriptions de classes"
        ordering = ["registered_at", "pk"]
        indexes = [models.Index(fields=["edition", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "cooperative", "class_name"],
                name="one_registration_per_class_and_edition",
                violation_error_message="Cette classe est déjà inscrite à cette édition.",
            ),
            models.CheckConstraint(
                condition=Q(pupils__gte=1) & Q(pupils__lte=MAX_PUPILS),
                name="class_registration_pupils_bounds",
                violation_error_message="Une classe compte de 1 à 40 élèves.",
            ),
        ]

    def __str__(self):
        return f"{self.class_name} — {self.cooperative.name} ({self.edition})"

    def get_absolute_url(self) -> str:
        return reverse("actions:registration_detail", args=[self.pk])

    @property
    def cycles(self) -> list[int]:
        return cycles_of(self.levels)

    def cycles_display(self) -> str:
        return ", ".join(f"cycle {c}" for c in self.cycles)

    def levels_display(self) -> str:
        return ", ".join(level for level in LEVEL_CODES if level in (self.levels or []))

    def sector(self) -> str:
        """The sector an animator's day serves: the circonscription, else the commune."""
        if self.cooperative.circonscription_id:
            return self.cooperative.circonscription.name
        return self.cooperative.commune

    def next_statuses(self) -> list:
        return [(s, self.Status(s).label) for s in self.TRANSITIONS[self.Status(self.status)]]


class Intervenant(models.Model):
    """Someone who runs interventions: a staff animator or a partner's intervenant."""

    class Kind(models.TextChoices):
        ANIMATEUR = "animateur", "Animateur de l'association"
        PARTENAIRE = "partenaire", "Intervenant d'un partenaire"

    name = models.CharField("nom", max_length=150)
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    organisation = models.CharField("structure", max_length=200, blank=True)
    role = models.CharField("rôle", max_length=200, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="intervenant",
        verbose_name="compte",
    )

    class Meta:
        verbose_name = "intervenant"
        ordering = ["name", "pk"]

    def __str__(self):
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


class InterventionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "InterventionQuerySet":
        if not rules.is_authenticated(user):
            return self.none()
        if reads_everything(user):
            return self
        return self.filter(registration__teacher=user)

    def in_month(self, month: datetime.date) -> "InterventionQuerySet":
        """Interventions starting in the month of `month` (local time)."""
        start = month.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1)
        return self.filter(
            starts_at__gte=timezone.make_aware(datetime.datetime.combine(start, datetime.time())),
            starts_at__lt=timezone.make_aware(datetime.datetime.combine(end, datetime.time())),
        )

    def holding(self) -> "InterventionQuerySet":
        """Interventions that take the intervenant's time (not cancelled)."""
        return self.exclude(status=Intervention.Status.ANNULEE)

    def overlapping(self, intervenant_id, starts_at, ends_at) -> "InterventionQuerySet":
        return self.holding().filter(
            intervenant_id=intervenant_id, starts_at__lt=ends_at, ends_at__gt=starts_at
        )


class Intervention(models.Model):
    """One visit of an intervenant: in a registered class of an edition, or outside any action
    (a theme instead of an edition: « Philo », « Jeux coopératifs »…)."""

    class Status(models.TextChoices):
        PLANIFIEE = "planifiee", "Planifiée"
        REALISEE = "realisee", "Réalisée"
        ANNULEE = "annulee", "Annulée"

    edition = models.ForeignKey(
        Edition,
        on_delete=models.PROTECT,
        related_name="interventions",
        null=True,
        blank=True,
        verbose_name="édition",
    )
    registration = models.ForeignKey(
        ClassRegistration,
        on_delete=models.PROTECT,
        related_name="interventions",
        null=True,
        blank=True,
        verbose_name="classe",
    )
    theme = models.CharField(
        "thème (hors action)", max_length=150, blank=True, help_text="Philo, jeux coopératifs…"
    )
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="+", verbose_name="école"
    )
    intervenant = models.ForeignKey(
        Intervenant,
        on_delete=models.PROTECT,
        related_name="interventions",
        verbose_name="intervenant",
    )
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    subject = models.CharField("objet", max_length=150, blank=True, help_text="Trucage, bruitage…")
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.PLANIFIEE
    )
    notes = models.TextField("notes", blank=True, max_length=3000)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InterventionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "intervention"
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["intervenant", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="intervention_ends_after_start",
                violation_error_message="L'heure de fin doit suivre l'heure de début.",
            ),
            models.CheckConstraint(
                condition=(Q(edition__isnull=False) & Q(registration__isnull=False))
                | (Q(edition__isnull=True) & Q(registration__isnull=True) & ~Q(theme="")),
                name="intervention_in_a_class_or_with_a_theme",
                violation_error_message="Une intervention a lieu dans une classe inscrite à "
                "une édition, ou hors action avec un thème.",
            ),
            # No double booking: PostgreSQL refuses two holding interventions of one
            # intervenant whose times overlap (btree_gist for the equality on intervenant).
            PostgresExclusionConstraint(
                name="intervention_no_double_booking",
                expressions=[
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                    ("intervenant", RangeOperators.EQUAL),
                ],
                condition=~Q(status="annulee"),
                violation_error_message="Cet intervenant a déjà une intervention sur ce créneau.",
            ),
        ]

    def __str__(self):
        what = self.theme or (self.edition.action.title if self.edition_id else "")
        return (
            f"{what} — {self.cooperative.name}, {timezone.localtime(self.starts_at):%d/%m/%Y %H:%M}"
        )

    @property
    def title(self) -> str:
        if self.edition_id:
            return self.edition.action.title
        return self.theme

    @property
    def local_start(self) -> datetime.datetime:
        return timezone.localtime(self.starts_at)

    @property
    def local_end(self) -> datetime.datetime:
        return timezone.localtime(self.ends_at)


class BudgetLine(models.Model):
    class Kind(models.TextChoices):
        DEPENSE = "depense", "Dépense"
        CONTRIBUTION = "contribution", "Contribution d'un partenaire"

    class Category(models.TextChoices):
        HONORAIRES = "honoraires", "Rémunération des intervenants"
        TRANSPORT = "transport", "Transport"
        BILLETTERIE = "billetterie", "Billetterie"
        MATERIEL = "materiel", "Matériel"
        LOCATION = "location", "Location de salle"
        SUBVENTION = "subvention", "Subvention"
        AUTRE = "autre", "Autre"

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="budget_lines", verbose_name="édition"
    )
    kind = models.CharField("nature", max_length=15, choices=Kind.choices)
    category = models.CharField("poste", max_length=15, choices=Category.choices)
    label = models.CharField("libellé", max_length=200)
    amount = models.DecimalField("montant", max_digits=10, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "ligne de budget"
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(amount__lte=MAX_AMOUNT),
                name="action_budget_line_amount_bounds",
                violation_error_message="Un montant va de 0,01 € à 1 000 000 €.",
            )
        ]

    def __str__(self):
        return f"{self.label} : {self.amount} €"


def diploma_path(instance, filename: str) -> str:
    return f"actions/diplomes/{instance.registration.edition_id}/{filename}"


class Diploma(models.Model):
    """The diploma of a participating class, rendered once (what it prints is frozen in the
    PDF), downloadable by the teacher and sent to them by e-mail once."""

    registration = models.OneToOneField(
        ClassRegistration, on_delete=models.CASCADE, related_name="diploma", verbose_name="classe"
    )
    pdf = models.FileField("PDF", upload_to=diploma_path, max_length=255)
    issued_at = models.DateTimeField("délivré le", default=timezone.now)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "diplôme"

    def __str__(self):
        return f"Diplôme — {self.registration}"

    def filename(self) -> str:
        edition = self.registration.edition
        return (
            f"diplome-{edition.action.slug}-{edition.school_year.label}-{self.registration_id}.pdf"
        )


MAX_SCORE = 20


def round_document_path(instance, filename: str) -> str:
    return f"actions/manches/{instance.edition_id}/{filename[-80:]}"


class RoundQuerySet(models.QuerySet):
    def documents_for(self, user) -> "RoundQuerySet":
        """The rounds whose document the user may download: staff and board any; a teacher
        those of the editions where one of their classes takes part (not those on the waiting
        list nor those not retained)."""
        if not rules.is_authenticated(user):
            return self.none()
        if reads_everything(user):
            return self
        taking_part = ClassRegistration.objects.filter(teacher=user).exclude(
            status__in=[ClassRegistration.Status.NON_RETENUE, ClassRegistration.Status.ATTENTE]
        )
        return self.filter(edition__in=taking_part.values("edition"))


class Round(models.Model):
    """A round of a remote challenge (Défimaths): per edition and cycle, its challenges, open
    between two dates; the classes of that cycle answer."""

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="rounds", verbose_name="édition"
    )
    cycle = models.PositiveSmallIntegerField(
        "cycle", choices=[(1, "Cycle 1"), (2, "Cycle 2"), (3, "Cycle 3"), (4, "Cycle 4")]
    )
    number = models.PositiveSmallIntegerField(
        "manche n°", validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    challenges = models.TextField(
        "défis", max_length=5000, help_text="Les énoncés des 2 ou 3 défis de la manche."
    )
    document = models.FileField(
        "document",
        upload_to=round_document_path,
        blank=True,
        max_length=255,
        help_text="PDF, image ou document bureautique (Word, Excel, PowerPoint, OpenDocument).",
    )
    document_url = models.URLField(
        "ou lien vers le document", blank=True, help_text="Un Padlet, un document en ligne…"
    )
    opens_on = models.DateField("ouverture")
    closes_on = models.DateField("clôture")
    announced_at = models.DateTimeField("annoncée le", null=True, blank=True, editable=False)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = "manche"
        ordering = ["edition", "cycle", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "cycle", "number"],
                name="one_round_per_number_and_cycle",
                violation_error_message="Cette manche existe déjà pour ce cycle.",
            ),
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="round_closes_after_opening",
                violation_error_message="La clôture précède l'ouverture.",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=10) & Q(cycle__gte=1) & Q(cycle__lte=4),
                name="round_number_and_cycle_bounds",
                violation_error_message="Manche 1 à 10, cycle 1 à 4.",
            ),
        ]

    def __str__(self):
        return f"{self.edition.action.title} — cycle {self.cycle}, manche {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("actions:round_detail", args=[self.pk])

    def clean(self):
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": "La clôture précède l'ouverture."})

    def document_name(self) -> str:
        return self.document.name.rsplit("/", 1)[-1] if self.document else ""

    def is_open(self) -> bool:
        return self.opens_on <= timezone.localdate() <= self.closes_on

    def classes(self):
        """The edition's registered classes of this round's cycle (not the ones left out)."""
        return [
            r
            for r in self.edition.registrations.exclude(
                status__in=[ClassRegistration.Status.NON_RETENUE, ClassRegistration.Status.ATTENTE]
            ).select_related("teacher", "cooperative")
            if self.cycle in r.cycles
        ]


def submission_path(instance, filename: str) -> str:
    return f"actions/reponses/{instance.round_id}/{instance.registration_id}-{filename[-60:]}"


class SubmissionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SubmissionQuerySet":
        if not rules.is_authenticated(user):
            return self.none()
        if reads_everything(user):
            return self
        return self.filter(registration__teacher=user)


class Submission(models.Model):
    """A class's answer to a round: text and/or a file (image or PDF) and/or a video link;
    scored by staff."""

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="submissions", verbose_name="manche"
    )
    registration = models.ForeignKey(
        ClassRegistration,
        on_delete=models.CASCADE,
        related_name="submissions",
        verbose_name="classe",
    )
    text = models.TextField("réponse", blank=True, max_length=10000)
    file = models.FileField("fichier", upload_to=submission_path, blank=True, max_length=255)
    video_url = models.URLField("lien vers une vidéo", blank=True)
    submitted_at = models.DateTimeField("envoyée le", default=timezone.now)
    score = models.PositiveSmallIntegerField(
        "note", null=True, blank=True, validators=[MaxValueValidator(MAX_SCORE)]
    )
    comment = models.TextField("commentaire", blank=True, max_length=2000)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = SubmissionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "réponse"
        ordering = ["round", "submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "registration"],
                name="one_submission_per_class_and_round",
                violation_error_message="Cette classe a déjà répondu à cette manche.",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=MAX_SCORE),
                name="submission_score_bounds",
                violation_error_message="La note va de 0 à 20.",
            ),
        ]

    def __str__(self):
        return f"{self.registration.class_name} — {self.round}"


def production_path(instance, filename: str) -> str:
    return f"actions/productions/{instance.edition_id}/{instance.registration_id}-{filename[-60:]}"


class ProductionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ProductionQuerySet":
        if not rules.is_authenticated(user):
            return self.none()
        if reads_everything(user):
            return self
        return self.filter(registration__teacher=user)


class Production(models.Model):
    """A class's work sent to an edition (a poem, a land art photo); staff accept it. The
    accepted text productions make the collected book."""

    class Status(models.TextChoices):
        PROPOSEE = "proposee", "Proposée"
        ACCEPTEE = "acceptee", "Acceptée"
        REFUSEE = "refusee", "Refusée"

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="productions", verbose_name="édition"
    )
    registration = models.ForeignKey(
        ClassRegistration,
        on_delete=models.CASCADE,
        related_name="productions",
        verbose_name="classe",
    )
    title = models.CharField("titre", max_length=200)
    text = models.TextField("texte", blank=True, max_length=10000)
    file = models.FileField("fichier", upload_to=production_path, blank=True, max_length=255)
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.PROPOSEE
    )
    submitted_at = models.DateTimeField("envoyée le", default=timezone.now)

    objects = ProductionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "production"
        ordering = ["edition", "registration__cooperative__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "title"],
                name="one_production_per_title_and_class",
                violation_error_message="Cette classe a déjà envoyé une production de ce titre.",
            )
        ]

    def __str__(self):
        return self.title
