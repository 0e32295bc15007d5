"""Backups and restore: a restore drill on the suite's database (PostgreSQL in CI), the SQLite
path of `make run`, refusals, rotation."""

import datetime
import hashlib
import os
import sqlite3
import subprocess
import sys
import tarfile
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from finances import services
from finances.models import Receipt
from occe.core.workers import database_url
from occe.ops import backups
from occe.ops.management.commands.backup import next_run
from tests.finances.factories import submitted_request

MANAGE = [sys.executable, str(settings.BASE_DIR / "manage.py")]


def manage(*args: str, env: dict[str, str]) -> str:
    completed = subprocess.run(
        [*MANAGE, *args],
        env={**os.environ, "CONN_MAX_AGE": "0", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def issue_receipts(secretary) -> list[Receipt]:
    """Six receipts with their PDFs (rendered in-process), one cancelled, one replaced."""
    request = submitted_request(lines=6)
    receipts = services.validate(request.pk, secretary)
    services.cancel(receipts[0].pk, secretary, "Montant erroné")
    services.replace(receipts[1].pk, secretary, "Adresse corrigée", city="Suresnes")
    return list(Receipt.objects.order_by("number"))


def model_counts() -> dict[str, int]:
    """Rows per table, read through the ORM (the restore is checked with plain SQL)."""
    return {
        model._meta.db_table: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


class RestoredDatabase:
    """A new, empty database of the suite's engine, reached with plain SQL."""

    def __init__(self, tmp_path: Path):
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.name = str(tmp_path / "restauration.sqlite3")
            self.url = f"sqlite:///{self.name}"
            return
        self.name = f"{connection.settings_dict['NAME']}_restauration"
        self.url = database_url().rsplit("/", 1)[0] + "/" + self.name
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}"', f'CREATE DATABASE "{self.name}"')

    def _admin(self, *statements: str) -> None:
        db = connection.settings_dict
        with psycopg.connect(
            dbname="postgres",
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            autocommit=True,
        ) as admin:
            for statement in statements:
                admin.execute(statement)

    def query(self, sql: str) -> list[tuple]:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.name) as restored:
                return restored.execute(sql).fetchall()
        with psycopg.connect(self.url.replace("postgres://", "postgresql://", 1)) as restored:
            return restored.execute(sql).fetchall()

    def drop(self) -> None:
        if self.vendor != "sqlite":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def restored_database(tmp_path):
    database = RestoredDatabase(tmp_path)
    yield database
    database.drop()


@pytest.mark.django_db(transaction=True)
def test_restore_drill(association, secretary, tmp_path, restored_database):
    """Back up demo data with issued receipts and their PDFs, restore into a new database and
    folder: same rows in every table, same receipt numbers, same bytes in every PDF."""
    receipts = issue_receipts(secretary)
    pdfs = {r.number: sha256(Path(settings.MEDIA_ROOT) / r.pdf.name) for r in receipts}
    assert len(pdfs) == 7 and all(r.pdf for r in receipts)
    counts = model_counts()

    call_command("backup", output_dir=tmp_path / "sauvegardes", stdout=StringIO())
    (archive,) = (tmp_path / "sauvegardes").glob("occe-*.tar")
    assert archive.stat().st_mode & 0o777 == 0o600  # every personal datum is in it
    media = tmp_path / "media-restauree"
    output = manage(
        "restore",
        str(archive),
        env={"DATABASE_URL": restored_database.url, "MEDIA_ROOT": str(media)},
    )

    assert "Vérifié" in output
    restored_counts = {
        table: restored_database.query(f'SELECT COUNT(*) FROM "{table}"')[0][0] for table in counts
    }
    assert restored_counts == counts
    assert counts["finances_receipt"] == 7
    restored_receipts = restored_database.query(
        "SELECT number, pdf FROM finances_receipt ORDER BY number"
    )
    assert [number for number, _ in restored_receipts] == [r.number for r in receipts]
    assert {number: sha256(media / pdf) for number, pdf in restored_receipts} == pdfs
    # Every file, not only the PDFs.
    source_files = backups.media_files(Path(settings.MEDIA_ROOT))
    assert {p.relative_to(settings.MEDIA_ROOT).as_posix(): sha256(p) for p in source_files} == {
        p.relative_to(media).as_posix(): sha256(p) for p in backups.media_files(media)
    }


def test_the_sqlite_database_of_make_run_is_backed_up_online_and_restored(tmp_path):
    """`make run`'s path whatever the suite's engine: a migrated SQLite database with the demo
    department, backed up with SQLite's backup API, restored into a new file and folder."""
    source = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    manage("migrate", "--noinput", env=source)
    manage("demo_data", "--scale", "test", "--seed", "1", env=source)
    # The demo may have made that folder already.
    (tmp_path / "media" / "association").mkdir(parents=True, exist_ok=True)
    (tmp_path / "media" / "association" / "logo.png").write_bytes(b"\x89PNG logo")
    manage("backup", "--output-dir", str(tmp_path / "sauvegardes"), env=source)
    (archive,) = (tmp_path / "sauvegardes").glob("occe-*.tar")
    with tarfile.open(archive) as tar:
        assert "database.sqlite3" in tar.getnames()

    target = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'restauree.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media-restauree"),
    }
    manage("restore", str(archive), env=target)

    def counts(path: Path) -> dict[str, int]:
        with sqlite3.connect(path) as db:
            tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}

    original = counts(tmp_path / "db.sqlite3")
    assert original["cooperatives_cooperative"] == 30
    assert counts(tmp_path / "restauree.sqlite3") == original
    assert (tmp_path / "media-restauree/association/logo.png").read_bytes() == b"\x89PNG logo"


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_target_that_is_not_empty_unless_forced(association, secretary, tmp_path):
    issue_receipts(secretary)
    call_command("backup", output_dir=tmp_path, stdout=StringIO())
    (archive,) = tmp_path.glob("occe-*.tar")
    before = model_counts()

    with pytest.raises(CommandError, match="La cible n'est pas vide .*table.*fichier"):
        call_command("restore", str(archive), stdout=StringIO())
    assert model_counts() == before

    # Changes made after the backup are undone by a forced restore, files included.
    issue_receipts(secretary)
    receipt = Receipt.objects.order_by("number").first()
    Path(settings.MEDIA_ROOT, receipt.pdf.name).write_bytes(b"abime")
    call_command("restore", str(archive), "--force", stdout=StringIO())
    assert model_counts() == before
    with tarfile.open(archive) as tar:
        original = tar.extractfile(f"media/{receipt.pdf.name}").read()
    assert Path(settings.MEDIA_ROOT, receipt.pdf.name).read_bytes() == original


@pytest.mark.django_db(transaction=True)
def test_a_damaged_archive_is_refused_before_anything_is_written(tmp_path, settings):
    (Path(settings.MEDIA_ROOT) / "association").mkdir(parents=True)
    (Path(settings.MEDIA_ROOT) / "association/logo.png").write_bytes(b"image du logo 7f3a")
    call_command("backup", output_dir=tmp_path, stdout=StringIO())
    (archive,) = tmp_path.glob("occe-*.tar")
    content = archive.read_bytes()
    archive.write_bytes(content.replace(b"image du logo 7f3a", b"image du logo 7f3b"))
    settings.MEDIA_ROOT = tmp_path / "vide"

    with pytest.raises(CommandError, match="Archive endommagée .*media/association/logo.png"):
        call_command("restore", str(archive), "--force", stdout=StringIO())
    assert not (tmp_path / "vide").exists()


@pytest.mark.django_db(transaction=True)
def test_archives_are_not_written_among_the_files_they_save(settings):
    with pytest.raises(CommandError, match="BACKUP_DIR ne doit pas être dans MEDIA_ROOT"):
        call_command("backup", output_dir=Path(settings.MEDIA_ROOT) / "sauvegardes")


def test_an_archive_of_another_kind_is_refused(tmp_path):
    archive = tmp_path / "occe-2025-01-01-020000.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(__file__, arcname="database.dump")
    with pytest.raises(CommandError, match="Archive sans manifeste"):
        call_command("restore", str(archive))


def test_rotation_keeps_the_last_days_and_the_last_months(tmp_path):
    names = [
        "occe-2024-11-30-023000.tar",  # month 2024-11, too old for 2 months
        "occe-2024-12-15-023000.tar",
        "occe-2024-12-31-023000.tar",  # newest of December
        "occe-2025-01-09-023000.tar",
        "occe-2025-01-10-023000.tar",
        "occe-2025-01-11-023000.tar",
        "occe-2025-01-12-023000.tar",
        "occe-2025-01-12-150000.tar",  # second of the day: the newest is kept
        "notes.txt",  # not an archive: never deleted
    ]
    for name in names:
        (tmp_path / name).write_text("x")

    removed = backups.prune(tmp_path, keep_daily=3, keep_monthly=2)

    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt",
        "occe-2024-12-31-023000.tar",
        "occe-2025-01-10-023000.tar",
        "occe-2025-01-11-023000.tar",
        "occe-2025-01-12-150000.tar",
    ]
    assert len(removed) == 4


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2025-03-10 02:29", "2025-03-10 02:30"),  # the same day, a minute before
        ("2025-03-10 02:30", "2025-03-11 02:30"),  # at the time: the next day
        ("2025-03-10 23:00", "2025-03-11 02:30"),
        # 02:30 does not exist on the night of the change to summer time: an hour later.
        ("2025-03-29 03:00", "2025-03-30 03:30"),
    ],
)
def test_the_daily_backup_runs_at_the_next_time(now, expected):
    from django.utils import timezone

    moment = timezone.make_aware(datetime.datetime.fromisoformat(now))
    result = timezone.localtime(next_run(moment, datetime.time(2, 30)))
    assert result.strftime("%Y-%m-%d %H:%M") == expected
