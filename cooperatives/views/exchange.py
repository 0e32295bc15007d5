"""Excel import and export of cooperatives: the pages around cooperatives/exchange.py."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from occe.accounts.access import secretariat_only, staff_or_board
from occe.core.imports import (
    ACTIONS,
    ERROR,
    ImportRefused,
    confirm_batch,
    plan_batch,
    receive_upload,
)
from occe.core.models import ImportBatch, Job, SchoolYear, year_from_request
from occe.core.spreadsheets import clean_upload, xlsx_response

from ..exchange import COLUMNS, CooperativeExporter, CooperativeImporter, template_workbook
from .cooperatives import filtered_cooperatives

SHOWN_ROWS = 200


class ImportForm(forms.Form):
    school_year = forms.ModelChoiceField(
        label="Année scolaire des effectifs",
        queryset=SchoolYear.objects.none(),
        empty_label=None,
    )
    validated = forms.BooleanField(
        label="Année passée : enregistrer les affiliations comme validées",
        required=False,
        help_text="Pour charger les chiffres d'une année passée (comparaisons du rapport "
        "d'activité). Refusé pour l'année en cours.",
    )
    file = forms.FileField(
        label="Fichier Excel (.xlsx)",
        widget=forms.FileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        SchoolYear.objects.ensure_recent()
        years = SchoolYear.objects.up_to_current()
        self.fields["school_year"].queryset = years
        self.fields["school_year"].initial = SchoolYear.objects.current()
        help_text = f"Au plus {settings.MAX_UPLOAD_SIZE // (1024 * 1024)} Mo. Première ligne : les en-têtes du modèle."
        self.fields["file"].help_text = help_text

    def clean_file(self):
        return clean_upload(self.cleaned_data["file"])

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("school_year")
        if cleaned.get("validated") and year:
            refusal = CooperativeImporter.past_year_refusal(year)
            if refusal:
                self.add_error("validated", refusal)
        return cleaned


def batches():
    return ImportBatch.objects.of_kind(CooperativeImporter.kind).select_related(
        "school_year", "created_by", "job"
    )


@staff_or_board
def export(request):
    year = year_from_request(request)
    _, queryset, _ = filtered_cooperatives(request, year)
    return CooperativeExporter(queryset=queryset, school_year=year).response()


@secretariat_only
def template(request):
    return xlsx_response(template_workbook(), "modele-import-cooperatives.xlsx")


@secretariat_only
def upload(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["school_year"]
        batch, plan = receive_upload(
            CooperativeImporter(school_year=year, validated=form.cleaned_data["validated"]),
            form.cleaned_data["file"],
            request.user,
            school_year=year,
        )
        if not plan.file_errors:
            return redirect("cooperatives:import_preview", batch_pk=batch.pk)
        for error in plan.file_errors:
            form.add_error("file", error)
    return render(
        request,
        "cooperatives/import.html",
        {"form": form, "batches": batches()[:10], "columns": COLUMNS},
    )


@secretariat_only
def preview(request, batch_pk):
    batch = get_object_or_404(batches(), pk=batch_pk)
    if request.method == "POST":
        return _confirm(request, batch.pk)
    plan = plan_batch(batch)
    order = {action: index for index, action in enumerate(ACTIONS)}
    rows = sorted(plan.rows, key=lambda row: (row.action != ERROR, order[row.action], row.line))
    applying = batch.job if batch.job_id and not batch.job.is_finished else None
    context = {
        "batch": batch,
        "plan": plan,
        "counts": plan.counts,
        "rows": rows[:SHOWN_ROWS],
        "hidden_rows": max(0, len(rows) - SHOWN_ROWS),
        "shown_rows": SHOWN_ROWS,
        "job": batch.job,
        "can_confirm": batch.status == ImportBatch.Status.PREVIEW
        and not plan.has_errors
        and applying is None,
    }
    return render(request, "cooperatives/import_preview.html", context)


def _confirm(request, batch_pk):
    with transaction.atomic():
        # Locked: a second click (or a second tab) waits, then sees the batch applied.
        batch = get_object_or_404(ImportBatch.objects.select_for_update(), pk=batch_pk)
        try:
            job = confirm_batch(batch, request.user)
        except ImportRefused as exc:
            messages.error(request, str(exc))
            return redirect("cooperatives:import_preview", batch_pk=batch.pk)
    # Without a worker the job has run on commit; with one, the preview shows its progress.
    job.refresh_from_db()
    if job.status == Job.Status.FAILED:
        messages.error(request, job.error)
    elif job.status == Job.Status.DONE:
        result = job.result
        messages.success(
            request,
            f"Import {batch.school_year} appliqué : {result['created']} coopérative(s) "
            f"créée(s), {result['updated']} mise(s) à jour, {result['unchanged']} "
            f"inchangée(s), {result['mandataires']} mandataire(s) nommé(s).",
        )
        return redirect(reverse("cooperatives:list") + f"?annee={batch.school_year.label}")
    return redirect("cooperatives:import_preview", batch_pk=batch.pk)
