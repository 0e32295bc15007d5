"""The demo grants reproduce the seed report's figures for the previous school year, and the
figures are registered for the annual report."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from finances import demo_grants
from finances import indicators_grants as figures
from finances.models import (
    GrantApplication,
    GrantPayment,
    GrantSession,
    InsuranceClaim,
    MunicipalSubsidy,
    TroussePayback,
)
from occe.core.demo_apps import DemoContext
from occe.core.indicators import registry
from occe.core.models import SchoolYear

pytestmark = pytest.mark.django_db

KEYS = {
    "aap.dossiers_retenus",
    "aap.montant",
    "solidarite.montant",
    "trousse.reversements.projets",
    "trousse.reversements.montant",
    "accompagnement.sinistres",
    "subventions.communes.montant",
}


def test_the_figures_are_registered_for_the_report():
    assert set(registry()) >= KEYS


def test_demo_grants_match_the_seed_report_at_department_scale():
    out = StringIO()
    call_command("demo_data", "--force", "--scale", "test", "--seed", "2", stdout=out)
    assert "Aides :" in out.getvalue()
    previous = SchoolYear.objects.current().previous()
    # Small department: the same figures, scaled down, and coherent.
    assert figures.granted_count(previous) >= 3
    assert figures.aap_paid(previous) == sum(
        GrantPayment.objects.valid()
        .filter(application__kind="aap")
        .values_list("amount", flat=True)
    )
    # A payment first typed wrong, cancelled and corrected: out of the figures.
    corrected = GrantPayment.objects.get(application__kind="aap", corrects__isnull=False)
    assert corrected.corrects.is_cancelled and corrected.corrects.cancel_reason

    # At the seed report's department size, its exact figures.
    for model in (GrantPayment, GrantApplication, GrantSession, TroussePayback, InsuranceClaim):
        model.objects.all().delete()
    MunicipalSubsidy.objects.all().delete()
    demo_grants.populate(DemoContext(seed=3, coops=625))
    assert figures.granted_count(previous) == 63
    assert figures.aap_paid(previous) == Decimal("13003.00")
    assert figures.solidarity_paid(previous) == Decimal("9577.98")
    assert figures.trousse_projects(previous) == 26
    assert figures.trousse_paid_back(previous) == Decimal("36572.45")
    assert figures.claims(previous) == 21
    assert figures.subsidies_amount(previous) > 0
    # Every grant paid exactly, never beyond.
    for application in GrantApplication.objects.granted().filter(
        session__date__lt=previous.end_date
    ):
        assert application.paid_amount == application.granted_amount
    assert GrantSession.objects.of_year(previous).count() == 4
    assert GrantApplication.objects.filter(status="examen").exists()
    assert GrantApplication.objects.filter(
        status="brouillon", requested_by__email__startswith="mandataire@"
    ).exists()
