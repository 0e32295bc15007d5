"""The secretariat's import of many coops' CRFS totals: upload, preview, confirm."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from occe.accounts.access import secretariat_only
from occe.core.imports import (
    ACTIONS,
    ERROR,
    ImportRefused,
    confirm_batch,
    plan_batch,
    receive_upload,
)
from occe.core.models import ImportBatch, Job, SchoolYear
from occe.core.spreadsheets import clean_upload, xlsx_response

from ..imports_crfs import CrfsImporter

SHOWN_ROWS = 200


class ImportForm(forms.Form):
    school_year = forms.ModelChoiceField(
        label="Exercice", queryset=SchoolYear.objects.none(), empty_label=None
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
        self.fields["school_year"].queryset = SchoolYear.objects.up_to_current()
        self.fields["school_year"].initial = SchoolYear.objects.current().previous()
        self.fields["file"].help_text = (
            f"Au plus {settings.MAX_UPLOAD_SIZE // (1024 * 1024)} Mo. Première ligne : les "
            "en-têtes du modèle."
        )

    def clean_file(self):
        return clean_upload(self.cleaned_data["file"])


def batches():
    return ImportBatch.objects.of_kind(CrfsImporter.kind).select_related(
        "school_year", "created_by", "job"
    )


@secretariat_only
def import_template(request):
    importer = CrfsImporter(school_year=SchoolYear.objects.current().previous())
    return xlsx_response(importer.template(), "modele-import-crfs.xlsx")


@secretariat_only
def import_upload(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["school_year"]
        batch, plan = receive_upload(
            CrfsImporter(school_year=year),
            form.cleaned_data["file"],
            request.user,
            school_year=year,
        )
        if not plan.file_errors:
            return redirect("finances:crfs_import_preview", batch_pk=batch.pk)
        for error in plan.file_errors:
            form.add_error("file", error)
    return render(
        request,
        "finances/crfs/import.html",
        {
            "form": form,
            "batches": batches()[:10],
            "columns": CrfsImporter(school_year=None).headers,
        },
    )


@secretariat_only
def import_preview(request, batch_pk):
    batch = get_object_or_404(batches(), pk=batch_pk)
    if request.method == "POST":
        return _confirm(request, batch.pk)
    plan = plan_batch(batch)
    order = {action: index for index, action in enumerate(ACTIONS)}
    rows = sorted(plan.rows, key=lambda row: (row.action != ERROR, order[row.action], row.line))
    applying = batch.job if batch.job_id and not batch.job.is_finished else None
    return render(
        request,
        "finances/crfs/import_preview.html",
        {
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
        },
    )


def _confirm(request, batch_pk):
    with transaction.atomic():
        batch = get_object_or_404(ImportBatch.objects.select_for_update(), pk=batch_pk)
        try:
            job = confirm_batch(batch, request.user)
        except ImportRefused as exc:
            messages.error(request, str(exc))
            return redirect("finances:crfs_import_preview", batch_pk=batch.pk)
    job.refresh_from_db()
    if job.status == Job.Status.FAILED:
        messages.error(request, job.error)
    elif job.status == Job.Status.DONE:
        result = job.result
        messages.success(
            request,
            f"Import {batch.school_year} appliqué : {result['created']} compte(s) rendu(s) "
            f"créé(s), {result['updated']} mis à jour, {result['unchanged']} inchangé(s).",
        )
        return redirect(reverse("finances:crfs_list") + f"?annee={batch.school_year.label}")
    return redirect("finances:crfs_import_preview", batch_pk=batch.pk)
