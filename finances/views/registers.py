from django.shortcuts import render
from django.utils import timezone

from occe.accounts.access import staff_or_board
from occe.core.spreadsheets import write_xlsx, xlsx_response

from ..forms import RegisterForm
from ..registers import (
    Declaration,
    Period,
    declarations,
    figures,
    issued_in,
    numbering_check,
)


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
    period = _period(request)
    table = request.GET.get("tableau", "registre")
    suffix = f"{period.kind}-{period.year}"
    if table == "coops":
        data = figures(period)
        rows = [
            [
                row["cooperative__number"],
                row["cooperative__name"],
                row["count"],
                float(row["amount"]),
            ]
            for row in data["by_coop"]
        ]
        content = write_xlsx(["Coopérative", "École", "Reçus", "Montant"], rows, "Par coopérative")
        return xlsx_response(content, f"recus-par-cooperative-{suffix}.xlsx")
    if table == "numerotation":
        rows = []
        for year in period.issue_years:
            check = numbering_check(year)
            rows.append(
                [
                    year,
                    check.count,
                    check.first,
                    check.last,
                    check.counter,
                    ", ".join(map(str, check.missing)) or "aucun",
                    ", ".join(check.duplicates) or "aucun",
                    "conforme" if check.ok else "ANOMALIE",
                ]
            )
        headers = [
            "Année",
            "Reçus",
            "Premier",
            "Dernier",
            "Compteur",
            "Numéros manquants",
            "Doublons",
            "Contrôle",
        ]
        return xlsx_response(
            write_xlsx(headers, rows, "Numérotation"), f"numerotation-{suffix}.xlsx"
        )
    if table == "declaration":
        rows = [[d.period.label, float(d.amount), d.count] for d in declarations(period)]
        headers = [
            "Période (article 222 bis du CGI)",
            Declaration.AMOUNT_BASIS,
            Declaration.COUNT_BASIS,
        ]
        return xlsx_response(
            write_xlsx(headers, rows, "Déclaration"), f"declaration-dons-{suffix}.xlsx"
        )
    receipts = (
        issued_in(period)
        .select_related("cooperative", "request", "replaces")
        .order_by("year", "sequence")
    )
    headers = [
        "Numéro",
        "Émis le",
        "Coopérative",
        "Canal",
        "Donateur",
        "Type",
        "Montant",
        "Date du don",
        "Statut",
        "Annulé le",
        "Motif",
        "Remplace",
    ]

    def rows():
        for r in receipts.iterator(chunk_size=2000):
            yield [
                r.number,
                timezone.localtime(r.issued_at).strftime("%d/%m/%Y"),
                r.cooperative.number,
                r.request.get_channel_display(),
                r.donor_name,
                r.get_donor_type_display(),
                float(r.amount),
                r.date_label,
                "annulé" if r.is_cancelled else "valide",
                timezone.localtime(r.cancelled_at).strftime("%d/%m/%Y") if r.cancelled_at else "",
                r.cancel_reason,
                r.replaces.number if r.replaces_id else "",
            ]

    return xlsx_response(write_xlsx(headers, rows(), "Registre"), f"registre-recus-{suffix}.xlsx")
