"""The figures of a year's CRFS and controls, one function per figure (the page, the Excel
export and the annual report read the same ones), and the year's Excel export."""

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, Q, Sum

from occe.core.exports import DATE, INTEGER, MONEY, Column, Exporter, Sheet
from occe.core.models import SchoolYear

from .models.controls import REASON_FIELDS, Control, Outcome
from .models.crfs import (
    CRFS_REASONS,
    MUNICIPAL_SUBSIDY,
    RECEIVED,
    Crfs,
    CrfsCategory,
    CrfsLine,
    Reason,
)
from .services.crfs import campaign_figures, flag_counts

__all__ = ["campaign_figures", "flag_counts"]


def totals_by_category(year: SchoolYear) -> list[dict]:
    """Income and expenses of every category over the year's received CRFS (two queries):
    [{"kind", "label", "account_code", "total", "coops"}], every category listed. A CRFS has
    at most one line per category and a coop one CRFS per year: lines count coops."""
    sums = {
        row["category_id"]: row
        for row in CrfsLine.objects.filter(crfs__school_year=year, crfs__status__in=RECEIVED)
        .values("category_id")
        .annotate(total=Sum("amount"), coops=Count("pk"))
        .order_by()
    }
    rows = []
    for category in CrfsCategory.objects.order_by("kind", "order", "pk"):
        figures = sums.get(category.pk, {})
        rows.append(
            {
                "kind": category.get_kind_display(),
                "label": category.label,
                "account_code": category.account_code,
                "total": figures.get("total") or Decimal("0"),
                "coops": figures.get("coops", 0),
            }
        )
    return rows


def municipal_subsidies(year: SchoolYear) -> dict:
    """Coops whose received CRFS shows a municipal subsidy, and its total."""
    figures = CrfsLine.objects.filter(
        crfs__school_year=year,
        crfs__status__in=RECEIVED,
        category__label=MUNICIPAL_SUBSIDY,
        amount__gt=0,
    ).aggregate(coops=Count("crfs__cooperative", distinct=True), total=Sum("amount"))
    return {"coops": figures["coops"], "total": figures["total"] or Decimal("0")}


def controls_by_reason(year: SchoolYear) -> dict[str, int]:
    """Controls of the year by reason (one query); a control with two reasons counts twice."""
    return Control.objects.of_year(year).aggregate(
        **{
            reason: Count("pk", filter=Q(**{field: True}))
            for reason, field in REASON_FIELDS.items()
        }
    )


def controls_by_outcome(year: SchoolYear) -> dict[str, int]:
    counts = dict(
        Control.objects.of_year(year).values_list("outcome").annotate(n=Count("pk")).order_by()
    )
    return {value: counts.get(value, 0) for value, _ in Outcome.choices}


class CrfsFiguresExporter(Exporter):
    """The year's figures (campaign, flags, controls), totals by category and the list of
    received CRFS, one sheet each."""

    year: SchoolYear

    def get_filename(self) -> str:
        return f"crfs-{self.year.label}.xlsx"

    def sheets(self) -> Iterable[Sheet]:
        year = self.year
        campaign = campaign_figures(year)
        flags = flag_counts(year)
        by_reason = controls_by_reason(year)
        outcomes = controls_by_outcome(year)
        subsidies = municipal_subsidies(year)
        summary = [
            ("CRFS attendus", campaign["expected"]),
            ("CRFS reçus", campaign["received"]),
            ("CRFS acceptés", campaign["accepted"]),
            ("CRFS en retard", campaign["late"]),
            ("Coopératives ayant une subvention communale", subsidies["coops"]),
        ]
        summary += [(f"Signalements : {Reason(r).label}", flags[r]) for r in CRFS_REASONS]
        summary += [(f"Contrôles : {Reason(r).label}", n) for r, n in by_reason.items()]
        summary += [
            (f"Contrôles conclus : {dict(Outcome.choices)[o]}", n) for o, n in outcomes.items() if o
        ]
        yield Sheet(
            f"Synthèse {year.label}",
            [Column("Chiffre", width=50), Column("Valeur", format=INTEGER)],
            summary,
        )
        yield Sheet(
            "Par catégorie",
            [
                Column("Nature"),
                Column("Catégorie", width=50),
                Column("Compte"),
                Column("Total", format=MONEY),
                Column("Coopératives", format=INTEGER),
            ],
            [
                (r["kind"], r["label"], r["account_code"], r["total"], r["coops"])
                for r in totals_by_category(year)
            ]
            + [
                (
                    "Produits",
                    "Subventions communales (total)",
                    "",
                    subsidies["total"],
                    subsidies["coops"],
                )
            ],
        )
        yield Sheet(
            "Comptes rendus",
            [
                Column("Numéro"),
                Column("Coopérative", width=40),
                Column("État"),
                Column("Forme"),
                Column("Reçu le", format=DATE),
                Column("Solde d'ouverture", format=MONEY),
                Column("Produits", format=MONEY),
                Column("Charges", format=MONEY),
                Column("Solde comptable", format=MONEY),
                Column("Solde bancaire", format=MONEY),
                Column("Opérations en attente", format=MONEY),
                Column("Quitus"),
            ],
            (
                (
                    c.cooperative.number,
                    c.cooperative.name,
                    c.get_status_display(),
                    c.get_format_display(),
                    c.submitted_at.date() if c.submitted_at else None,
                    c.opening_balance,
                    c.income_total,
                    c.expense_total,
                    c.closing_balance,
                    c.bank_balance,
                    c.pending_amount,
                    "oui" if c.quitus else "non",
                )
                for c in Crfs.objects.of_year(year)
                .received()
                .select_related("cooperative")
                .order_by("cooperative__number")
                .iterator(chunk_size=500)
            ),
        )
