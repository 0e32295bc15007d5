"""The trainings' figures per school year, and the staff's and board's own trainings."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from occe.accounts.access import role_required
from occe.core.models import SchoolYear, year_from_request
from occe.core.spreadsheets import write_xlsx, xlsx_response

from .. import indicators
from ..exports import audience_rows, figures_table, training_rows
from ..forms import StaffTrainingForm
from ..models import StaffTraining
from .common import staff_or_board

secretariat_only = role_required(lambda user: user.is_secretariat)


@staff_or_board
def figures(request):
    year = year_from_request(request)
    context = {
        "year": year,
        "years": SchoolYear.objects.up_to_current(),
        "rows": training_rows(year),
        "audiences": audience_rows(year),
        "totals": {
            "held": indicators.total_sessions_held(year),
            "cancelled": indicators.total_sessions_cancelled(year),
            "participants": indicators.total_participants(year),
            "hours": indicators.total_hours(year),
        },
        "staff": {
            "count": indicators.staff_trainings(year),
            "participants": indicators.staff_participants(year),
            "hours": indicators.staff_hours(year),
        },
    }
    return render(request, "formations/figures.html", context)


@staff_or_board
def figures_export(request):
    year = year_from_request(request)
    headers, rows = figures_table(year)
    content = write_xlsx(headers, rows, f"Formations {year.label}")
    return xlsx_response(content, f"formations-{year.label}.xlsx")


@staff_or_board
def staff_trainings(request):
    year = year_from_request(request)
    return render(
        request,
        "formations/staff_trainings.html",
        {
            "year": year,
            "years": SchoolYear.objects.up_to_current(),
            "trainings": StaffTraining.objects.in_year(year),
            "can_edit": request.user.is_secretariat,
        },
    )


@secretariat_only
def staff_training_create(request):
    return _staff_training_form(request, StaffTraining())


@secretariat_only
def staff_training_edit(request, pk):
    return _staff_training_form(request, get_object_or_404(StaffTraining, pk=pk))


def _staff_training_form(request, training):
    form = StaffTrainingForm(request.POST or None, instance=training)
    if request.method == "POST" and form.is_valid():
        training = form.save()
        messages.success(request, f"Formation « {training} » enregistrée.")
        year = SchoolYear.objects.for_date(training.date)
        return redirect(f"{reverse('formations:staff_trainings')}?annee={year.label}")
    title = f"Modifier « {training} »" if training.pk else "Formation de l'équipe ou du conseil"
    return render(
        request,
        "formations/form.html",
        {"form": form, "title": title, "back": "formations:staff_trainings"},
    )
