"""`manage.py rapport_activite --annee 2024-2025 --sortie DOSSIER`: the annual activity report,
written as `rapport-2024-2025.pdf` and `rapport-2024-2025.xlsx` (the code of the browser's job)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from occe.core.models import SchoolYear
from occe.reports.generate import generate


class Command(BaseCommand):
    help = "Produit le rapport d'activité d'une année scolaire (PDF et Excel)."

    def add_arguments(self, parser):
        parser.add_argument("--annee", required=True, help="L'année scolaire, par ex. 2024-2025.")
        parser.add_argument("--sortie", required=True, help="Le dossier où écrire les fichiers.")
        parser.add_argument(
            "--projet",
            action="store_true",
            help="Le projet d'activité de l'année (projet-AAAA-AAAA.pdf et .xlsx).",
        )

    def handle(self, *args, annee, sortie, projet=False, **options):
        year = SchoolYear.objects.from_label(annee, create=True)
        if year is None:
            raise CommandError(f"Année scolaire invalide : « {annee} » (attendu : 2024-2025).")
        folder = Path(sortie)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"Impossible de créer le dossier {folder} : {exc}") from exc
        output = generate(year, plan=projet)
        base = f"{'projet' if projet else 'rapport'}-{year.label}"
        try:
            (folder / f"{base}.pdf").write_bytes(output.pdf)
            (folder / f"{base}.xlsx").write_bytes(output.xlsx)
        except OSError as exc:
            raise CommandError(f"Impossible d'écrire dans {folder} : {exc}") from exc
        self.stdout.write(
            f"{folder / base}.pdf et .xlsx écrits "
            f"(données {output.timings['donnees']} s, PDF {output.timings['pdf']} s)."
        )
