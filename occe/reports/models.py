"""The annual activity report: the texts staff write per section and year, and the files each
generation produced (kept: regenerating lists the previous ones with their date)."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from simple_history.models import HistoricalRecords

from occe.core.models import Job, SchoolYear, private_upload_path

TEXT_MAX_LENGTH = 20_000


class SectionTextQuerySet(models.QuerySet):
    def of_year(self, year: SchoolYear) -> dict[str, str]:
        return dict(self.filter(school_year=year).values_list("section", "text"))


class SectionText(models.Model):
    """The text of one section of one year's report, written by staff (history kept)."""

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name="année scolaire"
    )
    section = models.CharField("section", max_length=40)
    text = models.TextField("texte", blank=True, max_length=TEXT_MAX_LENGTH)
    updated_at = models.DateTimeField("modifié le", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="modifié par",
    )

    objects = SectionTextQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "texte du rapport d'activité"
        verbose_name_plural = "textes du rapport d'activité"
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "section"], name="report_text_one_per_section_and_year"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), TEXT_MAX_LENGTH),
                name="report_text_bounded",
                violation_error_message="Ce texte est trop long.",
            ),
        ]

    def __str__(self):
        return f"{self.section} {self.school_year}"


class GeneratedReport(models.Model):
    """One generation of a year's report (or activity plan): its job (progress) and, once
    done, its two files."""

    class Kind(models.TextChoices):
        REPORT = "rapport", "Rapport d'activité"
        PLAN = "projet", "Projet d'activité"

    kind = models.CharField("document", max_length=10, choices=Kind.choices, default=Kind.REPORT)
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name="année scolaire"
    )
    job = models.OneToOneField(
        Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("demandé le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="demandé par",
    )
    finished_at = models.DateTimeField("produit le", null=True, blank=True)
    # Private files: served only by reports:download, to staff and administrators.
    pdf = models.FileField("PDF", upload_to=private_upload_path, blank=True, max_length=255)
    xlsx = models.FileField("Excel", upload_to=private_upload_path, blank=True, max_length=255)

    class Meta:
        verbose_name = "rapport d'activité produit"
        verbose_name_plural = "rapports d'activité produits"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Rapport d'activité {self.school_year}"

    @property
    def basename(self) -> str:
        return f"{self.kind}-{self.school_year.label}"

    @property
    def is_plan(self) -> bool:
        return self.kind == self.Kind.PLAN

    @property
    def is_ready(self) -> bool:
        return bool(self.pdf and self.xlsx)
