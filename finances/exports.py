"""The registers' Excel exports (occe.core.exports): the receipts issued, the figures per
cooperative, the numbering check and the annual declaration, for a period. `REGISTER_EXPORTS`
maps the `tableau` of the registers' page to its exporter."""

from django.utils import timezone

from occe.core.exports import DATE, INTEGER, MONEY, Column, ListExporter

from .registers import Declaration, Period, declarations, figures, issued_in, numbering_check


class RegisterExporter(ListExporter):
    """Exporters of a period of the registers; the file is named after the period."""

    name = "registre"
    period: Period

    def get_filename(self) -> str:
        return f"{self.name}-{self.period.kind}-{self.period.year}.xlsx"


def _day(moment):
    return timezone.localdate(moment) if moment else None


class ReceiptsExporter(RegisterExporter):
    name = "registre-recus"
    title = "Registre"
    columns = [
        Column("Numéro"),
        Column("Émis le", format=DATE),
        Column("Coopérative"),
        Column("Canal"),
        Column("Donateur"),
        Column("Type"),
        Column("Montant", format=MONEY),
        Column("Date du don"),
        Column("Statut"),
        Column("Annulé le", format=DATE),
        Column("Motif"),
        Column("Remplace"),
    ]

    def rows(self):
        receipts = (
            issued_in(self.period)
            .select_related("cooperative", "request", "replaces")
            .order_by("year", "sequence")
        )
        for r in receipts.iterator(chunk_size=2000):
            yield [
                r.number,
                _day(r.issued_at),
                r.cooperative.number,
                r.request.get_channel_display(),
                r.donor_name,
                r.get_donor_type_display(),
                r.amount,
                r.date_label,
                "annulé" if r.is_cancelled else "valide",
                _day(r.cancelled_at),
                r.cancel_reason,
                r.replaces.number if r.replaces_id else "",
            ]


class ByCooperativeExporter(RegisterExporter):
    name = "recus-par-cooperative"
    title = "Par coopérative"
    columns = [
        Column("Coopérative"),
        Column("École"),
        Column("Reçus", format=INTEGER),
        Column("Montant", format=MONEY),
    ]

    def rows(self):
        for row in figures(self.period)["by_coop"]:
            yield [
                row["cooperative__number"],
                row["cooperative__name"],
                row["count"],
                row["amount"],
            ]


class NumberingExporter(RegisterExporter):
    name = "numerotation"
    title = "Numérotation"
    columns = [
        Column("Année"),
        Column("Reçus", format=INTEGER),
        Column("Premier"),
        Column("Dernier"),
        Column("Compteur"),
        Column("Numéros manquants"),
        Column("Doublons"),
        Column("Contrôle"),
    ]

    def rows(self):
        for year in self.period.issue_years:
            check = numbering_check(year)
            yield [
                year,
                check.count,
                check.first,
                check.last,
                check.counter,
                ", ".join(map(str, check.missing)) or "aucun",
                ", ".join(check.duplicates) or "aucun",
                "conforme" if check.ok else "ANOMALIE",
            ]


class DeclarationExporter(RegisterExporter):
    name = "declaration-dons"
    title = "Déclaration"
    columns = [
        Column("Période (article 222 bis du CGI)"),
        Column(Declaration.AMOUNT_BASIS, format=MONEY),
        Column(Declaration.COUNT_BASIS, format=INTEGER),
    ]

    def rows(self):
        for d in declarations(self.period):
            yield [d.period.label, d.amount, d.count]


REGISTER_EXPORTS: dict[str, type[RegisterExporter]] = {
    "registre": ReceiptsExporter,
    "coops": ByCooperativeExporter,
    "numerotation": NumberingExporter,
    "declaration": DeclarationExporter,
}
