"""The demo data reproduce the seed report's loans and sales for the previous school year."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from occe.core.models import SchoolYear
from prets import indicators
from prets.models import Reservation, Resource, Status

pytestmark = pytest.mark.django_db


def test_demo_loans_and_sales_match_the_seed_report():
    out = StringIO()
    call_command("demo_data", "--force", "--scale", "test", "--seed", "2", stdout=out)
    assert "Prêts : 15 ressources" in out.getvalue()
    previous = SchoolYear.objects.current().previous()

    days = indicators.loan_days(previous)
    coops = indicators.loan_coops(previous)
    land_art = Reservation.objects.get(resource__title="Malle land art")
    six_months = (land_art.returned_on - land_art.handed_over_on).days
    assert 181 <= six_months <= 182
    assert days == {
        "ouvrages": 222,  # théâtre, cinéma, poésie
        "malle_thematique": six_months,  # land art
        "jeux_cooperatifs": 53,
        "pre_cinema": 0,
        "prise_de_vue_et_son": 133,
        "loto": 84,
        "kit_pedagogique": 0,
    }
    assert coops == {
        "ouvrages": 2,
        "malle_thematique": 1,
        "jeux_cooperatifs": 4,
        "pre_cinema": 0,
        "prise_de_vue_et_son": 8,
        "loto": 6,
        "kit_pedagogique": 0,
    }
    assert Resource.objects.get(title="Porté disparu").copies.count() == 6  # 6 species
    assert Resource.objects.filter(kind="pre_cinema").get().copies.count() == 2
    assert Resource.objects.filter(kind="loto").count() == 2

    sold = indicators.quantity_sold(previous)
    assert (sold["agenda_cycle_1"], sold["agenda_cycle_2"], sold["agenda_cycle_3"]) == (0, 370, 65)
    assert sold["lire_c_est_partir"] == 1936
    assert indicators.amount_sold(previous)["lire_c_est_partir"] == Decimal("1548.80")

    # This year: loans in every state, one of them overdue, and the demo mandataire's own.
    today = timezone.localdate()
    statuses = set(Reservation.objects.values_list("status", flat=True))
    assert {Status.CONFIRMED, Status.REQUESTED, Status.HANDED_OVER} <= statuses
    if today.month != 9 or today.day > 5:
        assert Reservation.objects.overdue(today).count() == 1
    assert (
        Reservation.objects.filter(
            cooperative__mandates__user__email="mandataire@occe92.test", start_date__gt=today
        ).count()
        == 2
    )
