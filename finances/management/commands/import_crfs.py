from django.core.management.base import CommandError

from finances.imports_crfs import CrfsImporter
from occe.core.imports import ImportCommand
from occe.core.models import SchoolYear


class Command(ImportCommand):
    help = (
        "Importe un classeur .xlsx des totaux des comptes rendus financiers de plusieurs "
        "coopératives pour un exercice (mêmes colonnes que le modèle téléchargeable)."
    )

    def add_importer_arguments(self, parser):
        parser.add_argument("--year", required=True, help="Exercice, par exemple 2024-2025")
        parser.add_argument(
            "--acceptes",
            action="store_true",
            help="Exercice passé : enregistrer les comptes rendus comme reçus et acceptés "
            "(comparaisons du rapport annuel). Refusé pour l'exercice de la campagne en cours.",
        )

    def get_importer(self, year, acceptes=False, **options) -> CrfsImporter:
        school_year = SchoolYear.objects.from_label(year, create=True)
        if school_year is None:
            raise CommandError(f"Exercice « {year} » invalide : attendu par exemple 2024-2025.")
        if acceptes and (refusal := CrfsImporter.past_year_refusal(school_year)):
            raise CommandError(refusal)
        return CrfsImporter(school_year=school_year, validated=acceptes)

    def success_message(self, result: dict) -> str:
        return (
            f"Import appliqué : {result['created']} compte(s) rendu(s) créé(s), "
            f"{result['updated']} mis à jour, {result['unchanged']} inchangé(s)."
        )
