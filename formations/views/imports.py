"""Staff's import of training registrations (formations/imports.py): upload, preview, confirm;
a past year can be recorded as done (sessions held, attendance)."""

from django import forms

from occe.core.import_views import ImportViews, YearImportForm
from occe.core.models import SchoolYear
from occe.core.spreadsheets import xlsx_response

from ..imports import RegistrationImporter
from .common import staff_only


class ImportForm(YearImportForm):
    importer_class = RegistrationImporter
    past_field = "done"
    school_year = forms.ModelChoiceField(
        label="Année scolaire des sessions", queryset=SchoolYear.objects.none(), empty_label=None
    )
    done = forms.BooleanField(
        label="Année passée : enregistrer les sessions comme tenues, avec les présences",
        required=False,
        help_text="Pour charger les chiffres d'une année passée (comparaisons du rapport "
        "d'activité). Refusé pour l'année en cours.",
    )


class RegistrationImport(ImportViews):
    importer_class = RegistrationImporter
    form_class = ImportForm
    title = "Importer des inscriptions aux formations"
    templates = "formations/import"
    url_name = "formations:import"
    list_url = "formations:session_list"

    def importer(self, form):
        data = form.cleaned_data
        return RegistrationImporter(school_year=data["school_year"], done=data["done"])

    def success_message(self, batch, result):
        return (
            f"Import {batch.school_year} appliqué : {result['created']} inscription(s) créée(s), "
            f"{result['updated']} mise(s) à jour, {result['unchanged']} inchangée(s) ; "
            f"{result['sessions']} session(s) et {result['accounts']} compte(s) de participant "
            "créé(s)."
        )


flow = RegistrationImport()
upload = staff_only(flow.upload)
preview = staff_only(flow.preview)


@staff_only
def template(request):
    importer = RegistrationImporter(school_year=SchoolYear.objects.current())
    return xlsx_response(importer.template(), "modele-import-inscriptions.xlsx")
