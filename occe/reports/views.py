"""The annual report's pages: the year's sections and texts, generation with progress, the
files produced (staff and administrators only); texts are edited by staff."""

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from occe.accounts.access import staff_only, staff_or_board
from occe.core.jobs import launch
from occe.core.models import SchoolYear, year_from_request

from .forms import SectionTextForm
from .models import GeneratedReport, SectionText
from .sections import SECTIONS

REPORTS_LISTED = 30


def _index_url(year: SchoolYear) -> str:
    return f"{reverse('reports:index')}?annee={year.label}"


@staff_or_board
def index(request):
    year = year_from_request(request)
    texts = SectionText.objects.of_year(year)
    reports = GeneratedReport.objects.filter(school_year=year).select_related("job", "created_by")[
        :REPORTS_LISTED
    ]
    return render(
        request,
        "reports/index.html",
        {
            "year": year,
            "years": SchoolYear.objects.up_to_current(),
            "sections": [(section, texts.get(section.slug, "")) for section in SECTIONS],
            "reports": reports,
        },
    )


@staff_or_board
@require_POST
def generate(request):
    year = SchoolYear.objects.from_label(request.POST.get("annee", ""))
    if year is None or not SchoolYear.objects.up_to_current().filter(pk=year.pk).exists():
        raise Http404
    with transaction.atomic():
        report = GeneratedReport.objects.create(school_year=year, created_by=request.user)
        report.job = launch(
            "reports.annual", user=request.user, parameters={"report": report.pk}, obj=report
        )
        report.save(update_fields=["job"])
    messages.success(request, f"Rapport d'activité {year} : production lancée.")
    return redirect(_index_url(year))


@staff_or_board
def download(request, pk, kind):
    report = get_object_or_404(GeneratedReport.objects.select_related("school_year"), pk=pk)
    stored = {"pdf": report.pdf, "xlsx": report.xlsx}.get(kind)
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=f"{report.basename}.{kind}")


@staff_only
def edit_text(request, annee, section):
    year = SchoolYear.objects.from_label(annee)
    known = {s.slug: s for s in SECTIONS}
    if year is None or section not in known:
        raise Http404
    text = SectionText.objects.filter(school_year=year, section=section).first()
    initial = {}
    proposed = False
    if text is None:
        previous = SectionText.objects.filter(
            school_year__start_year=year.start_year - 1, section=section
        ).first()
        if previous and previous.text:
            initial, proposed = {"text": previous.text}, True
    form = SectionTextForm(
        request.POST or None,
        instance=text or SectionText(school_year=year, section=section),
        initial=initial,
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        if "apercu" in request.POST:
            preview = _paragraphs(form.cleaned_data["text"])
        else:
            saved = form.save(commit=False)
            saved.updated_at, saved.updated_by = timezone.now(), request.user
            saved.save()
            messages.success(request, f"Texte « {known[section].title} » enregistré.")
            return redirect(_index_url(year))
    history = text.history.select_related("history_user")[:20] if text else []
    return render(
        request,
        "reports/text_form.html",
        {
            "year": year,
            "section": known[section],
            "form": form,
            "preview": preview,
            "proposed": proposed,
            "history": history,
        },
    )


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split("\n\n") if p.strip()]


@staff_or_board
def status(request, pk):
    """The row of one generation, polled while its job runs."""
    report = get_object_or_404(GeneratedReport.objects.select_related("job", "created_by"), pk=pk)
    return render(request, "reports/includes/report_row.html", {"report": report})
