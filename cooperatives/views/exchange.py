"""Excel import and export of cooperatives: the pages around cooperatives/exchange.py."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.base import ContentFile
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from occe.accounts.access import secretariat_only, staff_or_board
from occe.core.models import SchoolYear, year_from_request
from occe.core.spreadsheets import SpreadsheetError, check_size, clean_upload, xlsx_response

from ..exchange import (
    ACTIONS,
    COLUMNS,
    ERROR,
    ImportPlan,
    ImportRefused,
    apply_import,
    export_workbook,
    plan_import,
    template_workbook,
)
from ..models import ImportBatch
from .cooperatives import filtered_cooperatives

SHOWN_ROWS = 200


class ImportForm(forms.Form):
    school_year = forms.ModelChoiceField(
        label="Année scolaire des effectifs",
        queryset=SchoolYear.objects.none(),
        empty_label=None,
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


@staff_or_board
def export(request):
    year = year_from_request(request)
    _, queryset, _ = filtered_cooperatives(request, year)
    return xlsx_response(export_workbook(queryset, year), f"cooperatives-{year.label}.xlsx")


@secretariat_only
def template(request):
    return xlsx_response(template_workbook(), "modele-import-cooperatives.xlsx")


@secretariat_only
def upload(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        year = form.cleaned_data["school_year"]
        data = uploaded.read()
        plan = plan_import(data, year)
        # The upload is kept whatever its content, so that a refused file can be looked at.
        batch = ImportBatch(
            school_year=year,
            created_by=request.user,
            original_name=uploaded.name[:255],
            status=ImportBatch.Status.REFUSED if plan.has_errors else ImportBatch.Status.PREVIEW,
            summary=plan.summary(),
        )
        batch.file.save("import-cooperatives.xlsx", ContentFile(data), save=False)
        batch.save()
        if not plan.file_errors:
            return redirect("cooperatives:import_preview", batch_pk=batch.pk)
        for error in plan.file_errors:
            form.add_error("file", error)
    batches = ImportBatch.objects.select_related("school_year", "created_by")[:10]
    return render(
        request,
        "cooperatives/import.html",
        {"form": form, "batches": batches, "columns": COLUMNS},
    )


def _plan(batch: ImportBatch) -> ImportPlan:
    """The batch's stored file compared with the database as it is now."""
    plan = ImportPlan(school_year=batch.school_year)
    try:
        check_size(batch.file.size)
        with batch.file.open("rb") as stored:
            data = stored.read()
    except SpreadsheetError as error:
        plan.file_errors.append(str(error))
        return plan
    except OSError:
        plan.file_errors.append("Le fichier déposé est introuvable : déposez-le à nouveau.")
        return plan
    return plan_import(data, batch.school_year)


@secretariat_only
def preview(request, batch_pk):
    batch = get_object_or_404(
        ImportBatch.objects.select_related("school_year", "created_by"), pk=batch_pk
    )
    if request.method == "POST":
        return _confirm(request, batch.pk)
    plan = _plan(batch)
    order = {action: index for index, action in enumerate(ACTIONS)}
    rows = sorted(plan.rows, key=lambda row: (row.action != ERROR, order[row.action], row.line))
    context = {
        "batch": batch,
        "plan": plan,
        "counts": plan.counts,
        "rows": rows[:SHOWN_ROWS],
        "hidden_rows": max(0, len(rows) - SHOWN_ROWS),
        "shown_rows": SHOWN_ROWS,
        "can_confirm": batch.status == ImportBatch.Status.PREVIEW and not plan.has_errors,
    }
    return render(request, "cooperatives/import_preview.html", context)


def _confirm(request, batch_pk):
    with transaction.atomic():
        # Locked: a second click (or a second tab) waits, then sees the batch applied.
        batch = get_object_or_404(
            ImportBatch.objects.select_for_update().select_related("school_year"), pk=batch_pk
        )
        if batch.status != ImportBatch.Status.PREVIEW:
            messages.error(
                request,
                f"Cet import est déjà {batch.get_status_display().lower()} : "
                "il n'a pas été appliqué une seconde fois.",
            )
            return redirect("cooperatives:import_preview", batch_pk=batch.pk)
        plan = _plan(batch)
        try:
            result = apply_import(plan, user=request.user)
        except ImportRefused as exc:
            batch.status = ImportBatch.Status.REFUSED
            batch.summary = plan.summary()
            batch.save(update_fields=["status", "summary"])
            messages.error(request, str(exc))
            return redirect("cooperatives:import_preview", batch_pk=batch.pk)
        batch.status = ImportBatch.Status.APPLIED
        batch.applied_at = timezone.now()
        batch.summary = {**plan.summary(), "result": result}
        batch.save(update_fields=["status", "applied_at", "summary"])
    messages.success(
        request,
        f"Import {batch.school_year} appliqué : {result['created']} coopérative(s) créée(s), "
        f"{result['updated']} mise(s) à jour, {result['unchanged']} inchangée(s), "
        f"{result['mandataires']} mandataire(s) nommé(s).",
    )
    return redirect(reverse("cooperatives:list") + f"?annee={batch.school_year.label}")
