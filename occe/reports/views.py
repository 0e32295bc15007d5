"""The annual report's pages: the year's sections and texts, generation with progress, the
files produced (staff and administrators only); texts are edited by staff."""

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from occe.accounts.access import staff_only, staff_or_board
from occe.core.jobs import launch
from occe.core.models import SchoolYear, year_from_request

from .data import collect
from .forms import SectionTextForm
from .generate import render_html
from .models import GeneratedReport, SectionText
from .sections import PLAN_SECTIONS, SECTIONS

REPORTS_LISTED = 30
PLAN_SLUGS = {section.slug for section in PLAN_SECTIONS}


def _index_url(year: SchoolYear) -> str:
    return f"{reverse('reports:index')}?annee={year.label}"


def _next_label() -> str:
    start = SchoolYear.objects.current().start_year + 1
    return f"{start}-{start + 1}"


def _year(label: str) -> SchoolYear | None:
    """A recorded year up to the next one (the activity plan's, created if needed)."""
    year = SchoolYear.objects.from_label(label)
    if year is None and label == _next_label():
        year = SchoolYear.objects.from_label(label, create=True)
    if year is None or year.start_year > SchoolYear.objects.current().start_year + 1:
        return None
    return year


def _generations(year: SchoolYear, kind: str):
    return GeneratedReport.objects.filter(school_year=year, kind=kind).select_related(
        "job", "created_by", "school_year"
    )[:REPORTS_LISTED]


@staff_or_board
def index(request):
    year = year_from_request(request)
    plan_year = _year(f"{year.start_year + 1}-{year.start_year + 2}") or year
    texts = SectionText.objects.of_year(year)
    plan_texts = SectionText.objects.of_year(plan_year)
    return render(
        request,
        "reports/index.html",
        {
            "year": year,
            "years": SchoolYear.objects.up_to_current(),
            "sections": [(section, texts.get(section.slug, "")) for section in SECTIONS],
            "reports": _generations(year, GeneratedReport.Kind.REPORT),
            "plan_year": plan_year,
            "plan_sections": [(s, plan_texts.get(s.slug, "")) for s in PLAN_SECTIONS],
            "plans": _generations(plan_year, GeneratedReport.Kind.PLAN),
        },
    )


@staff_or_board
@require_POST
def generate(request):
    kind = request.POST.get("document", GeneratedReport.Kind.REPORT)
    year = _year(request.POST.get("annee", ""))
    if kind not in GeneratedReport.Kind.values or year is None:
        raise Http404
    current = SchoolYear.objects.current()
    if kind == GeneratedReport.Kind.REPORT and year.start_year > current.start_year:
        raise Http404  # no report of a year not begun
    with transaction.atomic():
        report = GeneratedReport.objects.create(
            school_year=year, kind=kind, created_by=request.user
        )
        report.job = launch(
            "reports.annual", user=request.user, parameters={"report": report.pk}, obj=report
        )
        report.save(update_fields=["job"])
    messages.success(request, f"{report.get_kind_display()} {year} : production lancée.")
    shown = year if kind == GeneratedReport.Kind.REPORT else year.previous()
    return redirect(_index_url(shown))


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


@staff_or_board
def preview(request, annee, document):
    """The report (or the activity plan) as the PDF's HTML, charts inline, from today's data:
    what the next generation will print, without waiting for it."""
    year = _year(annee)
    if document not in GeneratedReport.Kind.values or year is None:
        raise Http404
    plan = document == GeneratedReport.Kind.PLAN
    if not plan and year.start_year > SchoolYear.objects.current().start_year:
        raise Http404  # no report of a year not begun
    back = _index_url(year.previous() if plan else year)
    return HttpResponse(render_html(collect(year, plan=plan), plan=plan, back_url=back))


@staff_only
def edit_text(request, annee, section):
    year = _year(annee)
    known = {s.slug: s for s in [*SECTIONS, *PLAN_SECTIONS]}
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
            shown = year.previous() if section in PLAN_SLUGS else year
            return redirect(_index_url(shown))
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
