from django.shortcuts import render
from django.utils import timezone

from occe.accounts.access import staff_or_board

from ..exports import REGISTER_EXPORTS, ReceiptsExporter
from ..forms import RegisterForm
from ..registers import Period, figures


def _period(request) -> Period:
    form = RegisterForm(request.GET or None)
    if form.is_valid():
        return Period(form.cleaned_data["period"], form.cleaned_data["year"])
    return Period("civile", timezone.localdate().year)


@staff_or_board
def registers(request):
    period = _period(request)
    form = RegisterForm(initial={"period": period.kind, "year": period.year})
    return render(request, "finances/registers.html", {"form": form, **figures(period)})


@staff_or_board
def registers_export(request):
    exporter = REGISTER_EXPORTS.get(request.GET.get("tableau"), ReceiptsExporter)
    return exporter(period=_period(request)).response()
