"""The report's pages with every role: staff and administrators generate, preview and download,
staff edit the texts; everyone else gets a 403."""

from types import SimpleNamespace

from django.core.files.base import ContentFile

from occe.reports.models import GeneratedReport, SectionText
from tests.access import STAFF, STAFF_AND_BOARD, Route, as_post


def build(world) -> SimpleNamespace:
    report = GeneratedReport.objects.create(
        school_year=world.year, created_by=world.users["secretariat"]
    )
    report.pdf.save("rapport.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    report.xlsx.save("rapport.xlsx", ContentFile(b"PK test"), save=False)
    report.save()
    SectionText.objects.create(school_year=world.year, section="preambule", text="L'OCCE…")
    return SimpleNamespace(report=report)


REPORT = {"pk": "reports.report.pk"}

ROUTES = [
    Route("reports:index", STAFF_AND_BOARD),
    Route("reports:generate", as_post(STAFF_AND_BOARD), {}, "post", {"annee": "year.label"}),
    Route("reports:status", STAFF_AND_BOARD, REPORT),
    Route("reports:download", STAFF_AND_BOARD, {**REPORT, "kind": "=pdf"}),
    Route("reports:preview", STAFF_AND_BOARD, {"annee": "year.label", "document": "=rapport"}),
    Route("reports:preview", STAFF_AND_BOARD, {"annee": "year.label", "document": "=projet"}),
    Route("reports:text_edit", STAFF, {"annee": "year.label", "section": "=preambule"}),
]
