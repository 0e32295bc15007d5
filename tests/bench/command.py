"""Figures measured on generated data, each beside a baseline measured in the same run.

Each scale is generated into a throwaway database (a temporary SQLite file, or a temporary
PostgreSQL database `occe_bench_<pid>` dropped afterwards), so the development database is never
touched. Each app measured has a module in this package (tests/bench/<app>.py) contributing rows
through `run(report)`. Run with `make bench` (`python -m tests.bench`): the benchmarks ship with
the tests, not inside the apps.
"""

import importlib
import os
import resource
import shutil
import tempfile
import time
from contextlib import contextmanager

from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import override_settings

from cooperatives.demo import generate
from occe.core import demo

# One module per app in this package (tests/bench/<name>.py), each with `run(report)`.
APPS = ["cooperatives", "finances", "actions", "reports"]
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def peak_memory_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / 1024 / (1024 if os.uname().sysname == "Darwin" else 1)


@contextmanager
def throwaway_database():
    """Point the default connection at a new, migrated database; drop it on exit.

    Django's own test-database machinery does the work (it creates, migrates and destroys), with
    the TEST name swapped for a temporary one so a parallel test run is not disturbed either.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    settings_dict = connection.settings_dict
    original_name = settings_dict["NAME"]
    original_test = settings_dict.get("TEST") or {}
    directory = None
    if connection.vendor == "sqlite":
        directory = tempfile.mkdtemp(prefix="occe-bench-")
        name = os.path.join(directory, "bench.sqlite3")
    else:
        name = f"occe_bench_{os.getpid()}"
    settings_dict["TEST"] = {**original_test, "NAME": name, "MIGRATE": True}
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        yield
    finally:
        # Only ever destroy the temporary database, never the one we started from.
        if settings_dict["NAME"] == name:
            connection.creation.destroy_test_db(original_name, verbosity=0)
        else:
            connection.close()
            settings_dict["NAME"] = original_name
        settings_dict["TEST"] = original_test
        if directory:
            shutil.rmtree(directory, ignore_errors=True)


def markdown_table(rows: list[tuple[str, str, str, str]]) -> str:
    header = ("Échelle", "Mesure", "Valeur", "Référence (même exécution)")
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Mesures de performance sur des données générées (base jetable), en tableau markdown."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scales",
            default="department,large",
            help=f"Échelles séparées par des virgules parmi : {', '.join(demo.SCALES)}.",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--apps",
            default=",".join(APPS),
            help=f"Applications mesurées, séparées par des virgules parmi : {', '.join(APPS)}.",
        )

    def handle(self, *args, scales, seed, apps, **options):
        names = [s.strip() for s in scales.split(",") if s.strip()]
        unknown = [s for s in names if s not in demo.SCALES]
        if unknown or not names:
            raise CommandError(f"Échelle inconnue : {', '.join(unknown) or '(aucune)'}.")
        chosen = [a.strip() for a in apps.split(",") if a.strip()]
        if not chosen or any(app not in APPS for app in chosen):
            raise CommandError(f"Application inconnue : {apps}.")
        modules = [importlib.import_module(f"tests.bench.{app}") for app in chosen]
        start_memory = peak_memory_mb()
        rows: list[tuple[str, str, str, str]] = []
        started = time.perf_counter()
        for name in names:
            coops = demo.SCALES[name]
            label = f"{name} ({coops:,} coop.)".replace(",", " ")

            def report(measure: str, value: str, baseline: str, label=label) -> None:
                rows.append((label, measure, value, baseline))
                self.stderr.write(f"  {label} · {measure} : {value} (réf. {baseline})")

            self.stderr.write(f"Échelle {label} : base jetable, génération…")
            migrate_started = time.perf_counter()
            # Imports invite new mandataires by e-mail: keep those in memory.
            with throwaway_database(), override_settings(EMAIL_BACKEND=LOCMEM):
                migrated = time.perf_counter() - migrate_started
                generate_started = time.perf_counter()
                generate(coops, seed=seed)
                generated = time.perf_counter() - generate_started
                report(
                    "Génération des données (demo_data)",
                    f"{generated:.1f} s",
                    f"création et migration de la base vide : {migrated:.1f} s",
                )
                for module in modules:
                    module.run(report)
                if hasattr(mail, "outbox"):
                    del mail.outbox[:]
        rows.append(
            (
                "toutes",
                "Mémoire maximale du processus (maxrss)",
                f"{peak_memory_mb():.0f} Mo",
                f"au démarrage de la commande : {start_memory:.0f} Mo",
            )
        )
        self.stdout.write(markdown_table(rows))
        self.stdout.write(f"\nDurée totale : {time.perf_counter() - started:.0f} s")
