from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cooperatives import benchmarks
from cooperatives.models import Cooperative
from occe.core.management.commands import bench


# Transactional: the bench switches the connection to a throwaway database and back.
@pytest.mark.django_db(transaction=True)
def test_bench_prints_a_table_measured_on_a_throwaway_database(monkeypatch):
    monkeypatch.setattr(bench, "APPS", ["cooperatives"])
    monkeypatch.setattr(benchmarks, "IMPORT_ROWS", 40)
    monkeypatch.setattr(benchmarks, "LIST_REQUESTS", 3)
    database = connection.settings_dict["NAME"]
    out = StringIO()

    call_command("bench", "--scales", "test", stdout=out, stderr=StringIO())

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
        call_command("bench", "--scales", "huge")
