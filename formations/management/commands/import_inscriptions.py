from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from formations.imports import RegistrationImporter
from occe.accounts import rules
from occe.core.imports import ImportCommand
from occe.core.models import SchoolYear


class Command(ImportCommand):
    help = (
        "Importe un classeur .xlsx d'inscriptions aux formations pour une année scolaire "
        "(mêmes colonnes que le modèle téléchargeable)."
    )
    importer_class = RegistrationImporter

    def add_importer_arguments(self, parser):
        parser.add_argument("--year", required=True, help="Année scolaire, par exemple 2024-2025")
        parser.add_argument(
            "--par",
            required=True,
            help="Courriel du membre de l'équipe qui enregistre les inscriptions.",
        )
        parser.add_argument(
            "--terminees",
            action="store_true",
            help="Année passée : sessions enregistrées comme tenues, avec les présences "
            "(comparaisons du rapport d'activité). Refusé pour l'année en cours.",
        )

    def get_importer(self, year, par, terminees=False, **options) -> RegistrationImporter:
        school_year = SchoolYear.objects.from_label(year, create=True)
        if school_year is None:
            raise CommandError(
                f"Année scolaire « {year} » invalide : attendu par exemple 2024-2025."
            )
        if terminees and (refusal := RegistrationImporter.past_year_refusal(school_year)):
            raise CommandError(refusal)
        author = get_user_model().objects.filter(email=par.strip().lower()).first()
        if author is None or not rules.is_staff_member(author):
            raise CommandError(f"« {par} » n'est pas le courriel d'un membre de l'équipe.")
        return RegistrationImporter(school_year=school_year, done=terminees, author=author)

    def success_message(self, result: dict) -> str:
        return (
            f"Import appliqué : {result['created']} inscription(s) créée(s), {result['updated']} "
            f"mise(s) à jour, {result['unchanged']} inchangée(s) ; {result['sessions']} "
            f"session(s) et {result['accounts']} compte(s) de participant créé(s)."
        )
