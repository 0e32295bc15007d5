"""Excel exports of an edition: its budget (expenses, contributions, the association's share)
and its class registrations."""

from collections.abc import Iterable

from occe.core.exports import DATETIME, INTEGER, MONEY, Column, Exporter, ListExporter, Sheet

from .models import ClassRegistration, Edition


class BudgetExporter(Exporter):
    edition: Edition

    def get_filename(self) -> str:
        return f"budget-{self.edition.action.slug}-{self.edition.school_year.label}.xlsx"

    def sheets(self) -> Iterable[Sheet]:
        columns = [Column("Nature"), Column("Poste"), Column("Libellé"), Column("Montant", MONEY)]
        lines = self.edition.budget_lines.order_by("kind", "pk")
        rows = [
            [line.get_kind_display(), line.get_category_display(), line.label, line.amount]
            for line in lines
        ]
        totals = self.edition.budget()
        rows += [
            ["Total", "", "Montant global de l'action", totals["total"]],
            ["Total", "", "Contributions des partenaires", totals["contributions"]],
            ["Total", "", "Part de l'association", totals["share"]],
        ]
        yield Sheet("Budget", columns, rows)


class RegistrationExporter(ListExporter):
    title = "Classes inscrites"
    columns = [
        Column("École"),
        Column("Commune"),
        Column("Classe"),
        Column("Niveaux"),
        Column("Élèves", INTEGER),
        Column("Enseignant"),
        Column("Courriel"),
        Column("Toute l'équipe"),
        Column("Inscrite le", DATETIME),
        Column("Statut"),
    ]
    edition: Edition

    def get_filename(self) -> str:
        return f"classes-{self.edition.action.slug}-{self.edition.school_year.label}.xlsx"

    def rows(self):
        registrations = ClassRegistration.objects.filter(edition=self.edition).select_related(
            "cooperative", "teacher"
        )
        for r in registrations.order_by("registered_at", "pk"):
            yield [
                r.cooperative.name,
                r.cooperative.commune,
                r.class_name,
                r.levels_display(),
                r.pupils,
                r.teacher.get_full_name(),
                r.teacher.email,
                "oui" if r.whole_team else "non",
                r.registered_at,
                r.get_status_display(),
            ]
