"""The report's background job (found at start-up by occe.core): one GeneratedReport per run,
progress by section, the two files kept on the GeneratedReport."""

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from occe.core.jobs import JobFailed, JobKind, register

from .generate import generate, steps
from .models import GeneratedReport


@register
class AnnualReportJob(JobKind):
    name = "reports.annual"
    label = "Rapport d'activité"

    def run(self, job):
        report = (
            GeneratedReport.objects.select_related("school_year")
            .filter(pk=job.parameters.get("report"))
            .first()
        )
        if report is None:
            raise JobFailed("Ce rapport n'existe plus.")
        if report.is_ready:  # a second delivery: the files are there already
            return {"report": report.pk}
        job.set_total(steps(report.is_plan))
        output = generate(
            report.school_year, progress=lambda _slug: job.advance(), plan=report.is_plan
        )
        base = report.basename
        report.pdf.save(f"{base}-{report.pk}.pdf", ContentFile(output.pdf), save=False)
        job.advance()
        report.xlsx.save(f"{base}-{report.pk}.xlsx", ContentFile(output.xlsx), save=False)
        report.finished_at = timezone.now()
        report.save(update_fields=["pdf", "xlsx", "finished_at"])
        job.advance()
        return {"report": report.pk, "durees": output.timings}

    def url(self, job):
        return reverse("reports:index")
