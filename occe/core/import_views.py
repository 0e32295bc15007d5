"""The pages of a spreadsheet import (occe/core/imports.py): upload, preview, confirm.

An app declares its import in a few lines and wraps the views with its permission::

    class CrfsImport(ImportViews):
        importer_class = CrfsImporter
        form_class = ImportForm
        title = "Importer des comptes rendus financiers"
        templates = "finances/crfs/import"  # import.html, import_preview.html
        url_name = "finances:crfs_import"  # crfs_import, crfs_import_preview, …_template
        list_url = "finances:crfs_list"

        def success_message(self, batch, result): ...

    flow = CrfsImport()
    import_upload = secretariat_only(flow.upload)
    import_preview = secretariat_only(flow.preview)

The form gives the file (`file`, checked by `clean_upload`) and the school year
(`school_year`); `importer(form)` builds the importer from the rest of it. Once applied, the
user lands on the list of the imported year. An import of no school year (the Trousse à
projets' export) sets `by_year = False`, and `has_template = False` when the file is another
system's export rather than a template to fill in.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from .imports import ACTIONS, ERROR, ImportRefused, confirm_batch, plan_batch, receive_upload
from .models import ImportBatch, Job, SchoolYear
from .spreadsheets import clean_upload

SHOWN_ROWS = 200
XLSX = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class YearImportForm(forms.Form):
    """The upload form of an import for one school year, with a checkbox recording a past year
    as done (affiliations validated, reports accepted, sessions held). A subclass declares that
    checkbox (named `past_field`) and its importer, whose `past_year_refusal(year)` says which
    years may not be loaded so; it may relabel `school_year` and choose `initial_year()`."""

    importer_class: type = None
    past_field = "validated"

    school_year = forms.ModelChoiceField(
        label="Année scolaire", queryset=SchoolYear.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label="Fichier Excel (.xlsx)", widget=forms.FileInput(attrs={"accept": XLSX})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["school_year", self.past_field, "file"])
        SchoolYear.objects.ensure_recent()
        self.fields["school_year"].queryset = SchoolYear.objects.up_to_current()
        self.fields["school_year"].initial = self.initial_year()
        self.fields["file"].help_text = (
            f"Au plus {settings.MAX_UPLOAD_SIZE // (1024 * 1024)} Mo. Première ligne : les "
            "en-têtes du modèle."
        )

    def initial_year(self) -> SchoolYear:
        return SchoolYear.objects.current()

    def clean_file(self):
        return clean_upload(self.cleaned_data["file"])

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("school_year")
        if cleaned.get(self.past_field) and year:
            refusal = self.importer_class.past_year_refusal(year)
            if refusal:
                self.add_error(self.past_field, refusal)
        return cleaned


class ImportViews:
    importer_class: type = None
    form_class: type = None
    title = ""
    # The pages' templates: `<templates>.html` (extending core/import_upload.html) and
    # `<templates>_preview.html` (extending core/import_preview.html).
    templates = ""
    # URL names: the upload page `<url_name>`, the preview `<url_name>_preview` (taking
    # `batch_pk`), the blank file `<url_name>_template`; the list the import fills.
    url_name = ""
    list_url = ""
    shown_rows = SHOWN_ROWS
    by_year = True  # the form chooses a school year, kept with each uploaded file
    has_template = True  # a blank file to fill in, at `<url_name>_template`

    @property
    def preview_url(self) -> str:
        return f"{self.url_name}_preview"

    def importer(self, form):
        """The importer for the form's choices (by default, its school year)."""
        if not self.by_year:
            return self.importer_class()
        return self.importer_class(school_year=form.cleaned_data["school_year"])

    def columns(self) -> list[str]:
        """The columns the upload page lists."""
        return self.importer_class(school_year=None).headers

    def preview_title(self, batch: ImportBatch) -> str:
        return f"Aperçu de l'import {batch.school_year}" if self.by_year else self.title

    def done_url(self, batch: ImportBatch) -> str:
        """Where the user lands once the batch is applied: the list, of the imported year."""
        url = reverse(self.list_url)
        return f"{url}?annee={batch.school_year.label}" if self.by_year else url

    def success_message(self, batch: ImportBatch, result: dict) -> str:
        """What the user reads once the batch is applied (`result`: the job's counts)."""
        raise NotImplementedError

    def urls(self) -> dict:
        return {
            "upload": self.url_name,
            "preview": self.preview_url,
            "template": f"{self.url_name}_template" if self.has_template else "",
            "list": self.list_url,
        }

    def batches(self):
        return ImportBatch.objects.of_kind(self.importer_class.kind).select_related(
            "school_year", "created_by", "job"
        )

    def upload(self, request):
        form = self.form_class(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            batch, plan = receive_upload(
                self.importer(form),
                form.cleaned_data["file"],
                request.user,
                school_year=form.cleaned_data["school_year"] if self.by_year else None,
            )
            if not plan.file_errors:
                return redirect(self.preview_url, batch_pk=batch.pk)
            for error in plan.file_errors:
                form.add_error("file", error)
        context = {
            "form": form,
            "batches": self.batches()[:10],
            "columns": self.columns(),
            "title": self.title,
            "urls": self.urls(),
            "by_year": self.by_year,
        }
        return render(request, f"{self.templates}.html", context)

    def preview(self, request, batch_pk):
        batch = get_object_or_404(self.batches(), pk=batch_pk)
        if request.method == "POST":
            return self.confirm(request, batch.pk)
        plan = plan_batch(batch)
        order = {action: index for index, action in enumerate(ACTIONS)}
        rows = sorted(plan.rows, key=lambda row: (row.action != ERROR, order[row.action], row.line))
        applying = batch.job if batch.job_id and not batch.job.is_finished else None
        context = {
            "batch": batch,
            "plan": plan,
            "counts": plan.counts,
            "rows": rows[: self.shown_rows],
            "hidden_rows": max(0, len(rows) - self.shown_rows),
            "shown_rows": self.shown_rows,
            "job": batch.job,
            "urls": self.urls(),
            "title": self.preview_title(batch),
            "can_confirm": batch.status == ImportBatch.Status.PREVIEW
            and not plan.has_errors
            and applying is None,
        }
        return render(request, f"{self.templates}_preview.html", context)

    def confirm(self, request, batch_pk):
        with transaction.atomic():
            # Locked: a second click (or a second tab) waits, then sees the batch applied.
            batch = get_object_or_404(ImportBatch.objects.select_for_update(), pk=batch_pk)
            try:
                job = confirm_batch(batch, request.user)
            except ImportRefused as exc:
                messages.error(request, str(exc))
                return redirect(self.preview_url, batch_pk=batch.pk)
        # Without a worker the job has run on commit; with one, the preview shows its progress.
        job.refresh_from_db()
        if job.status == Job.Status.FAILED:
            messages.error(request, job.error)
        elif job.status == Job.Status.DONE:
            messages.success(request, self.success_message(batch, job.result))
            return redirect(self.done_url(batch))
        return redirect(self.preview_url, batch_pk=batch.pk)
