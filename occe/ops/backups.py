"""Backups of the database and the media files, and their restore (`manage.py backup|restore`).

One archive per backup, `occe-AAAA-MM-JJ-HHMMSS.tar` (not compressed: the PostgreSQL dump is
compressed already, and so are PDFs):

    database.dump | database.sqlite3   pg_dump's custom format, or SQLite's online backup
    media/<path>                       every file of MEDIA_ROOT
    manifest.json                      written last: rows per table, SHA-256 and size of members

The database is dumped first and the files copied after: files are written before a row names
them and are never deleted, so every file the dump names is in the archive.
"""

import datetime
import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.db import connection as default_connection
from django.db import transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
NAME_PATTERN = re.compile(r"^occe-(\d{4}-\d{2}-\d{2}-\d{6})\.tar$")
CHUNK = 1024 * 1024
# Files being written by store_atomically (finances/rendering.py): not yet part of the data.
SKIPPED_SUFFIXES = (".part",)


class BackupError(Exception):
    """What went wrong, in French, for the administrator."""


@dataclass
class Result:
    path: Path
    size: int
    rows: int
    files: int
    seconds: float
    pruned: list[Path] = field(default_factory=list)
    pending_migrations: int = 0


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- What is counted: every table of the app registry ---------------------------------------


def model_tables() -> list[str]:
    """The tables of every installed model (many-to-many tables included), without knowing any
    app: the manifest's counts cover whatever the project holds."""
    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
    )


def count_rows(cursor, existing: set[str], quote) -> dict[str, int]:
    """Rows per table in one query (one snapshot), for the model tables among `existing`."""
    tables = [table for table in model_tables() if table in existing]
    if not tables:
        return {}
    columns = ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)
    cursor.execute(f"SELECT {columns}")
    return dict(zip(tables, (int(n) for n in cursor.fetchone()), strict=True))


def applied_migrations(cursor, existing: set[str]) -> dict[str, str]:
    """The last migration applied per app, for the administrator reading a manifest."""
    if "django_migrations" not in existing:
        return {}  # a database never migrated (the first `make upgrade`)
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    last: dict[str, str] = {}
    for app, name in cursor.fetchall():
        last[app] = name
    return last


# --- PostgreSQL: pg_dump / pg_restore --------------------------------------------------------


def libpq_environment(settings_dict: dict) -> dict[str, str]:
    """The connection of Django's settings as libpq variables: no password on a command line."""
    env = {**os.environ}
    for variable, key in [
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ]:
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    if settings_dict.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = settings_dict["OPTIONS"]["sslmode"]
    return env


def client_major_version(program: str) -> int:
    """`pg_dump (PostgreSQL) 15.20 (Debian …)` -> 15."""
    try:
        output = subprocess.run(
            [program, "--version"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BackupError(
            f"{program} est introuvable : installez le client PostgreSQL "
            "(paquet postgresql-client de la même version que le serveur)."
        ) from exc
    match = re.search(r"\)\s+(\d+)", output)
    if not match:
        raise BackupError(f"Version de {program} illisible : {output.strip()}")
    return int(match.group(1))


def _run(command: list[str], env: dict[str, str]) -> None:
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    if completed.returncode:
        raise BackupError(f"{command[0]} a échoué : {completed.stderr.strip()[-2000:]}")


def dump_postgresql(connection, target: Path) -> dict:
    """pg_dump in the snapshot of a transaction that also counts the rows: the counts of the
    manifest are those of the dump, even while users keep working."""
    connection.ensure_connection()
    server = connection.pg_version // 10000
    client = client_major_version("pg_dump")
    if client < server:
        raise BackupError(
            f"pg_dump {client} ne sait pas sauvegarder un serveur PostgreSQL {server} : "
            f"installez postgresql-client-{server}."
        )
    existing = set(connection.introspection.table_names())
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = count_rows(cursor, existing, connection.ops.quote_name)
        migrations = applied_migrations(cursor, existing)
        # The snapshot lives as long as this transaction: pg_dump runs inside it.
        _run(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
            libpq_environment(connection.settings_dict),
        )
    return {"tables": counts, "migrations": migrations, "server": server, "client": client}


def restore_postgresql(connection, dump: Path, manifest: dict) -> None:
    needed = manifest["database"].get("client", 0)
    client = client_major_version("pg_restore")
    if client < needed:
        raise BackupError(
            f"Cette archive a été faite par pg_dump {needed} : pg_restore {client} ne sait pas "
            f"la lire. Installez postgresql-client-{needed}."
        )
    connection.close()
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",  # all or nothing
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump),
        ],
        libpq_environment(connection.settings_dict),
    )


# --- SQLite: the online backup API -----------------------------------------------------------


def _sqlite_tables(database: sqlite3.Connection) -> set[str]:
    rows = database.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def dump_sqlite(connection, target: Path) -> dict:
    """SQLite's online backup: a consistent copy, page by page, while the site keeps running;
    the counts are read from the copy."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        cursor = copy.cursor()
        existing = _sqlite_tables(copy)
        counts = count_rows(cursor, existing, connection.ops.quote_name)
        migrations = applied_migrations(cursor, existing)
    finally:
        copy.close()
    return {"tables": counts, "migrations": migrations}


def restore_sqlite(connection, dump: Path, manifest: dict) -> None:
    """The backup API the other way: every page of the target replaced by the archive's."""
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()


DUMPERS = {"postgresql": dump_postgresql, "sqlite": dump_sqlite}
RESTORERS = {"postgresql": restore_postgresql, "sqlite": restore_sqlite}


def _engine(connection) -> str:
    if connection.vendor not in DUMPERS:
        raise BackupError(f"Base {connection.vendor} : seules PostgreSQL et SQLite sont prises.")
    return connection.vendor


# --- Backup ----------------------------------------------------------------------------------


def archive_name(moment: datetime.datetime) -> str:
    return f"occe-{timezone.localtime(moment):%Y-%m-%d-%H%M%S}.tar"


def media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink() and not path.name.endswith(SKIPPED_SUFFIXES)
    )


class _HashingReader:
    """Hashes what tarfile reads, so that each file is read once."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _add_file(archive: tarfile.TarFile, path: Path, name: str) -> dict:
    with open(path, "rb") as handle:
        info = archive.gettarinfo(arcname=name, fileobj=handle)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _HashingReader(handle)
        archive.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "size": info.size}


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(time.time())
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(content))


def create_backup(directory: Path, connection=default_connection) -> Result:
    """Write one archive into `directory` (through a `.partial` file renamed at the end, so a
    crash never leaves a half archive that looks whole)."""
    started = time.perf_counter()
    engine = _engine(connection)
    media_root = Path(settings.MEDIA_ROOT)
    if directory.resolve().is_relative_to(media_root.resolve()):
        raise BackupError("BACKUP_DIR ne doit pas être dans MEDIA_ROOT (chaque archive y serait).")
    # Archives hold every personal datum of the site: readable by their owner only.
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = timezone.now()
    final = directory / archive_name(now)
    partial = final.with_name(final.name + ".partial")
    partial.touch(mode=0o600)
    try:
        with tempfile.TemporaryDirectory(dir=directory, prefix=".sauvegarde-") as scratch:
            dump = Path(scratch) / DUMP_NAMES[engine]
            database = DUMPERS[engine](connection, dump)
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
                dump_entry = _add_file(archive, dump, dump.name)
                dump.unlink()
                files = {}
                for path in media_files(media_root):
                    relative = path.relative_to(media_root).as_posix()
                    files[relative] = _add_file(archive, path, MEDIA_PREFIX + relative)
                manifest = {
                    "format": FORMAT,
                    "created_at": now.isoformat(),
                    "engine": engine,
                    "database": {
                        "file": dump.name,
                        **dump_entry,
                        **{k: v for k, v in database.items() if k in ("server", "client")},
                    },
                    "migrations": database["migrations"],
                    "tables": database["tables"],
                    "files": files,
                }
                _add_bytes(
                    archive, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode()
                )
            with open(partial, "rb+") as handle:
                os.fsync(handle.fileno())
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Result(
        path=final,
        size=final.stat().st_size,
        rows=sum(manifest["tables"].values()),
        files=len(files),
        seconds=time.perf_counter() - started,
    )


def archives(directory: Path) -> list[tuple[datetime.datetime, Path]]:
    """The archives this command wrote in `directory`, oldest first (dated by their name)."""
    found = []
    for path in directory.glob("occe-*.tar"):
        match = NAME_PATTERN.match(path.name)
        if match:
            found.append((datetime.datetime.strptime(match.group(1), "%Y-%m-%d-%H%M%S"), path))
    return sorted(found)


def prune(directory: Path, keep_daily: int, keep_monthly: int) -> list[Path]:
    """Keep the newest archive of each of the last `keep_daily` days that have one, and of each
    of the last `keep_monthly` months; delete the other archives (nothing else)."""
    keep: set[Path] = set()
    days: set[datetime.date] = set()
    months: set[tuple[int, int]] = set()
    for moment, path in reversed(archives(directory)):
        day, month = moment.date(), (moment.year, moment.month)
        if day not in days and len(days) < keep_daily:
            days.add(day)
            keep.add(path)
        if month not in months and len(months) < keep_monthly:
            months.add(month)
            keep.add(path)
    removed = [path for _, path in archives(directory) if path not in keep]
    for path in removed:
        path.unlink()
    return removed


# --- Restore ---------------------------------------------------------------------------------


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST)
    except KeyError as exc:
        raise BackupError("Archive sans manifeste : ce n'est pas une sauvegarde OCCE.") from exc
    manifest = json.loads(archive.extractfile(member).read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Format d'archive inconnu : {manifest.get('format')!r}.")
    if manifest["database"]["file"] != DUMP_NAMES.get(manifest.get("engine")):
        raise BackupError("Manifeste incohérent : fichier de base inattendu.")
    for relative in manifest["files"]:
        parts = PurePosixPath(relative).parts
        if relative.startswith("/") or ".." in parts or not parts:
            raise BackupError(f"Chemin refusé dans l'archive : {relative!r}.")
    return manifest


def _expected_members(manifest: dict) -> dict[str, dict]:
    expected = {MEDIA_PREFIX + name: entry for name, entry in manifest["files"].items()}
    expected[manifest["database"]["file"]] = manifest["database"]
    return expected


def verify_archive(archive: tarfile.TarFile, manifest: dict) -> None:
    """Every member is the one the manifest describes (same SHA-256), none missing, none more."""
    expected = _expected_members(manifest)
    seen, wrong = set(), []
    for member in archive:
        if member.name == MANIFEST:
            continue
        entry = expected.get(member.name)
        if entry is None or not member.isfile():
            wrong.append(member.name)
            continue
        digest = hashlib.sha256()
        handle = archive.extractfile(member)
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            wrong.append(member.name)
        seen.add(member.name)
    missing = sorted(set(expected) - seen)
    if wrong or missing:
        details = ", ".join((wrong + missing)[:5])
        raise BackupError(
            f"Archive endommagée ou modifiée : {len(wrong)} fichier(s) différent(s) du manifeste, "
            f"{len(missing)} manquant(s) ({details}). Rien n'a été restauré."
        )


def target_contents(connection=default_connection) -> list[str]:
    """What the restore would overwrite: tables in the database, files in MEDIA_ROOT."""
    found = []
    tables = connection.introspection.table_names()
    if tables:
        found.append(f"la base contient {len(tables)} table(s)")
    files = media_files(Path(settings.MEDIA_ROOT))
    if files:
        found.append(f"{settings.MEDIA_ROOT} contient {len(files)} fichier(s)")
    return found


# The project's own functions (the receipts' guard triggers), not those of an extension
# (btree_gist): the archive creates the extension only if it is missing.
OWN_FUNCTIONS = """
    SELECT p.oid::regprocedure::text FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = current_schema()
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
"""


def _clear_database(connection) -> None:
    """Drop every table and trigger function (--force): the archive's schema comes back whole."""
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            return  # SQLite: the backup API replaces every page of the file, old tables included.
        if tables:
            names = ", ".join(connection.ops.quote_name(table) for table in tables)
            cursor.execute(f"DROP TABLE IF EXISTS {names} CASCADE")
        cursor.execute(OWN_FUNCTIONS)
        for (function,) in cursor.fetchall():
            cursor.execute(f"DROP FUNCTION IF EXISTS {function} CASCADE")


def _write_file(handle, target: Path) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def pending_migrations(connection=default_connection) -> int:
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def restore_backup(path: Path, force: bool = False, connection=default_connection) -> Result:
    """Check the whole archive first, then the target; restore the database, then the files;
    check the rows restored against the manifest."""
    started = time.perf_counter()
    engine = _engine(connection)
    if not path.is_file():
        raise BackupError(f"Archive introuvable : {path}")
    media_root = Path(settings.MEDIA_ROOT)
    with tarfile.open(path, "r:") as archive:
        manifest = read_manifest(archive)
        if manifest["engine"] != engine:
            raise BackupError(
                f"Archive d'une base {manifest['engine']}, base cible {engine} : "
                "restaurez dans une base du même type."
            )
        verify_archive(archive, manifest)
        found = target_contents(connection)
        if found and not force:
            raise BackupError(
                "La cible n'est pas vide (" + " ; ".join(found) + "). Restaurez dans une base "
                "et un dossier vides, ou ajoutez --force pour les remplacer."
            )
        if found:
            _clear_database(connection)
        with tempfile.TemporaryDirectory(prefix="occe-restauration-") as scratch:
            member = archive.getmember(manifest["database"]["file"])
            dump = Path(scratch) / member.name
            _write_file(archive.extractfile(member), dump)
            RESTORERS[engine](connection, dump, manifest)
        # In the archive's order: looking each file up by name would read the index each time.
        for member in archive:
            if not member.name.startswith(MEDIA_PREFIX):
                continue
            relative = member.name.removeprefix(MEDIA_PREFIX)
            written = _write_file(archive.extractfile(member), media_root / relative)
            if written != manifest["files"][relative]["sha256"]:
                raise BackupError(f"Fichier mal restauré : {relative}")
    # Tables of models this code no longer has are restored, not compared.
    expected = {t: n for t, n in manifest["tables"].items() if t in set(model_tables())}
    present = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        counts = count_rows(cursor, set(expected) & present, connection.ops.quote_name)
    different = sorted(t for t in expected if counts.get(t) != expected[t])
    if different:
        raise BackupError(f"Vérification échouée, lignes différentes : {', '.join(different[:10])}")
    return Result(
        path=path,
        size=path.stat().st_size,
        rows=sum(counts.values()),
        files=len(manifest["files"]),
        seconds=time.perf_counter() - started,
        pending_migrations=pending_migrations(connection),
    )
