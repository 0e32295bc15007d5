"""`manage.py restore ARCHIVE`: the database and the files of an archive of `backup`, into an
empty database and media folder (or over them with --force), checked against its manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from occe.core.formats import number
from occe.ops import backups


class Command(BaseCommand):
    help = "Restaure une archive de `backup` dans une base et un dossier de fichiers vides."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Remplacer une base ou un dossier de fichiers qui ne sont pas vides.",
        )

    def handle(self, *args, archive, force, **options):
        try:
            result = backups.restore_backup(archive, force=force)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restauré depuis {archive} : {number(result.rows)} lignes, "
            f"{number(result.files)} fichiers, en {number(result.seconds, 1)} s. Vérifié : "
            "lignes de chaque table et empreintes SHA-256 des fichiers identiques au manifeste."
        )
        if result.pending_migrations:
            self.stdout.write(
                f"{result.pending_migrations} migration(s) du code sont plus récentes que "
                "la sauvegarde : lancez `python manage.py migrate`."
            )
