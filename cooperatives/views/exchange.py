"""Excel import and export of cooperatives: the pages around cooperatives/exchange.py."""

from django import forms

from occe.accounts.access import secretariat_only, staff_or_board
from occe.core.import_views import ImportViews, YearImportForm
from occe.core.models import SchoolYear, year_from_request
from occe.core.spreadsheets import xlsx_response

from ..exchange import COLUMNS, CooperativeExporter, CooperativeImporter, template_workbook
from .cooperatives import filtered_cooperatives


class ImportForm(YearImportForm):
    importer_class = CooperativeImporter
    school_year = forms.ModelChoiceField(
        label="Année scolaire des effectifs", queryset=SchoolYear.objects.none(), empty_label=None
    )
    validated = forms.BooleanField(
        label="Année passée : enregistrer les affiliations comme validées",
        required=False,
        help_text="Pour charger les chiffres d'une année passée (comparaisons du rapport "
        "d'activité). Refusé pour l'année en cours.",
    )


class CooperativeImport(ImportViews):
    importer_class = CooperativeImporter
    form_class = ImportForm
    title = "Importer des coopératives"
    templates = "cooperatives/import"
    url_name = "cooperatives:import"
    list_url = "cooperatives:list"

    def importer(self, form):
        data = form.cleaned_data
        return CooperativeImporter(school_year=data["school_year"], validated=data["validated"])

    def columns(self):
        return COLUMNS

    def success_message(self, batch, result):
        return (
            f"Import {batch.school_year} appliqué : {result['created']} coopérative(s) "
            f"créée(s), {result['updated']} mise(s) à jour, {result['unchanged']} "
            f"inchangée(s), {result['mandataires']} mandataire(s) nommé(s)."
        )


flow = CooperativeImport()
upload = secretariat_only(flow.upload)
preview = secretariat_only(flow.preview)


@staff_or_board
def export(request):
    year = year_from_request(request)
    _, queryset, _ = filtered_cooperatives(request, year)
    return CooperativeExporter(queryset=queryset, school_year=year).response()


@secretariat_only
def template(request):
    return xlsx_response(template_workbook(), "modele-import-cooperatives.xlsx")
