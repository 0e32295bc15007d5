"""Loans and sales figures of a school year, for staff and board (the report reads the same
functions)."""

from django.shortcuts import render

from occe.accounts.access import staff_or_board
from occe.core.models import SchoolYear, year_from_request
from occe.core.spreadsheets import write_xlsx, xlsx_response

from .. import exports, indicators
from ..models import Product, ResourceKind


@staff_or_board
def figures(request):
    year = year_from_request(request)
    per_kind = indicators.loans_per_kind(year) or {}
    sales = indicators.sales_per_product(year) or {}
    names = dict(Product.objects.values_list("slug", "name"))
    context = {
        "year": year,
        "years": SchoolYear.objects.up_to_current(),
        "kinds": [
            (label, per_kind[kind]) for kind, label in ResourceKind.choices if kind in per_kind
        ],
        "loans": indicators.loan_count(year),
        "late": indicators.late_loans(year),
        "products": sorted((names.get(slug, slug), row) for slug, row in sales.items()),
    }
    return render(request, "prets/figures.html", context)


@staff_or_board
def figures_export(request):
    year = year_from_request(request)
    headers, rows = exports.figures(year)
    content = write_xlsx(headers, rows, title=f"Prêts et ventes {year}")
    return xlsx_response(content, f"prets-ventes-{year.label}.xlsx")
