"""Excel import and export of cooperatives with their affiliation for one school year.

The import is a list of columns on occe.core.imports: `CooperativeImporter.plan()` reads and
checks a file and compares it with the database without writing anything; `.apply()` writes a
plan without errors in one transaction. The export (`CooperativeExporter`) starts with the same
columns, so an exported file re-imports as "unchanged"; the columns after them (affiliation
status, fee, co-mandataire…) are for reading and ignored by the import.

The number of queries does not grow with the number of rows, apart from the database's own
batching of bulk inserts (history included, through simple_history's bulk helpers).
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from occe.core.exports import DATE, INTEGER, MONEY, Column, ListExporter
from occe.core.history import bulk_create_recorded
from occe.core.imports import (
    CellInvalid,
    ChoiceColumn,
    EmailColumn,
    Importer,
    IntegerColumn,
    Plan,
    Row,
    TextColumn,
    cell_text,
    register_importer,
)
from occe.core.models import Association, SchoolYear
from occe.core.spreadsheets import normalize_header

from .models import (
    MAX_ADULTS,
    MAX_CLASSES,
    MAX_PUPILS,
    Affiliation,
    Circonscription,
    Cooperative,
    Mandate,
    validate_uai,
)
from .services import Accounts, Appointment, appoint_mandataires

# Realistic bounds of a school's headcounts (a large collège: about 60 classes, 1 500 pupils).

TYPE_LABELS = ", ".join(str(label).lower() for _, label in Cooperative.Type.choices).replace(
    "segpa", "SEGPA"
)


class PostalCodeColumn(TextColumn):
    def parse(self, value):
        if isinstance(value, int | float) and 0 <= value < 100_000 and float(value).is_integer():
            # Typed as a number, 02000 lost its leading zero.
            value = f"{int(value):05d}"
        return super().parse(value)


class CirconscriptionColumn(TextColumn):
    """Compared by name, without regard to case or accents; created when unknown."""

    def differs(self, value, obj) -> bool:
        current = obj.circonscription.name if obj.circonscription else ""
        return normalize_header(current) != normalize_header(value)


class UAIColumn(TextColumn):
    def parse(self, value):
        text = super().parse(value)
        try:
            validate_uai(text)
        except ValidationError as exc:
            raise CellInvalid(exc.messages[0]) from None
        return text


COOPERATIVE_COLUMNS = [
    TextColumn("number", "Numéro", required=True, max_length=20, field="number"),
    UAIColumn("uai", "UAI", required=True, transform=str.upper, field="uai"),
    TextColumn("name", "Nom", required=True, max_length=200, field="name"),
    ChoiceColumn(
        "type",
        "Type",
        required=True,
        choices=Cooperative.Type.choices,
        unknown_message="Type « {value} » inconnu : valeurs possibles " + TYPE_LABELS + ".",
        field="type",
    ),
    TextColumn("address", "Adresse", max_length=250, field="address"),
    PostalCodeColumn("postal_code", "Code postal", max_length=10, field="postal_code"),
    TextColumn("commune", "Commune", required=True, max_length=100, field="commune"),
    CirconscriptionColumn("circonscription", "Circonscription", max_length=150),
    ChoiceColumn(
        "priority",
        "Éducation prioritaire",
        choices=Cooperative.Priority.choices,
        unknown_message="« {value} » inconnu : laissez vide ou indiquez REP ou REP+.",
        field="priority_education",
    ),
]
MANDATAIRE_COLUMNS = [
    TextColumn("last_name", "Nom du mandataire", max_length=150),
    TextColumn("first_name", "Prénom du mandataire", max_length=150),
    EmailColumn("email", "Courriel du mandataire", max_length=254),
]
COUNT_COLUMNS = [
    IntegerColumn("classes", "Classes", max_value=MAX_CLASSES, field="classes"),
    IntegerColumn("pupils", "Élèves", max_value=MAX_PUPILS, field="pupils"),
    IntegerColumn("adults", "Adultes", max_value=MAX_ADULTS, field="adults"),
]
COOPERATIVE_FIELDS = [column for column in COOPERATIVE_COLUMNS if column.field]
COUNTS = [column.key for column in COUNT_COLUMNS]
COLUMNS = [column.header for column in COOPERATIVE_COLUMNS + MANDATAIRE_COLUMNS + COUNT_COLUMNS]


@dataclass
class Database:
    """What the database holds for the file's rows, each fetched in one query."""

    cooperatives: dict  # number -> Cooperative
    affiliations: dict  # cooperative pk -> Affiliation of the year
    principals: dict  # cooperative pk -> current principal Mandate
    accounts: Accounts  # who the mandataires' addresses are
    circonscriptions: dict  # normalized name -> Circonscription


@register_importer
class CooperativeImporter(Importer):
    """Cooperatives recognised by their number, their affiliation of `school_year`, and the
    principal mandataire (replaced when the e-mail differs)."""

    kind = "cooperatives"
    label = "Coopératives"
    key = "number"
    columns = COOPERATIVE_COLUMNS + MANDATAIRE_COLUMNS + COUNT_COLUMNS
    preview_url_name = "cooperatives:import_preview"
    duplicate_message = (
        "Le numéro {value} apparaît plusieurs fois dans le fichier (aussi ligne {lines})."
    )

    school_year: SchoolYear
    # A past year loaded for the report's comparisons: its affiliations are recorded as
    # validated (`--validees`, the web import's checkbox), the history saying so.
    validated: bool = False

    def parameters(self) -> dict:
        return {"school_year": self.school_year.pk, "validated": self.validated}

    @classmethod
    def from_batch(cls, batch) -> "CooperativeImporter":
        return cls(
            school_year=batch.school_year,
            validated=bool((batch.parameters or {}).get("validated")),
        )

    def report_heading(self) -> list[str]:
        heading = [f"Année scolaire : {self.school_year}"]
        if self.validated:
            heading.append("Affiliations d'une année passée, enregistrées comme validées.")
        return heading

    @property
    def change_reason(self) -> str:
        if self.validated:
            return f"Import Excel d'une année passée : affiliations {self.school_year} validées"
        return "Import Excel"

    @staticmethod
    def past_year_refusal(school_year: SchoolYear) -> str:
        """Why affiliations of `school_year` may not be imported as validated ("" if they may):
        only a past school year, never the current one (its campaign validates them)."""
        if school_year.start_year >= SchoolYear.objects.current().start_year:
            return (
                f"Seules les affiliations d'une année passée peuvent être importées comme "
                f"validées ; {school_year} est l'année en cours ou à venir."
            )
        return ""

    # Checks across columns

    def clean_row(self, row: Row, record: dict) -> None:
        if not self._blank(record, "email"):
            for key in ("last_name", "first_name"):
                if self._blank(record, key):
                    row.error(key, "La valeur est obligatoire quand le courriel est indiqué.")
        elif not (self._blank(record, "last_name") and self._blank(record, "first_name")):
            row.error(
                "email",
                "Indiquez le courriel du mandataire, ou laissez son nom et son prénom vides.",
            )
        # Without counts the row leaves the affiliation alone; with some, all three are needed.
        empty = [key for key in COUNTS if self._blank(record, key)]
        if 0 < len(empty) < len(COUNTS):
            for key in empty:
                row.error(
                    key,
                    "Renseignez les classes, les élèves et les adultes, ou laissez les trois "
                    "colonnes vides.",
                )

    def _blank(self, record: dict, key: str) -> bool:
        return not cell_text(record[self.column(key).header])

    @staticmethod
    def has_counts(row: Row) -> bool:
        return all(row.values[key] is not None for key in COUNTS)

    # Comparing with the database

    def load(self, rows: list[Row], lock: bool = False) -> Database:
        numbers = sorted({row.key for row in rows if row.key})
        cooperatives = Cooperative.objects.select_related("circonscription").filter(
            number__in=numbers
        )
        affiliations = Affiliation.objects.filter(
            school_year=self.school_year, cooperative__number__in=numbers
        )
        if lock:
            # Whoever validates an affiliation meanwhile waits for the import, and the reverse.
            cooperatives = cooperatives.select_for_update(of=("self",))
            affiliations = affiliations.select_for_update(of=("self",))
        principals = (
            Mandate.objects.current()
            .filter(kind=Mandate.Kind.PRINCIPAL, cooperative__number__in=numbers)
            .select_related("user")
            .order_by("start_date", "pk")
        )
        return Database(
            cooperatives={coop.number: coop for coop in cooperatives},
            affiliations={a.cooperative_id: a for a in affiliations},
            # The latest current mandate wins when two overlap.
            principals={mandate.cooperative_id: mandate for mandate in principals},
            accounts=Accounts.matching(row.values["email"] for row in rows),
            circonscriptions={normalize_header(c.name): c for c in Circonscription.objects.all()},
        )

    def compare(self, row: Row, db: Database) -> bool:
        values = row.values
        email = values["email"]
        coop = db.cooperatives.get(row.key)
        if coop is None:
            row.changed = [key for key, value in values.items() if value not in ("", None)]
            self._check_appointment(row, db)
            return False
        row.changed = [c.key for c in COOPERATIVE_FIELDS if c.differs(values[c.key], coop)]
        if self.column("circonscription").differs(values["circonscription"], coop):
            row.changed.append("circonscription")
        if self.has_counts(row):
            self._compare_affiliation(row, db.affiliations.get(coop.pk))
        principal = db.principals.get(coop.pk)
        if email and (principal is None or principal.user.email.lower() != email):
            row.changed.extend(["last_name", "first_name", "email"])
            self._check_appointment(row, db)
        return True

    @staticmethod
    def _check_appointment(row: Row, db: Database) -> None:
        """A row that names a new mandataire: refused for a staff address, or for an address
        an account declared without verifying it."""
        refusal = db.accounts.refusals.get(row.values["email"])
        if refusal:
            row.error("email", refusal)

    def _compare_affiliation(self, row: Row, affiliation: Affiliation | None) -> None:
        if affiliation is None:
            row.changed.extend(COUNTS)
            return
        if self.validated and not affiliation.is_validated:
            row.changed.extend(COUNTS)  # recorded again, validated
            return
        for column in COUNT_COLUMNS:
            current = column.current(affiliation)
            if current == row.values[column.key]:
                continue
            if affiliation.is_validated:
                row.error(
                    column.key,
                    f"L'affiliation {self.school_year} est validée : l'effectif ({current}) ne "
                    "peut plus être modifié par un import. Rouvrez-la d'abord, ou gardez la "
                    "valeur actuelle.",
                )
            else:
                row.changed.append(column.key)

    # Writing

    def write(self, rows: list[Row], db: Database, user) -> dict:
        self._create_circonscriptions(rows, db)
        cooperatives = self._write_cooperatives(rows, db, user)
        self._write_affiliations(rows, db, cooperatives, user)
        appointments = [
            Appointment(
                cooperatives[row.key],
                row.values["email"],
                row.values["first_name"],
                row.values["last_name"],
            )
            for row in rows
            if "email" in row.changed
        ]
        appoint_mandataires(
            appointments,
            start_date=timezone.localdate(),
            invited_by=user,
            reason=self.change_reason,
            accounts=db.accounts,
        )
        return {"mandataires": len(appointments)}

    def _create_circonscriptions(self, rows: list[Row], db: Database) -> None:
        missing = {}
        for row in rows:
            name = row.values["circonscription"]
            key = normalize_header(name)
            if key and key not in db.circonscriptions:
                missing.setdefault(key, Circonscription(name=name))
        if missing:
            for circonscription in Circonscription.objects.bulk_create(missing.values()):
                db.circonscriptions[normalize_header(circonscription.name)] = circonscription

    def _assign(self, coop: Cooperative, row: Row, db: Database) -> None:
        for column in COOPERATIVE_FIELDS:
            column.assign(row.values[column.key], coop)
        coop.circonscription = db.circonscriptions.get(
            normalize_header(row.values["circonscription"])
        )

    def _write_cooperatives(self, rows: list[Row], db: Database, user) -> dict:
        """Create and update the cooperatives; returns every cooperative of `rows` by number."""
        stored = {c.key for c in COOPERATIVE_FIELDS} | {"circonscription"}
        new, changed = [], []
        for row in rows:
            coop = db.cooperatives.get(row.key)
            if coop is None:
                coop = Cooperative()
                self._assign(coop, row, db)
                new.append(coop)
            elif stored.intersection(row.changed):
                self._assign(coop, row, db)
                changed.append(coop)
        by_number = {row.key: db.cooperatives.get(row.key) for row in rows}
        history = {"default_user": user, "default_change_reason": self.change_reason}
        if new:
            created = bulk_create_recorded(new, Cooperative, user=user, reason=self.change_reason)
            by_number.update({coop.number: coop for coop in created})
        if changed:
            fields = [c.field for c in COOPERATIVE_FIELDS] + ["circonscription"]
            bulk_update_with_history(changed, Cooperative, fields, batch_size=500, **history)
        return by_number

    def _write_affiliations(self, rows: list[Row], db: Database, cooperatives, user) -> None:
        association = Association.get()
        new, changed = [], []
        for row in rows:
            if not self.has_counts(row):
                continue
            coop = cooperatives[row.key]
            affiliation = db.affiliations.get(coop.pk)
            if affiliation is None:
                affiliation = Affiliation(cooperative=coop, school_year=self.school_year)
                new.append(affiliation)
            elif set(row.changed) & set(COUNTS):
                changed.append(affiliation)
            else:
                continue
            for column in COUNT_COLUMNS:
                column.assign(row.values[column.key], affiliation)
            affiliation.compute_fee(association)
            if self.validated:
                now = timezone.now()
                affiliation.status = Affiliation.Status.VALIDATED
                affiliation.validated_at = now
                affiliation.validated_by = user
                affiliation.validation_notified_at = now  # a past year: nobody to notify
        history = {"default_user": user, "default_change_reason": self.change_reason}
        if new:
            bulk_create_recorded(new, Affiliation, user=user, reason=self.change_reason)
        if changed:
            fields = [*COUNTS, "fee_pupils", "fee_adults", "fee_insurance", "fee_federal"]
            if self.validated:
                fields += ["status", "validated_at", "validated_by", "validation_notified_at"]
            bulk_update_with_history(changed, Affiliation, fields, batch_size=500, **history)


def plan_import(data: bytes, school_year: SchoolYear, filename: str = "fichier.xlsx") -> Plan:
    """Read, check and compare a file with the database. Writes nothing."""
    return CooperativeImporter(school_year=school_year).plan(data, filename)


def apply_import(plan: Plan, user=None) -> dict:
    """Write a plan without errors, all or nothing (CooperativeImporter.apply)."""
    return plan.importer.apply(plan, user=user)


# Export -------------------------------------------------------------------------------------


class CooperativeExporter(ListExporter):
    """Every cooperative of `queryset` with its affiliation of `school_year` and its current
    mandataires. The first columns are the import's."""

    title = "Coopératives"
    columns = [
        Column("Numéro"),
        Column("UAI"),
        Column("Nom"),
        Column("Type"),
        Column("Adresse"),
        Column("Code postal"),
        Column("Commune"),
        Column("Circonscription"),
        Column("Éducation prioritaire"),
        Column("Nom du mandataire"),
        Column("Prénom du mandataire"),
        Column("Courriel du mandataire"),
        Column("Classes", INTEGER),
        Column("Élèves", INTEGER),
        Column("Adultes", INTEGER),
        Column("Statut de l'affiliation"),
        Column("Soumise le", DATE),
        Column("Cotisation", MONEY),
        Column("Nom du co-mandataire"),
        Column("Prénom du co-mandataire"),
        Column("Courriel du co-mandataire"),
    ]

    queryset: QuerySet
    school_year: SchoolYear

    def get_filename(self) -> str:
        return f"cooperatives-{self.school_year.label}.xlsx"

    def rows(self) -> Iterator[list]:
        queryset = self.queryset.select_related("circonscription").prefetch_related(
            Prefetch(
                "affiliations",
                queryset=Affiliation.objects.filter(school_year=self.school_year),
                to_attr="export_affiliations",
            ),
            Prefetch(
                "mandates",
                queryset=Mandate.objects.current()
                .select_related("user")
                .order_by("start_date", "pk"),
                to_attr="export_mandates",
            ),
        )
        for coop in queryset.iterator(chunk_size=2000):
            affiliation = coop.export_affiliations[0] if coop.export_affiliations else None
            # The latest current mandate of each kind wins when two overlap.
            holders = {mandate.kind: mandate.user for mandate in coop.export_mandates}
            principal = holders.get(Mandate.Kind.PRINCIPAL)
            co = holders.get(Mandate.Kind.CO)
            submitted = affiliation.submitted_at if affiliation else None
            yield [
                coop.number,
                coop.uai,
                coop.name,
                coop.get_type_display(),
                coop.address,
                coop.postal_code,
                coop.commune,
                coop.circonscription.name if coop.circonscription else "",
                coop.priority_education,
                principal.last_name if principal else "",
                principal.first_name if principal else "",
                principal.email if principal else "",
                affiliation.classes if affiliation else None,
                affiliation.pupils if affiliation else None,
                affiliation.adults if affiliation else None,
                affiliation.get_status_display() if affiliation else "non affiliée",
                timezone.localtime(submitted).date() if submitted else None,
                affiliation.fee_total if affiliation else None,
                co.last_name if co else "",
                co.first_name if co else "",
                co.email if co else "",
            ]


def export_rows(queryset: QuerySet, school_year: SchoolYear) -> Iterator[list]:
    return CooperativeExporter(queryset=queryset, school_year=school_year).rows()


def export_workbook(queryset: QuerySet, school_year: SchoolYear) -> bytes:
    return CooperativeExporter(queryset=queryset, school_year=school_year).render()


def template_workbook() -> bytes:
    """The empty file to fill in: the import's headers only."""
    return CooperativeImporter(school_year=None).template()


def report_lines(plan: Plan) -> list[str]:
    return plan.report_lines()
