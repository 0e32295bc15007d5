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
        parser.add_argument(
            "--validees",
            action="store_true",
            help="Année passée : enregistrer les affiliations comme validées (comparaisons du "
            "rapport d'activité). Refusé pour l'année en cours.",
        )

    def get_importer(self, year, validees=False, **options) -> CooperativeImporter:
        school_year = SchoolYear.objects.from_label(year, create=True)
        if school_year is None:
            raise CommandError(
                f"Année scolaire « {year} » invalide : attendu par exemple 2024-2025."
            )
        if validees and (refusal := CooperativeImporter.past_year_refusal(school_year)):
            raise CommandError(refusal)
        return CooperativeImporter(school_year=school_year, validated=validees)

    def success_message(self, result: dict) -> str:
        return super().success_message(result)[:-1] + (
            f", {result['mandataires']} mandataire(s) nommé(s)."
        )
