import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cooperatives.models import Cooperative
from finances.models import Receipt
from tests.bench import command as bench
from tests.bench import cooperatives as benchmarks
from tests.bench import finances as finance_benchmarks


# Transactional: the bench switches the connection to a throwaway database and back.
@pytest.mark.django_db(transaction=True)
def test_bench_prints_a_table_measured_on_a_throwaway_database(monkeypatch):
    monkeypatch.setattr(bench, "APPS", ["cooperatives"])
    monkeypatch.setattr(benchmarks, "IMPORT_ROWS", 40)
    monkeypatch.setattr(benchmarks, "LIST_REQUESTS", 3)
    database = connection.settings_dict["NAME"]
    out = StringIO()

    call_command(bench.Command(), "--scales", "test", stdout=out, stderr=StringIO())

    table = out.getvalue()
    lines = [line for line in table.splitlines() if line.startswith("| test (30 coop.) |")]
    measures = [line.split(" | ")[1] for line in lines]
    assert measures[0] == "Génération des données (demo_data)"
    assert any(m.startswith("Liste /cooperatives/") for m in measures)
    assert any(
        m.startswith("Export Excel de toutes les coopératives (30 lignes)") for m in measures
    )
    assert any(m.startswith("Import d'un fichier de 40 lignes") for m in measures)
    assert "Mémoire maximale du processus" in table
    assert table.startswith("| Échelle | Mesure | Valeur | Référence")
    list_row = next(line for line in lines if "Liste /cooperatives/" in line)
    assert "requêtes SQL" in list_row and "vue minimale" in list_row
    import_row = next(line for line in lines if "Import d'un fichier" in line)
    assert "40 coopératives" in import_row
    # The database we started from is back, and untouched.
    assert connection.settings_dict["NAME"] == database
    assert not Cooperative.objects.exists()


def test_bench_refuses_an_unknown_scale():
    with pytest.raises(CommandError, match="Échelle inconnue"):
        call_command(bench.Command(), "--scales", "huge")


def _finance_table(monkeypatch, receipts: str) -> tuple[str, list[str]]:
    monkeypatch.setattr(bench, "APPS", ["finances"])
    monkeypatch.setenv("BENCH_RECEIPTS", receipts)
    monkeypatch.setattr(finance_benchmarks, "BARE_SAMPLE", 3)
    monkeypatch.setattr(finance_benchmarks, "_measured", set())
    out = StringIO()
    call_command(bench.Command(), "--scales", "test", stdout=out, stderr=StringIO())
    table = out.getvalue()
    return table, [line for line in table.splitlines() if "| reçus :" in line]


@pytest.mark.django_db(transaction=True)
def test_receipts_bench_falls_back_to_this_process_without_a_broker(monkeypatch):
    monkeypatch.setattr(finance_benchmarks, "reachable_broker", lambda: None)
    database = connection.settings_dict["NAME"]

    table, rows = _finance_table(monkeypatch, "12")

    assert "rendu WeasyPrint seul" in rows[0] and "ms/reçu par processus" in rows[0]
    chain = next(row for row in rows if "validation → PDF stocké, 12 reçus" in row)
    assert "sans worker : aucun broker Redis joignable" in chain
    assert "le rendu seul" in chain and "≤ 1,5×" in chain
    assert any("mémoire maximale du processus de rendu" in row for row in rows)
    assert connection.settings_dict["NAME"] == database
    assert not Receipt.objects.exists()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_receipts_bench_times_a_real_worker_with_its_default_concurrency(monkeypatch):
    """20 receipts through Redis to `celery worker` (one process per CPU), PDFs on disk."""
    import redis

    from occe.celery import app

    broker = finance_benchmarks.reachable_broker()
    assert broker, "Redis injoignable : lancez redis-server."
    conf = {k: app.conf[k] for k in ("broker_url", "task_default_queue", "task_always_eager")}

    table, rows = _finance_table(monkeypatch, "20")

    chain = next(row for row in rows if "validation → PDF stocké, 20 reçus" in row)
    from billiard import cpu_count

    processes = cpu_count()  # Celery's default concurrency
    assert f"reçus/s, {processes} processus)" in chain, table
    assert f"à {processes} processus ; rapport " in chain and "cible ≤ 1,5×" in chain
    assert "sans worker" not in table
    memory = next(row for row in rows if "mémoire maximale d'un processus du worker" in row)
    assert memory.count(" Mo") >= 3 and "processus de rendu" in memory
    # This process queues as before; the worker, its queue and its files are gone.
    assert {k: app.conf[k] for k in conf} == conf
    client = redis.Redis.from_url(broker)
    try:
        assert not client.keys(f"*bench-recus-{os.getpid()}-*")
    finally:
        client.close()
    for pid in finance_benchmarks._children(os.getpid()):
        assert b"celery" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert not Receipt.objects.exists()
