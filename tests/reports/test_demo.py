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
    call_command(
        "demo_data", "--force", "--scale", "department", "--seed", "1", stdout=io.StringIO()
    )
    year = SchoolYear.objects.current().previous()
    output = generate(year)
    sheet = load_workbook(io.BytesIO(output.xlsx))[INDICATORS_SHEET]
    values = dict(list(sheet.iter_rows(values_only=True))[1:])
    # The seed report's headlines; the coops the demo strikes off since were affiliated then.
    seed = {
        "cooperatives.total": 625,
        "cooperatives.type.maternelle": 268,
        "cooperatives.type.elementaire": 249,
        "cooperatives.type.primaire": 71,
        "cooperatives.type.college": 19,
        "cooperatives.type.segpa": 1,
        "cooperatives.type.lycee": 5,
        "cooperatives.type.etablissement_specialise": 12,
        "adherents.total": 146262,
        "adherents.classes": 6198,
        "adherents.eleves": 139039,
        "adherents.adultes": 7223,
        "cooperatives.radiees": 6,
    }
    assert {key: values[key] for key in seed} == seed
    # The other apps' seed figures, read from the workbook (amounts as numbers in euros).
    seed_amounts = {
        "recus.demandes": 508,
        "recus.montant": 150859,
        "recus.trousse.demandes": 166,
        "recus.trousse.montant": 14721,
        "controles.total": 13,
        "aap.dossiers_retenus": 63,
        "aap.montant": 13003,
        "solidarite.montant": 9577.98,
        "trousse.reversements.projets": 26,
        "trousse.reversements.montant": 36572.45,
        "accompagnement.sinistres": 21,
        "actions.thea.classes": 8,
        "actions.thea.ecoles": 4,
        "actions.thea.eleves": 192,
        "actions.thea.budget.total": 11871.61,
        "actions.thea.budget.part_association": 7371.61,
        "actions.les_ecoles_qui_filment.eleves": 576,
        "actions.classe_deau.eleves": 975,
    }
    assert {key: values[key] for key in seed_amounts} == pytest.approx(seed_amounts)
    assert values["association.administrateurs"] == 20
    assert values["association.bureau"] == 8
    assert values["prets.prise_de_vue_et_son.jours"] == 133
    assert values["prets.prise_de_vue_et_son.cooperatives"] == 8
    assert values["ventes.lire_c_est_partir.quantite"] == 1936
    assert values["formations_equipe.nombre"] is not None
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(output.pdf)).pages)
    assert "reconnue d'utilité publique" in " ".join(text.split())
