"""`make bench` rows for the annual report: the whole generation (figures of two years through
the registry, workbook, HTML, PDF) beside the bare WeasyPrint rendering of the same HTML,
measured in the same run; the charts' drawing time (matplotlib, each chart timed); and the figures' part alone with its number of queries, which must
not grow with the number of cooperatives (the indicators aggregate in the database).

The bench generates the department alone (cooperatives): the report's row first adds every
other app's demo data at the same scale, as `demo_data` does, so that each section's figures
are computed on realistic data (the CRFS once: the finances' bench may have added them). At
the second scale, the figures' time is also given against the first scale's (issue 14: ×10
data within twice the department's time). On PostgreSQL the tables are analysed first, as
autovacuum does in a running database."""

import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils.module_loading import import_string

from cooperatives.models import Cooperative
from finances.models import Crfs
from occe.accounts.models import User
from occe.association.models import Meeting
from occe.core.demo_apps import DemoContext, demo_modules
from occe.core.models import SchoolYear
from occe.reports.charts import draw_all
from occe.reports.data import collect
from occe.reports.generate import generate, html_to_pdf, render_html

ALREADY_THERE = {"occe.core.demo", "cooperatives.demo"}  # what the bench itself generates
RUNS = 3
_first: dict[str, float] = {}  # the first scale's figures time, for the next one


def populate_every_app() -> None:
    """Every app's demo data on the bench's department (not on a test's own data)."""
    if Meeting.objects.exists() or not User.objects.filter(email__endswith="@occe92.test"):
        return
    context = DemoContext(seed=1, coops=Cooperative.objects.count())
    for module in demo_modules():
        if module.__name__ in ALREADY_THERE:
            continue
        parts = [module.populate]
        if module.__name__ == "finances.demo":
            crfs_done = Crfs.objects.exists()
            parts = [import_string(p) for p in module.PARTS if not (crfs_done and "crfs" in p)]
        for part in parts:
            with transaction.atomic():
                part(context)


def run(report) -> None:
    started = time.perf_counter()
    populate_every_app()
    if connection.vendor == "postgresql":
        # The planner's statistics, as autovacuum keeps them in a running database: without
        # them, the freshly bulk-created tables look empty and get nested-loop plans.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    populated = time.perf_counter() - started
    year = SchoolYear.objects.current().previous()  # the demo's complete year
    generate(year)  # warm-up: fonts and templates loaded, as in a running worker
    started = time.perf_counter()
    output = generate(year)
    whole = time.perf_counter() - started
    html = render_html(output.data)
    started = time.perf_counter()
    html_to_pdf(html)
    bare = time.perf_counter() - started
    times = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            collect(year)
            times.append(time.perf_counter() - started)
    figures = min(times)
    report(
        "Données des autres applications pour le rapport (demo_data de chaque application)",
        f"{populated:.1f} s",
        f"{Cooperative.objects.count()} coopératives",
    )
    drawn = [chart for found in draw_all(output.data).values() for chart in found]
    slowest = max((chart.seconds for chart in drawn), default=0)
    report(
        f"Rapport d'activité {year} : génération complète (PDF + Excel)",
        f"{whole:.2f} s ({whole / max(bare, 1e-6):.1f} × le rendu seul), dont {len(drawn)} "
        f"graphiques SVG (matplotlib) : {sum(c.seconds for c in drawn):.2f} s, le plus long "
        f"{slowest:.3f} s",
        f"rendu WeasyPrint seul du même HTML : {bare:.2f} s",
    )
    baseline = f"rendu WeasyPrint seul : {bare:.2f} s"
    if _first:
        ((scale, first),) = _first.items()
        baseline += f" ; {figures / max(first, 1e-6):.1f} × le temps à {scale}"
    else:
        _first[f"{Cooperative.objects.count()} coopératives"] = figures
    report(
        f"Rapport d'activité {year} : chiffres des deux années (registre des indicateurs, "
        f"meilleur de {RUNS})",
        f"{figures:.2f} s, {len(queries)} requêtes",
        baseline,
    )
