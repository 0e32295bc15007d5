"""The demo reproduces the seed report's 13 controls for its four reasons; the indicators."""

from io import StringIO

import pytest
from django.core.management import call_command

from finances import indicators_crfs  # noqa: F401
from occe.core.indicators import registry
from occe.core.models import SchoolYear

pytestmark = pytest.mark.django_db

KEYS = [
    "crfs.attendus",
    "crfs.recus",
    "crfs.acceptes",
    "crfs.en_retard",
    "crfs.signalements.papier",
    "crfs.signalements.sans_quitus",
    "crfs.signalements.solde_eleve",
    "crfs.signalements.ecart_banque",
    "controles.total",
    "controles.motif.papier",
    "controles.motif.sans_quitus",
    "controles.motif.solde_eleve",
    "controles.motif.ecart_banque",
]


def figures(year) -> dict:
    indicators = registry()
    return {key: indicators[key].compute(year)[key] for key in KEYS}


def test_no_data_is_none():
    year = SchoolYear.objects.current().previous()
    assert set(figures(year).values()) == {None}


def test_demo_matches_the_seed_report():
    out = StringIO()
    call_command("demo_data", "--force", "--scale", "test", "--seed", "2", stdout=out)
    assert "13 contrôles" in out.getvalue()
    previous = SchoolYear.objects.current().previous()
    values = figures(previous)
    assert values["controles.total"] == 13
    assert [values[f"controles.motif.{m}"] for m in ("papier", "sans_quitus")] == [4, 3]
    assert [values[f"controles.motif.{m}"] for m in ("solde_eleve", "ecart_banque")] == [3, 3]
    assert values["crfs.attendus"] > values["crfs.recus"] >= values["crfs.acceptes"] > 0
    assert values["crfs.en_retard"] > 0
    # At 30 coops, just the controlled reports are flagged, each with the one flag it was given.
    assert [
        values[f"crfs.signalements.{m}"]
        for m in ("papier", "sans_quitus", "solde_eleve", "ecart_banque")
    ] == [4, 3, 3, 3]
