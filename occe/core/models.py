import datetime
import re
from decimal import Decimal

from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Least
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .validators import clean_siren, siren_problem

money = {"max_digits": 10, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}
# Each part of a fee rate (per pupil, per adult, insurance per member). Real rates are a few
# euros; the bound keeps every computed fee within the affiliation's own bounds.
MAX_RATE = Decimal("10")
# The months the CRFS may be due in: after the 31 August closing, by the end of the year.
CRFS_DUE_MONTHS = [(9, "septembre"), (10, "octobre"), (11, "novembre"), (12, "décembre")]
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
    # Printed on receipts beside the decree's date: the decree and its publication are two dates.
    journal_officiel_date = models.DateField(
        "date de publication du décret au Journal officiel", null=True, blank=True
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
    # The CRFS of the year closed on 31 August is due by this day (issue 8): a day and a month,
    # the same every year, between September and December.
    crfs_due_day = models.PositiveSmallIntegerField(
        "compte rendu financier à rendre au plus tard le (jour)",
        default=30,
        validators=[
            MinValueValidator(1, "Le jour est compris entre 1 et 31."),
            MaxValueValidator(31, "Le jour est compris entre 1 et 31."),
        ],
        help_text="Le compte rendu financier de l'exercice clos le 31 août est attendu au plus "
        "tard ce jour-là (30 septembre par défaut) ; au-delà, la coopérative est en retard : "
        "relancée et signalée « CRFS non rendu ».",
    )
    crfs_due_month = models.PositiveSmallIntegerField(
        "compte rendu financier à rendre au plus tard le (mois)",
        default=9,
        choices=CRFS_DUE_MONTHS,
        help_text="Entre septembre et décembre qui suivent la clôture de l'exercice au 31 août.",
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
        ] + [
            models.CheckConstraint(
                condition=models.Q(crfs_due_day__gte=1, crfs_due_day__lte=31),
                name="association_crfs_due_day_bounds",
            ),
            models.CheckConstraint(
                condition=models.Q(crfs_due_month__gte=9, crfs_due_month__lte=12),
                name="association_crfs_due_month_bounds",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        self.siren = (self.siren or "").replace(" ", "").replace("\u00a0", "")
        if self.status == self.Status.UTILITE_PUBLIQUE and not self.decree_date:
            errors["decree_date"] = (
                "Indiquez la date du décret de reconnaissance d'utilité publique."
            )
        if self.status == self.Status.UTILITE_PUBLIQUE and not self.journal_officiel_date:
            errors["journal_officiel_date"] = (
                "Indiquez la date de publication du décret au Journal officiel."
            )
        if (
            self.decree_date
            and self.journal_officiel_date
            and self.journal_officiel_date < self.decree_date
        ):
            errors["journal_officiel_date"] = (
                "Le décret est publié au Journal officiel après avoir été pris : vérifiez les "
                "deux dates."
            )
        if self.siren:
            problem = siren_problem(self.siren)
            if problem:
                errors["siren"] = problem
            else:
                self.siren = clean_siren(self.siren)
        self.rna = self.rna.strip().upper()
        if self.rna and not (len(self.rna) == 10 and self.rna[0] == "W" and self.rna[1:].isdigit()):
            errors["rna"] = "Le RNA s'écrit W suivi de 9 chiffres."
        if self.crfs_due_day and self.crfs_due_month:
            try:
                datetime.date(2001, self.crfs_due_month, self.crfs_due_day)
            except ValueError:
                errors["crfs_due_day"] = (
                    f"Le {self.crfs_due_day} {self.get_crfs_due_month_display()} n'existe pas : "
                    "choisissez un autre jour."
                )
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

    def crfs_due_date(self, year) -> datetime.date:
        """The day the CRFS of `year` (a SchoolYear, closed on 31 August) is due."""
        return datetime.date(year.start_year + 1, self.crfs_due_month, self.crfs_due_day)

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


# --- Background jobs and uploaded imports (occe.core.jobs, occe.core.imports) ----------------


class JobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "JobQuerySet":
        """A user's own jobs; the secretariat sees every job (it runs the association's work)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_secretariat:
            return self
        return self.filter(user=user)

    def unfinished(self) -> "JobQuerySet":
        return self.filter(status__in=[Job.Status.PENDING, Job.Status.RUNNING])


class Job(models.Model):
    """A piece of background work: what it is, where it stands, what it produced.

    Celery's own state is not the source of truth: the page polls this row. Kinds of job are
    declared in code (occe.core.jobs.JobKind) and named by `kind`.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Échec"

    kind = models.CharField("type", max_length=50)
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.PENDING
    )
    done = models.PositiveIntegerField("fait", default=0)
    total = models.PositiveIntegerField("à faire", default=0)
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="lancé par",
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    # The last sign of life (start, progress): a job silent for too long is stale.
    heartbeat_at = models.DateTimeField("dernière activité", default=timezone.now)
    attempts = models.PositiveSmallIntegerField("relances", default=0)
    parameters = models.JSONField("paramètres", default=dict, blank=True)
    result = models.JSONField("résultat", default=dict, blank=True)
    # Stored under private/: served only by core:job_file, to whom may see the job.
    result_file = models.FileField("fichier produit", upload_to=private_upload_path, blank=True)
    result_name = models.CharField("nom du fichier produit", max_length=255, blank=True)
    error = models.TextField("erreur", blank=True)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, null=True, blank=True
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    object = GenericForeignKey("content_type", "object_id")

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = "travail en arrière-plan"
        verbose_name_plural = "travaux en arrière-plan"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
            models.Index(fields=["content_type", "object_id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total__lte=10_000_000) & models.Q(done__lte=models.F("total")),
                name="job_progress_bounded",
                violation_error_message="L'avancement d'un travail dépasse son total.",
            )
        ]

    def __str__(self):
        return f"{self.label} du {timezone.localtime(self.created_at):%d/%m/%Y %H:%M}"

    def get_absolute_url(self) -> str:
        kind = self.kind_object
        url = kind.url(self) if kind else None
        return url or reverse("core:jobs")

    @property
    def kind_object(self):
        # Imported here: occe.core.jobs imports this module.
        from .jobs import get_kind

        return get_kind(self.kind)

    @property
    def label(self) -> str:
        kind = self.kind_object
        return kind.label if kind else self.kind

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_stale(self) -> bool:
        """Unfinished and silent for longer than its kind allows: its worker probably died, or
        its message was lost."""
        if self.is_finished:
            return False
        kind = self.kind_object
        if kind is None:
            limit = datetime.timedelta(minutes=5)
        elif self.status == self.Status.PENDING:
            limit = kind.waits_at_most
        else:
            limit = kind.stale_after
        return timezone.now() - self.heartbeat_at > limit

    @property
    def can_retry(self) -> bool:
        return self.status == self.Status.FAILED or self.is_stale

    def start(self) -> None:
        now = timezone.now()
        updated = Job.objects.filter(pk=self.pk, status=self.Status.PENDING).update(
            status=self.Status.RUNNING, started_at=now, heartbeat_at=now
        )
        if updated:
            self.status, self.started_at, self.heartbeat_at = self.Status.RUNNING, now, now

    def set_total(self, total: int) -> None:
        self.total = total
        Job.objects.filter(pk=self.pk).update(total=total, heartbeat_at=timezone.now())

    def advance(self, count: int = 1) -> None:
        """Add `count` to the work done (an UPDATE, so parallel batches add up), capped at the
        total."""
        done = Least(models.F("done") + count, models.F("total"))
        Job.objects.filter(pk=self.pk).update(done=done, heartbeat_at=timezone.now())
        self.done = min(self.done + count, self.total)

    def set_done(self, done: int) -> None:
        self.done = min(done, self.total)
        Job.objects.filter(pk=self.pk).update(done=self.done, heartbeat_at=timezone.now())

    def finish(self, result: dict | None = None) -> None:
        self.status = self.Status.DONE
        self.done = self.total
        self.finished_at = self.heartbeat_at = timezone.now()
        self.error = ""
        if result is not None:
            self.result = result
        self.save(
            update_fields=["status", "done", "finished_at", "heartbeat_at", "error", "result"]
        )

    def fail(self, error: str) -> None:
        self.status = self.Status.FAILED
        self.error = error[:2000]
        self.finished_at = self.heartbeat_at = timezone.now()
        Job.objects.filter(pk=self.pk).update(
            status=self.status,
            error=self.error,
            finished_at=self.finished_at,
            heartbeat_at=self.heartbeat_at,
        )

    def attach_result(self, content: bytes, filename: str) -> None:
        """Keep the file the job produced (private: served by core:job_file only)."""
        self.result_file.save(f"job-{self.pk}-{filename}", ContentFile(content), save=False)
        self.result_name = filename
        self.save(update_fields=["result_file", "result_name"])


class ImportBatchQuerySet(models.QuerySet):
    def of_kind(self, kind: str) -> "ImportBatchQuerySet":
        return self.filter(kind=kind)


def import_upload_path(instance, filename: str) -> str:
    return f"private/{instance.kind}/{timezone.now():%Y/%m}/{filename}"


class ImportBatch(models.Model):
    """One uploaded spreadsheet of any import: kept as uploaded, previewed, applied at most once
    (the apply runs as a Job)."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "En attente de confirmation"
        APPLIED = "applied", "Importé"
        REFUSED = "refused", "Refusé"

    kind = models.CharField("type d'import", max_length=50)
    # Stored under private/: MEDIA_URL has no public route, so the file is never served.
    file = models.FileField("fichier", upload_to=import_upload_path)
    original_name = models.CharField("nom du fichier", max_length=255, blank=True)
    school_year = models.ForeignKey(
        SchoolYear,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="année scolaire",
    )
    parameters = models.JSONField("paramètres", default=dict, blank=True)
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="importé par",
    )
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.PREVIEW
    )
    summary = models.JSONField("bilan", default=dict, blank=True)
    job = models.OneToOneField(
        Job,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_batch",
        verbose_name="application",
    )

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = "fichier importé"
        verbose_name_plural = "fichiers importés"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["kind", "-created_at"])]

    def __str__(self):
        return f"Import {self.school_year or self.kind} du {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def applied_at(self):
        if self.status == self.Status.APPLIED and self.job_id:
            return self.job.finished_at
        return None
