"""Import of many coops' CRFS totals (the accounting software's or the federation's export):
one row per coop, recognised by its number, for one school year (occe.core.imports)."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cooperatives.models import Cooperative
from occe.core.imports import (
    ChoiceColumn,
    Column,
    DateColumn,
    DecimalColumn,
    Importer,
    Row,
    register_importer,
)
from occe.core.models import SchoolYear

from .models.crfs import BALANCE_FIELDS, MAX_CRFS_AMOUNT, MIN_CRFS_BALANCE, Crfs, Format, Status

AMOUNTS = [
    ("opening_balance", "Solde d'ouverture"),
    ("income_total", "Total des produits"),
    ("expense_total", "Total des charges"),
    ("closing_balance", "Solde comptable au 31 août"),
    ("bank_balance", "Solde bancaire au 31 août"),
    ("pending_amount", "Opérations en attente"),
]
FORMATS = [(Format.ONLINE, "en ligne"), (Format.SOFTWARE, "logiciel"), (Format.PAPER, "papier")]
# Compared with and assigned to the CRFS, in this order.
FIELDS = [key for key, _ in AMOUNTS] + [
    "approval_date",
    "verifier1_name",
    "verifier2_name",
    "quitus",
    "format",
]


class QuitusColumn(ChoiceColumn):
    """« oui » / « non » as a boolean."""

    def parse(self, value):
        return super().parse(value) == "oui"


COLUMNS = [
    Column("number", "Numéro", required=True, max_length=20),
    *[
        DecimalColumn(
            key,
            header,
            required=key != "pending_amount",
            # A balance is negative when the account is overdrawn; the other amounts never.
            min_value=MIN_CRFS_BALANCE if key in BALANCE_FIELDS else Decimal("0"),
            max_value=MAX_CRFS_AMOUNT,
        )
        for key, header in AMOUNTS
    ],
    DateColumn("approval_date", "Date d'approbation"),
    Column("verifier1_name", "Vérificateur 1", max_length=150),
    Column("verifier2_name", "Vérificateur 2", max_length=150),
    QuitusColumn("quitus", "Quitus", choices=[("oui", "oui"), ("non", "non")], required=True),
    ChoiceColumn(
        "format",
        "Format",
        choices=FORMATS + [(Format.SOFTWARE, "export du logiciel")],
        required=True,
        unknown_message="« {value} » inconnu : en ligne, logiciel ou papier.",
    ),
]


@dataclass
class Database:
    cooperatives: dict  # number -> Cooperative
    reports: dict  # cooperative pk -> Crfs of the year


@register_importer
class CrfsImporter(Importer):
    """CRFS of `school_year` recognised by the coop's number: created as received, a draft or
    one sent back completed and received; an accepted one is never changed by an import."""

    kind = "crfs"
    label = "Comptes rendus financiers"
    key = "number"
    columns = COLUMNS
    preview_url_name = "finances:crfs_import_preview"
    duplicate_message = (
        "Le numéro {value} apparaît plusieurs fois dans le fichier (aussi ligne {lines})."
    )
    action_labels = {
        "create": "à créer",
        "update": "à mettre à jour",
        "unchanged": "inchangé",
        "error": "en erreur",
    }

    school_year: SchoolYear
    # A past year loaded for the report's comparisons: its CRFS are recorded as received and
    # accepted (`--acceptes`, the web import's checkbox), the history saying so.
    validated: bool = False

    def parameters(self) -> dict:
        return {"school_year": self.school_year.pk, "validated": self.validated}

    @classmethod
    def from_batch(cls, batch) -> "CrfsImporter":
        return cls(
            school_year=batch.school_year,
            validated=bool((batch.parameters or {}).get("validated")),
        )

    def report_heading(self) -> list[str]:
        heading = [f"Exercice : {self.school_year}"]
        if self.validated:
            heading.append("Comptes rendus d'un exercice passé, enregistrés comme acceptés.")
        return heading

    @property
    def change_reason(self) -> str:
        if self.validated:
            return f"Import Excel d'un exercice passé : comptes rendus {self.school_year} acceptés"
        return "Import Excel"

    @staticmethod
    def past_year_refusal(school_year: SchoolYear) -> str:
        """Why the CRFS of `school_year` may not be imported as accepted ("" if they may): only
        a year before the campaign's (the year just closed, whose reports the secretariat
        receives and checks one by one now), never the campaign's nor a later one."""
        campaign = SchoolYear.objects.current().previous()
        if school_year.start_year >= campaign.start_year:
            return (
                "Seuls les comptes rendus d'un exercice passé peuvent être importés comme "
                f"acceptés ; {school_year} est l'exercice de la campagne en cours ou à venir."
            )
        return ""

    def load(self, rows: list[Row], lock: bool = False) -> Database:
        numbers = sorted({row.key for row in rows if row.key})
        reports = Crfs.objects.filter(school_year=self.school_year, cooperative__number__in=numbers)
        if lock:
            reports = reports.select_for_update(of=("self",))
        return Database(
            cooperatives={c.number: c for c in Cooperative.objects.filter(number__in=numbers)},
            reports={crfs.cooperative_id: crfs for crfs in reports},
        )

    def compare(self, row: Row, db: Database) -> bool:
        coop = db.cooperatives.get(row.key)
        if coop is None:
            row.error("number", f"Aucune coopérative n'a le numéro {row.key}.")
            return False
        crfs = db.reports.get(coop.pk)
        values = dict(row.values)
        if values["pending_amount"] is None:
            values["pending_amount"] = 0
        if crfs is None:
            row.changed = list(FIELDS)
            return False
        row.changed = [key for key in FIELDS if getattr(crfs, key) != values[key]]
        if crfs.status != self._target_status(crfs) and not row.changed:
            # Same figures, but the report becomes received (or accepted): still a change.
            row.changed = ["format"]
        if row.changed and crfs.status == Status.ACCEPTED:
            row.error(
                row.changed[0],
                f"Le compte rendu {self.school_year} de cette coopérative est accepté : un "
                "import ne le modifie plus.",
            )
        return True

    def _target_status(self, crfs: Crfs) -> str:
        """What the import makes of a report: received, or accepted for a past year; one
        already received stays so (the secretariat decides on it)."""
        if self.validated:
            return Status.ACCEPTED
        return Status.SUBMITTED if crfs.status in (Status.DRAFT, Status.TO_CORRECT) else crfs.status

    def _assign(self, crfs: Crfs, row: Row, user) -> None:
        for key in FIELDS:
            setattr(crfs, key, row.values[key])
        if crfs.pending_amount is None:
            crfs.pending_amount = 0
        crfs.quitus_date = crfs.approval_date if crfs.quitus else None
        status = self._target_status(crfs)
        now = timezone.now()
        if crfs.status in (Status.DRAFT, Status.TO_CORRECT):
            crfs.submitted_at, crfs.submitted_by = now, user
        if status == Status.ACCEPTED and crfs.status != Status.ACCEPTED:
            crfs.decided_at, crfs.decided_by = now, user
            crfs.correction_reason = ""
        crfs.status = status

    def write(self, rows: list[Row], db: Database, user) -> dict:
        new, changed = [], []
        for row in rows:
            coop = db.cooperatives[row.key]
            crfs = db.reports.get(coop.pk)
            if crfs is None:
                crfs = Crfs(cooperative=coop, school_year=self.school_year, created_by=user)
                self._assign(crfs, row, user)
                new.append(crfs)
            else:
                self._assign(crfs, row, user)
                changed.append(crfs)
        history = {"default_user": user, "default_change_reason": self.change_reason}
        if new:
            bulk_create_with_history(new, Crfs, batch_size=500, **history)
        if changed:
            fields = [*FIELDS, "quitus_date", "status", "submitted_at", "submitted_by"]
            if self.validated:
                fields += ["decided_at", "decided_by", "correction_reason"]
            bulk_update_with_history(changed, Crfs, fields, batch_size=500, **history)
        return {}
