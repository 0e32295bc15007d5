"""`manage.py backup`: one dated archive of the database and the files, then the rotation.

With `--daily-at HH:MM` the command stays up and backs up every day at that time: the `backup`
service of docker-compose.yml. A failed run is logged (and e-mailed to ADMINS), the next one
still happens.
"""

import datetime
import logging
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from occe.core.formats import number
from occe.ops import backups

logger = logging.getLogger("occe.ops.backups")


def parse_time(value: str) -> datetime.time:
    try:
        return datetime.datetime.strptime(value, "%H:%M").time()
    except ValueError as exc:
        raise CommandError(
            f"Heure invalide : {value!r} (attendu HH:MM, par exemple 02:30)."
        ) from exc


def next_run(now: datetime.datetime, at: datetime.time) -> datetime.datetime:
    """The next time `at` (local time) strictly after `now`."""
    local = timezone.localtime(now)
    day = local.date()
    candidate = timezone.make_aware(datetime.datetime.combine(day, at))
    if candidate <= local:
        candidate = timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=1), at)
        )
    # Through UTC, so that a time that does not exist (the change to summer time) becomes the
    # real instant it stands for.
    return timezone.localtime(candidate.astimezone(datetime.UTC))


def megabytes(size: int) -> str:
    return f"{number(size / 1_000_000, 1)} Mo"


class Command(BaseCommand):
    help = "Sauvegarde la base de données et les fichiers dans une archive datée, avec manifeste."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir", type=Path, help="Dossier des archives (défaut : BACKUP_DIR)."
        )
        parser.add_argument(
            "--keep-daily", type=int, help="Jours gardés (défaut : BACKUP_KEEP_DAILY)."
        )
        parser.add_argument(
            "--keep-monthly", type=int, help="Mois gardés (défaut : BACKUP_KEEP_MONTHLY)."
        )
        parser.add_argument(
            "--daily-at",
            metavar="HH:MM",
            help="Rester lancée et sauvegarder chaque jour à cette heure (heure de Paris).",
        )

    def handle(self, *args, output_dir, keep_daily, keep_monthly, daily_at, **options):
        directory = output_dir or Path(settings.BACKUP_DIR)
        daily = settings.BACKUP_KEEP_DAILY if keep_daily is None else keep_daily
        monthly = settings.BACKUP_KEEP_MONTHLY if keep_monthly is None else keep_monthly
        if daily < 1:
            raise CommandError("Gardez au moins une sauvegarde quotidienne (--keep-daily ≥ 1).")
        if not daily_at:
            self.backup(directory, daily, monthly)
            return
        at = parse_time(daily_at)
        self.stdout.write(f"Sauvegarde quotidienne à {at:%H:%M} dans {directory}.")
        while True:
            wait = (next_run(timezone.now(), at) - timezone.now()).total_seconds()
            time.sleep(max(wait, 0))
            close_old_connections()
            try:
                self.backup(directory, daily, monthly)
            except Exception:
                logger.exception("Sauvegarde quotidienne échouée")

    def backup(self, directory: Path, daily: int, monthly: int) -> None:
        try:
            result = backups.create_backup(directory)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        removed = backups.prune(directory, daily, monthly)
        logger.info(
            "Sauvegarde écrite",
            extra={
                "archive": result.path.name,
                "size_bytes": result.size,
                "rows": result.rows,
                "files": result.files,
                "duration_ms": round(result.seconds * 1000),
                "pruned": len(removed),
            },
        )
        self.stdout.write(
            f"Sauvegarde : {result.path} — {megabytes(result.size)}, "
            f"{number(result.rows)} lignes, {number(result.files)} fichiers, "
            f"en {number(result.seconds, 1)} s."
        )
        if removed:
            self.stdout.write(
                f"Rotation ({daily} jours, {monthly} mois) : {len(removed)} archive(s) supprimée(s)."
            )
