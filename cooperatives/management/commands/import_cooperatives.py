from django.core.management.base import CommandError

from cooperatives.exchange import CooperativeImporter
from occe.core.imports import ImportCommand
from occe.core.models import SchoolYear


class Command(ImportCommand):
    help = (
        "Importe un classeur .xlsx de coopératives et de leurs effectifs pour une année "
        "scolaire (mêmes colonnes que le modèle téléchargeable)."
    )

    def add_importer_arguments(self, parser):
        parser.add_argument("--year", required=True, help="Année scolaire, par exemple 2024-2025")

    def get_importer(self, year, **options) -> CooperativeImporter:
        school_year = SchoolYear.objects.from_label(year, create=True)
        if school_year is None:
            raise CommandError(
                f"Année scolaire « {year} » invalide : attendu par exemple 2024-2025."
            )
        return CooperativeImporter(school_year=school_year)

    def success_message(self, result: dict) -> str:
        return super().success_message(result)[:-1] + (
            f", {result['mandataires']} mandataire(s) nommé(s)."
        )
