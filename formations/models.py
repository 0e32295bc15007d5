"""Trainings (formations): catalogue, dated sessions, registrations with a waiting list,
attendance per part, satisfaction answers, and the staff's and board's own trainings.

Who sees what: every logged-in user reads the catalogue; teachers and mandataires see their own
registrations only; staff (secretariat, animation) manage trainings and sessions; the board reads.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from cooperatives.models import Cooperative
from occe.accounts import rules
from occe.core.models import SchoolYear

MAX_HOURS = Decimal("200")
MAX_CAPACITY = 500


def can_manage(user) -> bool:
    """Staff create and run trainings; the board only reads them."""
    return rules.is_staff_member(user)


def reads_everything(user) -> bool:
    return rules.sees_everything(user)


class Theme(models.Model):
    """A theme of the catalogue (gestion de l'argent, climat scolaire, théâtre…), kept by staff."""

    name = models.CharField("nom", max_length=100, unique=True)

    class Meta:
        verbose_name = "thème"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Audience(models.TextChoices):
    NOUVEAUX_MANDATAIRES = "nouveaux_mandataires", "Nouveaux mandataires"
    MANDATAIRES = "mandataires", "Tous les mandataires"
    NEO_DIRECTEURS = "neo_directeurs", "Néo-directeurs"
    ENSEIGNANTS = "enseignants", "Enseignants"
    EDUCATEURS = "educateurs", "Éducateurs"
    ANIMATEURS = "animateurs", "Animateurs"


def unique_slug(title: str, taken) -> str:
    """`Réaliser un film avec sa classe` -> `realiser_un_film_avec_sa_classe`: the style of the
    report's keys (lower-case ASCII, underscores between words)."""
    base = slugify(title)[:60].strip("-").replace("-", "_") or "formation"
    slug, n = base, 2
    while taken(slug):
        slug, n = f"{base}_{n}", n + 1
    return slug


class Training(models.Model):
    title = models.CharField("intitulé", max_length=200)
    # Stable key of the report's figures (formations.<slug>.sessions): set once, never renamed.
    slug = models.SlugField("identifiant", max_length=70, unique=True, editable=False)
    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, related_name="trainings", verbose_name="thème"
    )
    audience = models.CharField("public", max_length=30, choices=Audience.choices)
    description = models.TextField("description", blank=True)
    hours = models.DecimalField(
        "durée totale (heures)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(MAX_HOURS)],
    )
    partner = models.CharField("partenaire", max_length=200, blank=True)
    trainer = models.CharField("intervenant", max_length=200, blank=True)
    dsden_plan = models.BooleanField("inscrite au plan de formation de la DSDEN", default=False)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "formation"
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=Decimal("0.5")) & Q(hours__lte=MAX_HOURS),
                name="training_hours_bounds",
                violation_error_message="La durée d'une formation va de 30 minutes à 200 heures.",
            )
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(
                self.title, lambda s: Training.objects.filter(slug=s).exclude(pk=self.pk).exists()
            )
        super().save(*args, **kwargs)


class SessionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SessionQuerySet":
        return self if rules.is_authenticated(user) else self.none()

    def with_figures(self) -> "SessionQuerySet":
        """First and last day, and the number of confirmed and waiting registrations."""
        return self.annotate(
            first_day=Min("parts__date"),
            confirmed_count=Count(
                "registrations",
                filter=Q(registrations__status=Registration.Status.CONFIRMED),
                distinct=True,
            ),
            waiting_count=Count(
                "registrations",
                filter=Q(registrations__status=Registration.Status.WAITING),
                distinct=True,
            ),
        )

    def in_year(self, year: SchoolYear) -> "SessionQuerySet":
        first = Session.objects.filter(pk=OuterRef("pk")).annotate(d=Min("parts__date"))
        return self.filter(
            Exists(first.filter(d__gte=year.start_date, d__lte=year.end_date)),
        )

    def held_in_month(self, month: datetime.date) -> "SessionQuerySet":
        """Sessions not cancelled with a part (a day) in the month of `month`: the
        animation's « sessions de ce mois-ci » (home card and `?mois=` of the session list)."""
        start = month.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1)
        parts = SessionPart.objects.filter(session=OuterRef("pk"), date__gte=start, date__lt=end)
        return self.filter(Exists(parts)).exclude(status=Session.Status.ANNULEE)

    def proposed_for_cancellation(self) -> "SessionQuerySet":
        """Sessions past their registration deadline, not started, below their minimum:
        staff are asked whether to cancel them (never cancelled automatically)."""
        today = timezone.localdate()
        confirmed = Registration.objects.filter(
            session=OuterRef("pk"), status=Registration.Status.CONFIRMED
        )
        started = SessionPart.objects.filter(session=OuterRef("pk"), date__lte=today)
        return (
            self.filter(
                status__in=[Session.Status.OUVERTE, Session.Status.COMPLETE, Session.Status.CLOSE],
                registration_deadline__lt=today,
            )
            .exclude(Exists(started))
            .alias(
                n_confirmed=Coalesce(
                    models.Subquery(
                        confirmed.values("session").annotate(n=Count("pk")).values("n")[:1]
                    ),
                    0,
                )
            )
            .filter(n_confirmed__lt=F("minimum"))
        )


class Session(models.Model):
    class Status(models.TextChoices):
        OUVERTE = "ouverte", "Ouverte"
        COMPLETE = "complete", "Complète"
        CLOSE = "close", "Inscriptions closes"
        TENUE = "tenue", "Tenue"
        ANNULEE = "annulee", "Annulée"

    training = models.ForeignKey(
        Training, on_delete=models.PROTECT, related_name="sessions", verbose_name="formation"
    )
    label = models.CharField(
        "précision",
        max_length=120,
        blank=True,
        help_text="Par exemple « Groupe 2 » ou « Nanterre » ; facultatif.",
    )
    capacity = models.PositiveSmallIntegerField(
        "places", validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)]
    )
    minimum = models.PositiveSmallIntegerField(
        "minimum d'inscrits",
        default=0,
        validators=[MaxValueValidator(MAX_CAPACITY)],
        help_text="En dessous, la session est proposée à l'annulation après la date limite.",
    )
    registration_deadline = models.DateField("date limite d'inscription")
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.OUVERTE
    )
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)
    cancellation_reason = models.TextField("motif d'annulation", blank=True)
    certificates_requested_at = models.DateTimeField(
        "envoi des attestations demandé le", null=True, blank=True
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = "session"
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1) & Q(capacity__lte=MAX_CAPACITY),
                name="session_capacity_bounds",
                violation_error_message="Une session compte de 1 à 500 places.",
            ),
            models.CheckConstraint(
                condition=Q(minimum__lte=F("capacity")),
                name="session_minimum_within_capacity",
                violation_error_message="Le minimum d'inscrits dépasse le nombre de places.",
            ),
        ]

    def __str__(self):
        suffix = f" — {self.label}" if self.label else ""
        return f"{self.training}{suffix}"

    def clean(self):
        if self.capacity is not None and self.minimum is not None and self.minimum > self.capacity:
            raise ValidationError({"minimum": "Le minimum d'inscrits dépasse le nombre de places."})

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.ANNULEE

    @property
    def is_held(self) -> bool:
        return self.status == self.Status.TENUE

    def parts_list(self) -> list["SessionPart"]:
        return list(self.parts.all())

    @property
    def first_date(self) -> datetime.date | None:
        parts = self.parts_list()
        return parts[0].date if parts else None

    @property
    def hours(self) -> Decimal:
        return sum((part.hours for part in self.parts_list()), Decimal("0"))

    @property
    def is_remote(self) -> bool:
        return any(part.visio_url for part in self.parts_list())

    def deadline_passed(self) -> bool:
        return timezone.localdate() > self.registration_deadline

    def accepts_registrations(self) -> bool:
        return (
            self.status in (self.Status.OUVERTE, self.Status.COMPLETE)
            and not self.deadline_passed()
        )

    def has_started(self) -> bool:
        first = self.first_date
        return first is not None and first <= timezone.localdate()


class SessionPart(models.Model):
    """One dated meeting of a session (THEA's two days are two parts of one session)."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="parts", verbose_name="session"
    )
    date = models.DateField("date")
    start_time = models.TimeField("début")
    end_time = models.TimeField("fin")
    place = models.CharField("lieu", max_length=250, blank=True)
    visio_url = models.URLField("lien de visioconférence", blank=True)

    class Meta:
        verbose_name = "partie de session"
        verbose_name_plural = "parties de session"
        ordering = ["date", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="session_part_ends_after_start",
                violation_error_message="L'heure de fin doit suivre l'heure de début.",
            )
        ]

    def __str__(self):
        from occe.core.formats import date_fr

        return f"{date_fr(self.date)}, {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def clean(self):
        errors = {}
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = "L'heure de fin doit suivre l'heure de début."
        if not self.place and not self.visio_url:
            errors["place"] = "Indiquez un lieu ou un lien de visioconférence."
        if errors:
            raise ValidationError(errors)

    @property
    def hours(self) -> Decimal:
        start = datetime.datetime.combine(self.date, self.start_time)
        end = datetime.datetime.combine(self.date, self.end_time)
        return (Decimal((end - start).total_seconds()) / 3600).quantize(Decimal("0.01"))

    @property
    def where(self) -> str:
        return self.place or "Visioconférence"


class RegistrationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RegistrationQuerySet":
        """Staff and board see every registration; a teacher only their own."""
        if not rules.is_authenticated(user):
            return self.none()
        if reads_everything(user):
            return self
        return self.filter(user=user)

    def active(self) -> "RegistrationQuerySet":
        return self.exclude(status=Registration.Status.CANCELLED)

    def confirmed(self) -> "RegistrationQuerySet":
        return self.filter(status=Registration.Status.CONFIRMED)

    def with_first_day(self) -> "RegistrationQuerySet":
        return self.annotate(first_day=Min("session__parts__date"))

    def waiting(self) -> "RegistrationQuerySet":
        return self.filter(status=Registration.Status.WAITING).order_by("registered_at", "pk")

    def listed_for(self, user) -> "RegistrationQuerySet":
        """A teacher's registrations as « Mes formations » lists them (and the home card counts
        them): all but the cancelled ones of sessions already begun (or without a date)."""
        today = timezone.localdate()
        return (
            self.filter(user=user)
            .with_first_day()
            .exclude(
                Q(status=Registration.Status.CANCELLED)
                & (Q(first_day__lt=today) | Q(first_day__isnull=True))
            )
        )


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Inscrit"
        WAITING = "waiting", "Liste d'attente"
        CANCELLED = "cancelled", "Désinscrit"

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="registrations", verbose_name="session"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="training_registrations",
        verbose_name="participant",
    )
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="+", verbose_name="école"
    )
    status = models.CharField("statut", max_length=10, choices=Status.choices)
    registered_at = models.DateTimeField("inscrit le", default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="inscrit par",
    )
    promoted_at = models.DateTimeField("sorti de la liste d'attente le", null=True, blank=True)
    cancelled_at = models.DateTimeField("désinscrit le", null=True, blank=True)
    # Each e-mail is sent once: the date is written in the transaction that sends it.
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancellation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    certificate_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = "inscription"
        ordering = ["registered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=~Q(status="cancelled"),
                name="one_active_registration_per_session",
                violation_error_message="Cette personne est déjà inscrite à cette session.",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.session}"

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED

    def can_be_cancelled_by(self, user) -> bool:
        if self.status == self.Status.CANCELLED or self.session.status in (
            Session.Status.TENUE,
            Session.Status.ANNULEE,
        ):
            return False
        if can_manage(user):
            return True
        return self.user_id == user.pk and not self.session.has_started()


class Attendance(models.Model):
    """Present or absent at one part of the session, recorded by staff."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="attendances"
    )
    part = models.ForeignKey(SessionPart, on_delete=models.CASCADE, related_name="attendances")
    present = models.BooleanField("présent")
    recorded_at = models.DateTimeField(auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "présence"
        constraints = [
            models.UniqueConstraint(fields=["registration", "part"], name="one_attendance_per_part")
        ]

    def __str__(self):
        return f"{self.registration} — {self.part} : {'présent' if self.present else 'absent'}"


SURVEY_QUESTIONS = [
    ("content", "Les contenus ont répondu à mes attentes"),
    ("facilitation", "L'animation et les échanges m'ont aidé"),
    ("organisation", "L'organisation (lieu, horaires, accueil) était satisfaisante"),
    ("reuse", "Je vais réinvestir cette formation dans ma classe"),
]


def score_field(label: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


class SurveyAnswer(models.Model):
    """A participant's satisfaction answers (1 to 5, and a comment), once per registration."""

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="survey_answer"
    )
    content = score_field(SURVEY_QUESTIONS[0][1])
    facilitation = score_field(SURVEY_QUESTIONS[1][1])
    organisation = score_field(SURVEY_QUESTIONS[2][1])
    reuse = score_field(SURVEY_QUESTIONS[3][1])
    comment = models.TextField("commentaire", blank=True, max_length=2000)
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "réponse au questionnaire"
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                name=f"survey_{name}_1_to_5",
                violation_error_message="Les notes vont de 1 à 5.",
            )
            for name, _ in SURVEY_QUESTIONS
        ]

    def __str__(self):
        return f"Questionnaire — {self.registration}"


class StaffTrainingQuerySet(models.QuerySet):
    def in_year(self, year: SchoolYear) -> "StaffTrainingQuerySet":
        return self.filter(date__gte=year.start_date, date__lte=year.end_date)


class StaffTraining(models.Model):
    """A training followed by employees or board members (first aid, JEF, « Faire équipe »…)."""

    class Audience(models.TextChoices):
        SALARIES = "salaries", "Salariées"
        ADMINISTRATEURS = "administrateurs", "Administrateurs"
        TOUS = "tous", "Salariées et administrateurs"

    title = models.CharField("intitulé", max_length=200)
    organisation = models.CharField("organisme", max_length=200, blank=True)
    date = models.DateField("date")
    audience = models.CharField("pour", max_length=20, choices=Audience.choices)
    people = models.CharField(
        "participants", max_length=300, blank=True, help_text="Noms ou fonctions, facultatif."
    )
    participants = models.PositiveSmallIntegerField(
        "nombre de participants", validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    hours = models.DecimalField(
        "durée (heures)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(MAX_HOURS)],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StaffTrainingQuerySet.as_manager()

    class Meta:
        verbose_name = "formation de l'équipe"
        verbose_name_plural = "formations de l'équipe"
        ordering = ["-date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(participants__gte=1) & Q(participants__lte=100),
                name="staff_training_participants_bounds",
                violation_error_message="De 1 à 100 participants.",
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=Decimal("0.5")) & Q(hours__lte=MAX_HOURS),
                name="staff_training_hours_bounds",
                violation_error_message="La durée va de 30 minutes à 200 heures.",
            ),
        ]

    def __str__(self):
        return self.title
