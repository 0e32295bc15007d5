"""`make bench` rows for the annual report: the whole generation (figures of two years through
the registry, workbook, HTML, PDF) beside the bare WeasyPrint rendering of the same HTML,
measured in the same run; the charts' drawing time (matplotlib, each chart timed); and the
figures' part alone with its number of queries, which must not grow with the number of
cooperatives (the indicators aggregate in the database)."""

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from occe.core.models import SchoolYear
from occe.reports.charts import draw_all
from occe.reports.data import collect
from occe.reports.generate import generate, html_to_pdf, render_html


def run(report) -> None:
    year = SchoolYear.objects.current().previous()  # the demo's complete year
    generate(year)  # warm-up: fonts and templates loaded, as in a running worker
    started = time.perf_counter()
    output = generate(year)
    whole = time.perf_counter() - started
    html = render_html(output.data)
    started = time.perf_counter()
    html_to_pdf(html)
    bare = time.perf_counter() - started
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        collect(year)
        figures = time.perf_counter() - started
    drawn = [chart for found in draw_all(output.data).values() for chart in found]
    slowest = max((chart.seconds for chart in drawn), default=0)
    report(
        f"Rapport d'activité {year} : génération complète (PDF + Excel)",
        f"{whole:.2f} s ({whole / max(bare, 1e-6):.1f} × le rendu seul), dont {len(drawn)} "
        f"graphiques SVG (matplotlib) : {sum(c.seconds for c in drawn):.2f} s, le plus long "
        f"{slowest:.3f} s",
        f"rendu WeasyPrint seul du même HTML : {bare:.2f} s",
    )
    report(
        f"Rapport d'activité {year} : chiffres des deux années (registre des indicateurs)",
        f"{figures:.2f} s, {len(queries)} requêtes",
        f"rendu WeasyPrint seul : {bare:.2f} s",
    )
