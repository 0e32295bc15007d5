"""Import of the Trousse à projets platform's export of the projects paid back to coops: one
row per project, recognised by the platform's reference (a file imported twice changes
nothing). Columns of the platform's export are matched without regard to case or accents."""

from dataclasses import dataclass
from decimal import Decimal

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cooperatives.models import Cooperative
from occe.core.imports import (
    CREATE,
    Column,
    DateColumn,
    DecimalColumn,
    Importer,
    Row,
    register_importer,
)

from .models import TroussePayback
from .models.grants import MAX_GRANT_AMOUNT

FIELDS = ["title", "collected", "fees", "paid_back", "date"]


@dataclass
class Known:
    paybacks: dict  # reference -> TroussePayback
    coops: dict  # number or UAI -> Cooperative


@register_importer
class TroussePaybackImporter(Importer):
    kind = "finances.trousse_reversements"
    label = "Reversements Trousse à projets"
    key = "reference"
    preview_url_name = "finances:payback_import_preview"
    accepts_csv = True  # the platform exports CSV
    change_reason = "Import de l'export Trousse à projets"
    duplicate_message = (
        "La référence {value} apparaît plusieurs fois dans le fichier (aussi ligne {lines})."
    )
    columns = [
        Column("reference", "Référence", required=True, max_length=100, aliases=["Id projet"]),
        Column(
            "coop",
            "Coopérative",
            required=True,
            max_length=20,
            aliases=["Numéro de coopérative", "UAI", "Établissement"],
        ),
        Column("title", "Projet", required=True, max_length=200, aliases=["Titre du projet"]),
        DecimalColumn(
            "collected",
            "Montant collecté",
            required=True,
            max_value=MAX_GRANT_AMOUNT,
            aliases=["Collecté", "Montant collecte"],
        ),
        DecimalColumn("fees", "Frais", max_value=MAX_GRANT_AMOUNT, aliases=["Frais de plateforme"]),
        DecimalColumn(
            "paid_back",
            "Montant reversé",
            required=True,
            max_value=MAX_GRANT_AMOUNT,
            aliases=["Reversé", "Montant reverse"],
        ),
        DateColumn("date", "Date du reversement", required=True, aliases=["Date"]),
    ]

    def clean_row(self, row: Row, record: dict) -> None:
        values = row.values
        collected, paid_back = values.get("collected"), values.get("paid_back")
        if collected is not None and paid_back is not None and paid_back > collected:
            row.error("paid_back", "Le montant reversé dépasse le montant collecté.")

    def load(self, rows: list[Row], lock: bool = False) -> Known:
        references = sorted({row.key for row in rows if row.key})
        paybacks = TroussePayback.objects.filter(reference__in=references)
        if lock:
            paybacks = paybacks.select_for_update()
        names = {str(row.values.get("coop") or "").upper() for row in rows}
        coops = {}
        for coop in Cooperative.objects.filter(number__in=names) | Cooperative.objects.filter(
            uai__in=names
        ):
            coops[coop.number.upper()] = coop
            coops[coop.uai.upper()] = coop
        return Known(paybacks={p.reference: p for p in paybacks}, coops=coops)

    def compare(self, row: Row, known: Known) -> bool:
        values = row.values
        coop = known.coops.get(str(values["coop"]).upper())
        if coop is None:
            row.error("coop", f"Aucune coopérative n'a le numéro ou l'UAI « {values['coop']} ».")
            return False
        values["fees"] = values.get("fees") or Decimal("0")
        existing = known.paybacks.get(row.key)
        if existing is None:
            row.changed = ["coop", *FIELDS]
            return False
        row.changed = [f for f in FIELDS if getattr(existing, f) != values[f]]
        if existing.cooperative_id != coop.pk:
            row.changed.append("coop")
        return True

    def write(self, rows: list[Row], known: Known, user) -> dict:
        created, updated = [], []
        for row in rows:
            values = row.values
            coop = known.coops[str(values["coop"]).upper()]
            payback = known.paybacks.get(row.key) or TroussePayback(reference=row.key)
            payback.cooperative = coop
            for name in FIELDS:
                setattr(payback, name, values[name])
            (created if row.action == CREATE else updated).append(payback)
        if created:
            bulk_create_with_history(created, TroussePayback, default_user=user)
        if updated:
            bulk_update_with_history(
                updated, TroussePayback, ["cooperative", *FIELDS], default_user=user
            )
        return {}
