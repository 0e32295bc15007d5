"""The report of the demo data at department scale carries the seed report's headline figures
for the previous school year (read through the Indicateurs sheet, as any user would)."""

import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from occe.core.models import SchoolYear
from occe.reports.generate import INDICATORS_SHEET, generate

pytestmark = pytest.mark.django_db


def test_demo_report_reproduces_the_seed_headlines():
    call_command("demo_data", "--scale", "department", "--seed", "1", stdout=io.StringIO())
    year = SchoolYear.objects.current().previous()
    output = generate(year)
    sheet = load_workbook(io.BytesIO(output.xlsx))[INDICATORS_SHEET]
    values = dict(list(sheet.iter_rows(values_only=True))[1:])
    # The demo strikes off a few coops after that year: affiliated that year, counted apart.
    assert values["cooperatives.total"] + values["cooperatives.radiees"] == 625
    assert (
        values["cooperatives.premier_degre"] + values["cooperatives.second_degre_et_specialises"]
        == values["cooperatives.total"]
    )
    types = [
        values[f"cooperatives.type.{t}"]
        for t in ("college", "segpa", "lycee", "etablissement_specialise")
    ]
    assert sum(types) == values["cooperatives.second_degre_et_specialises"]
    assert values["adherents.total"] == values["adherents.eleves"] + values["adherents.adultes"]
    assert values["association.administrateurs"] == 20
    assert values["association.bureau"] == 8
    assert values["prets.prise_de_vue_et_son.jours"] == 133
    assert values["prets.prise_de_vue_et_son.cooperatives"] == 8
    assert values["ventes.lire_c_est_partir.quantite"] == 1936
    assert values["formations_equipe.nombre"] is not None
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(output.pdf)).pages)
    assert "reconnue d'utilité publique" in " ".join(text.split())
