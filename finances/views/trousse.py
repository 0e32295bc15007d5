"""Gifts collected on the Trousse à projets platform, imported from its export file."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from cooperatives.models import Cooperative
from occe.accounts.access import secretariat_only
from occe.core.spreadsheets import SpreadsheetError, normalize_header

from .. import services
from ..forms import TrousseUploadForm
from ..imports import HEADERS, gift_from_record, read_any_table
from ..models import DonationRequest, TrousseImport, TrousseMapping


class MappingForm(forms.Form):
    cooperative = forms.ModelChoiceField(
        label="Coopérative bénéficiaire", queryset=Cooperative.objects.active()
    )

    def __init__(self, *args, headers=(), mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— ignorer —")] + [(h, h) for h in headers]
        mapping = mapping or {}
        by_key = {normalize_header(h): h for h in headers}
        for label, name in HEADERS.items():
            initial = (
                mapping.get(name)
                if mapping.get(name) in headers
                else by_key.get(normalize_header(label), "")
            )
            self.fields[name] = forms.ChoiceField(
                label=f"Colonne pour « {label} »", choices=choices, required=False, initial=initial
            )

    def mapping(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in HEADERS.values() if self.cleaned_data[name]
        }


@secretariat_only
def trousse_upload(request):
    form = TrousseUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            headers, rows = read_any_table(upload.read(), upload.name)
        except SpreadsheetError as exc:
            form.add_error("file", str(exc))
        else:
            imported = TrousseImport.objects.create(
                headers=headers, rows=rows, filename=upload.name[:200], created_by=request.user
            )
            return redirect("finances:trousse_mapping", pk=imported.pk)
    return render(request, "finances/trousse_upload.html", {"form": form})


@secretariat_only
def trousse_mapping(request, pk):
    imported = get_object_or_404(TrousseImport, pk=pk, request__isnull=True)
    saved = TrousseMapping.get()
    form = MappingForm(request.POST or None, headers=imported.headers, mapping=saved.mapping)
    errors = []
    if request.method == "POST" and form.is_valid():
        mapping = form.mapping()
        index = {h: i for i, h in enumerate(imported.headers)}
        gifts = []
        for number, row in enumerate(imported.rows, start=2):
            record = {name: row[index[column]] for name, column in mapping.items()}
            fields, problems = gift_from_record(record)
            if problems:
                errors.append(f"Ligne {number} : " + " ; ".join(problems) + ".")
            gifts.append(fields)
        if not errors:
            try:
                donation_request = services.import_trousse(
                    imported.pk, form.cleaned_data["cooperative"], gifts, request.user, mapping
                )
            except services.WorkflowError as exc:
                # A second click while the first was being saved.
                messages.error(request, str(exc))
                return redirect("finances:request_list")
            if donation_request.status == DonationRequest.Status.SUBMITTED:
                messages.success(
                    request, f"{len(gifts)} dons de la Trousse à projets importés dans une demande."
                )
            else:
                messages.warning(
                    request,
                    f"{len(gifts)} dons importés dans une demande restée en brouillon : "
                    "certaines lignes sont à corriger avant de la soumettre.",
                )
            return redirect("finances:request_detail", pk=donation_request.pk)
    context = {
        "form": form,
        "imported": imported,
        "errors": errors[:30],
        "preview": imported.rows[:5],
    }
    return render(request, "finances/trousse_mapping.html", context)
