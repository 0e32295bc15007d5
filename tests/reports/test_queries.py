"""The report's figures take a fixed number of queries, whatever the size of the department:
the indicators aggregate in the database, and a figure several indicators read (the year's
affiliations, CRFS, receipts…) is computed once per report (occe.core.indicators.shared)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from occe.core.models import SchoolYear
from occe.reports.data import collect

pytestmark = pytest.mark.django_db

# data.collect of a year: every indicator of that year and of the year before, the members of
# the three years before for the five-year chart, the sections' texts (the demo has data in
# each of those years: an indicator without data for a year stops sooner); the actions' blocks
# (rapport.actions: the editions, their classes' levels, their intervenants — the rest shared
# with the indicators).
QUERIES = 111


@pytest.mark.parametrize("coops", [30, 90])
def test_collecting_the_figures_takes_as_many_queries_whatever_the_department(coops):
    call_command("demo_data", "--force", "--coops", str(coops), stdout=io.StringIO())
    year = SchoolYear.objects.current().previous()
    with CaptureQueriesContext(connection) as queries:
        data = collect(year)
    assert data.get("cooperatives.total") > coops * 0.9  # the demo's year, every app's data
    assert data.get("recus.demandes") and data.get("controles.total") is not None
    assert len(queries) == QUERIES, "\n".join(q["sql"][:120] for q in queries)
