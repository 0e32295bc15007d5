"""The secretariat's import of many coops' CRFS totals: upload, preview, confirm."""

from django import forms
from django.conf import settings

from occe.accounts.access import secretariat_only
from occe.core.import_views import ImportViews
from occe.core.models import SchoolYear
from occe.core.spreadsheets import clean_upload, xlsx_response

from ..imports_crfs import CrfsImporter


class ImportForm(forms.Form):
    school_year = forms.ModelChoiceField(
        label="Exercice", queryset=SchoolYear.objects.none(), empty_label=None
    )
    validated = forms.BooleanField(
        label="Exercice passé : enregistrer les comptes rendus comme acceptés",
        required=False,
        help_text="Pour charger les comptes rendus d'un exercice passé (comparaisons du rapport "
        "annuel). Refusé pour l'exercice de la campagne en cours.",
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

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("school_year")
        if cleaned.get("validated") and year:
            refusal = CrfsImporter.past_year_refusal(year)
            if refusal:
                self.add_error("validated", refusal)
        return cleaned


class CrfsImport(ImportViews):
    importer_class = CrfsImporter
    form_class = ImportForm
    title = "Importer des comptes rendus financiers"
    templates = "finances/crfs/import"
    url_name = "finances:crfs_import"
    list_url = "finances:crfs_list"

    def importer(self, form):
        data = form.cleaned_data
        return CrfsImporter(school_year=data["school_year"], validated=data["validated"])

    def success_message(self, batch, result):
        accepted = (
            ", enregistrés comme acceptés" if (batch.parameters or {}).get("validated") else ""
        )
        return (
            f"Import {batch.school_year} appliqué : {result['created']} compte(s) rendu(s) "
            f"créé(s), {result['updated']} mis à jour, {result['unchanged']} "
            f"inchangé(s){accepted}."
        )


flow = CrfsImport()
import_upload = secretariat_only(flow.upload)
import_preview = secretariat_only(flow.preview)


@secretariat_only
def import_template(request):
    importer = CrfsImporter(school_year=SchoolYear.objects.current().previous())
    return xlsx_response(importer.template(), "modele-import-crfs.xlsx")
