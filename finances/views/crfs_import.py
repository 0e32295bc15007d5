"""The secretariat's import of many coops' CRFS totals: upload, preview, confirm."""

from django import forms

from occe.accounts.access import secretariat_only
from occe.core.import_views import ImportViews, YearImportForm
from occe.core.models import SchoolYear
from occe.core.spreadsheets import xlsx_response

from ..imports_crfs import CrfsImporter


class ImportForm(YearImportForm):
    importer_class = CrfsImporter
    school_year = forms.ModelChoiceField(
        label="Exercice", queryset=SchoolYear.objects.none(), empty_label=None
    )
    validated = forms.BooleanField(
        label="Exercice passé : enregistrer les comptes rendus comme acceptés",
        required=False,
        help_text="Pour charger les comptes rendus d'un exercice passé (comparaisons du rapport "
        "annuel). Refusé pour l'exercice de la campagne en cours.",
    )

    def initial_year(self):
        return SchoolYear.objects.current().previous()


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
