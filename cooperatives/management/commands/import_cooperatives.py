from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cooperatives.exchange import ImportRefused, apply_import, plan_import, report_lines
from occe.core.models import SchoolYear


class Command(BaseCommand):
    help = (
        "Importe un classeur .xlsx de coopératives et de leurs effectifs pour une année "
        "scolaire (mêmes colonnes que le modèle téléchargeable)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Chemin du fichier .xlsx")
        parser.add_argument("--year", required=True, help="Année scolaire, par exemple 2024-2025")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Affiche le bilan sans rien enregistrer.",
        )

    def handle(self, *args, file, year, dry_run, **options):
        school_year = SchoolYear.objects.from_label(year, create=True)
        if school_year is None:
            raise CommandError(
                f"Année scolaire « {year} » invalide : attendu par exemple 2024-2025."
            )
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        # The same limit as the upload form, checked before reading the file.
        if path.stat().st_size > settings.MAX_UPLOAD_SIZE:
            limit = settings.MAX_UPLOAD_SIZE // (1024 * 1024)
            raise CommandError(f"Le fichier dépasse la taille maximale de {limit} Mo.")
        plan = plan_import(path.read_bytes(), school_year)
        for line in report_lines(plan):
            self.stdout.write(line)
        if plan.has_errors:
            raise CommandError("Le fichier contient des erreurs : rien n'a été importé.")
        if dry_run:
            self.stdout.write("Simulation (--dry-run) : rien n'a été enregistré.")
            return
        try:
            result = apply_import(plan)
        except ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Import appliqué : {result['created']} créée(s), {result['updated']} mise(s) à "
                f"jour, {result['unchanged']} inchangée(s), {result['mandataires']} "
                "mandataire(s) nommé(s)."
            )
        )
