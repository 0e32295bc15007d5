"""Spreadsheet imports: columns that know their headers and clean their cells, a plan (the
preview: what would be created, updated, left unchanged, and every error) and an apply step
that writes the plan in one transaction.

After pretix's `modelimport.py`: an import is a list of columns. An app declares::

    @register_importer
    class TrainingImporter(Importer):
        kind = "formations"              # names the uploads and the job
        label = "Import d'inscriptions"
        key = "email"                    # the column that identifies an object
        columns = [
            EmailColumn("email", "Courriel", required=True, aliases=["Adresse électronique"]),
            TextColumn("last_name", "Nom", required=True, max_length=150, field="last_name"),
            IntegerColumn("pupils", "Élèves", max_value=40),
        ]

        def load(self, rows, lock=False): ...      # fetch what the rows name, in a few queries
        def compare(self, row, state): ...         # fill row.changed / row.error(); True if it exists
        def write(self, rows, state, user): ...    # bulk writes (history through simple_history)

Each cell is cleaned by its column (a French message per faulty cell: "Ligne 3, colonne UAI :
…"); the file itself goes through occe.core.spreadsheets (size, zip bomb, dimension, row limit,
headers matched without regard to case or accents; columns nobody expects are ignored). The
number of queries of `plan` and `apply` does not depend on the number of rows: `load` fetches
everything at once, `write` writes in bulk.

Uploaded files are kept as ImportBatch rows (`receive_upload`), previewed (`plan_batch`), and
applied once by a Job (`apply_batch`); a management command is a few lines (`ImportCommand`).
"""

import datetime
import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from .jobs import JobFailed, JobKind, launch, register
from .models import ImportBatch, Job
from .spreadsheets import (
    MAX_ROWS,
    SpreadsheetError,
    check_size,
    normalize_header,
    read_table,
    write_xlsx,
)
from .validators import clean_siren

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
ACTIONS = [CREATE, UPDATE, UNCHANGED, ERROR]
CHANGED_SINCE = (
    "Les données ont changé depuis l'aperçu et le fichier contient maintenant des erreurs : "
    "rien n'a été importé. "
)


class ImportRefused(Exception):
    """A plan with errors cannot be applied; the message is shown to the user as is."""


class CellInvalid(Exception):
    """Raised by Column.clean: the message (French) goes after "Ligne n, colonne X : "."""


def cell_text(value) -> str:
    """A cell as text: 920001.0 typed as a number is "920001", a date-time its date."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime.datetime):
        value = value.date()
    return str(value).strip()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector while an import holds tens of thousands of
    cells and model instances: it would otherwise scan them all again every few thousand
    allocations (measured: a third of the time of a 6 250-row import). Nothing of an import
    needs collecting before its end; the collector runs again afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# Columns ----------------------------------------------------------------------------------------


class Column:
    """One column of an import: its header (and other accepted headers), how a cell is cleaned,
    and which model field it is compared with and assigned to."""

    empty_value: Any = ""

    def __init__(
        self,
        key: str,
        header: str,
        *,
        aliases: Iterable[str] = (),
        required: bool = False,
        max_length: int | None = None,
        field: str | None = None,
        validators: Sequence[Callable] = (),
        transform: Callable[[str], str] | None = None,
        optional_header: bool = False,
        required_message: str = "La valeur est obligatoire.",
        invalid_message: str | None = None,
    ):
        self.key = key
        self.header = header
        self.aliases = tuple(aliases)
        self.required = required
        self.max_length = max_length
        self.field = field
        self.validators = validators
        self.transform = transform
        # A column the file may leave out altogether (its cells then read as empty).
        self.optional_header = optional_header
        self.required_message = required_message
        # The message of an unreadable cell, with {value}; None: the column's own.
        if invalid_message is not None:
            self.invalid_message = invalid_message

    def __repr__(self):
        return f"<{type(self).__name__} {self.header}>"

    def clean(self, value):
        """The cell's value for the model, or CellInvalid with a French message."""
        if is_blank(value):
            if self.required:
                raise CellInvalid(self.required_message)
            return self.empty_value
        return self.parse(value)

    def parse(self, value):
        text = cell_text(value)
        if self.transform:
            text = self.transform(text)
        if self.max_length and len(text) > self.max_length:
            raise CellInvalid(f"Le texte dépasse {self.max_length} caractères.")
        for validator in self.validators:
            try:
                validator(text)
            except ValidationError as exc:
                raise CellInvalid(exc.messages[0]) from None
        return text

    def current(self, obj):
        return getattr(obj, self.field)

    def differs(self, value, obj) -> bool:
        return self.current(obj) != value

    def assign(self, value, obj) -> None:
        setattr(obj, self.field, value)


TextColumn = Column


class IntegerColumn(Column):
    """A whole number between bounds; an empty cell is None."""

    empty_value = None

    def __init__(self, key, header, *, min_value: int = 0, max_value: int = 100_000, **kwargs):
        super().__init__(key, header, **kwargs)
        self.min_value, self.max_value = min_value, max_value

    def parse(self, value):
        shown = cell_text(value)
        number = None
        if isinstance(value, int | float | Decimal | str) and not isinstance(value, bool):
            spaced = str(value).strip()
            for space in ("\u00a0", "\u202f", " "):
                spaced = spaced.replace(space, "")
            try:
                number = Decimal(spaced)
            except InvalidOperation:
                number = None
        if number is None or not number.is_finite() or number != number.to_integral_value():
            raise CellInvalid(f"« {shown} » n'est pas un nombre entier.")
        if number < self.min_value:
            if self.min_value == 0:
                raise CellInvalid(f"« {shown} » est négatif : indiquez un nombre positif ou nul.")
            raise CellInvalid(f"« {shown} » est trop petit (au moins {self.min_value}).")
        if number > self.max_value:
            raise CellInvalid(f"« {shown} » est trop grand (au plus {self.max_value}).")
        return int(number)


class DecimalColumn(Column):
    """An amount written the French way ("1 234,56", "120.50", "120,50 €"), between bounds."""

    empty_value = None

    def __init__(
        self,
        key,
        header,
        *,
        min_value: Decimal = Decimal("0"),
        max_value: Decimal = Decimal("1000000"),
        places: int = 2,
        **kwargs,
    ):
        super().__init__(key, header, **kwargs)
        self.min_value, self.max_value, self.places = min_value, max_value, places

    def parse(self, value):
        shown = cell_text(value)
        if isinstance(value, float) and abs(value - round(value, self.places)) < 1e-9:
            value = round(value, self.places)  # a sheet's binary arithmetic: 0.1 + 0.2
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            text = str(value)
        else:
            # The true minus sign (U+2212) of a word processor or a web page, as a hyphen.
            text = shown.replace("€", "").replace("\u2212", "-")
            for space in ("\u00a0", "\u202f", " "):
                text = text.replace(space, "")
            if text.count(",") == 1 and "." not in text:
                text = text.replace(",", ".")
            elif "," in text:
                raise CellInvalid(f"« {shown} » n'est pas un montant lisible (ex. 120,50).")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise CellInvalid(f"« {shown} » n'est pas un montant lisible (ex. 120,50).") from None
        if not amount.is_finite():
            raise CellInvalid(f"« {shown} » n'est pas un montant lisible (ex. 120,50).")
        if amount < self.min_value or amount > self.max_value:
            raise CellInvalid(
                f"« {shown} » est hors des bornes ({self.min_value} à {self.max_value})."
            )
        unit = Decimal(1).scaleb(-self.places)
        if amount != amount.quantize(unit):
            # "1,234" is 1 234 in one country and 1,234 in another: refused, never rounded.
            raise CellInvalid(
                f"« {shown} » a plus de {self.places} décimales : écrivez les centimes après "
                "une seule virgule (120,50), les milliers séparés par des espaces (1 234,56)."
            )
        return amount.quantize(unit)


class DateColumn(Column):
    """A date cell, or text as 31/12/2024, 2024-12-31, 31/12/24, 31-12-2024 or 31.12.2024."""

    empty_value = None
    FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y")
    invalid_message = "« {value} » n'est pas une date lisible (attendu JJ/MM/AAAA)."

    def parse(self, value):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = cell_text(value)
        for pattern in self.FORMATS:
            try:
                return datetime.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise CellInvalid(self.invalid_message.format(value=text))


class ChoiceColumn(Column):
    """One of `choices` ((value, label) pairs), matched on the value or the label, without
    regard to case or accents."""

    def __init__(self, key, header, *, choices, unknown_message: str | None = None, **kwargs):
        super().__init__(key, header, **kwargs)
        self.choices = {normalize_header(value): value for value, _ in choices} | {
            normalize_header(label): value for value, label in choices
        }
        labels = ", ".join(str(label) for _, label in choices if str(label))
        self.unknown_message = unknown_message or (
            "« {value} » inconnu : valeurs possibles " + labels + "."
        )

    def clean(self, value):
        if is_blank(value) and "" in self.choices:
            return self.choices[""]
        return super().clean(value)

    def parse(self, value):
        text = cell_text(value)
        choice = self.choices.get(normalize_header(text))
        if choice is None:
            raise CellInvalid(self.unknown_message.format(value=text))
        return choice


class EmailColumn(Column):
    """An e-mail address, lower-cased."""

    invalid_message = "« {value} » n'est pas une adresse électronique valide."

    def parse(self, value):
        text = super().parse(value).lower()
        try:
            validate_email(text)
        except ValidationError:
            raise CellInvalid(self.invalid_message.format(value=text)) from None
        return text


class SirenColumn(Column):
    """A company's SIREN: nine digits (spaces allowed) whose check key is right."""

    def parse(self, value):
        text = "".join(cell_text(value).split())
        try:
            return clean_siren(text)
        except ValidationError as exc:
            raise CellInvalid(exc.messages[0]) from None


# Rows and plans ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellError:
    column: str  # the column's header
    message: str

    def __str__(self) -> str:
        return f"{self.column} : {self.message}"


@dataclass
class Row:
    line: int  # the line number in the spreadsheet (the headers are line 1)
    values: dict  # column key -> cleaned value
    importer: "Importer" = field(repr=False)
    action: str = UNCHANGED
    changed: list[str] = field(default_factory=list)  # column keys
    errors: list[CellError] = field(default_factory=list)

    @property
    def key(self):
        return self.values.get(self.importer.key) or ""

    @property
    def changed_fields(self) -> list[str]:
        """The headers of the changed columns, in the order found."""
        return [self.importer.column(key).header for key in self.changed]

    @property
    def action_label(self) -> str:
        return self.importer.action_labels[self.action]

    def error(self, key: str, message: str) -> None:
        self.errors.append(CellError(self.importer.column(key).header, message))

    def messages(self) -> list[str]:
        return [f"Ligne {self.line}, colonne {error}" for error in self.errors]


@dataclass
class Plan:
    importer: "Importer"
    rows: list[Row] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)  # the file could not be read at all

    @property
    def counts(self) -> dict:
        counts = dict.fromkeys(ACTIONS, 0)
        for row in self.rows:
            counts[row.action] += 1
        return counts

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(row.action == ERROR for row in self.rows)

    def messages(self) -> list[str]:
        """Every error in French: the file's, then each faulty cell, line by line."""
        return self.file_errors + [m for row in self.rows for m in row.messages()]

    def summary(self) -> dict:
        """What an ImportBatch keeps of the plan (JSON)."""
        return {"counts": self.counts, "errors": self.messages()[:500]}

    def report_lines(self) -> list[str]:
        """The plan in French, as a command prints it: counts, then each error."""
        counts = self.counts
        labels = self.importer.count_labels
        return [
            *self.importer.report_heading(),
            *(f"{labels[action]} : {counts[action]}" for action in ACTIONS),
            *self.messages(),
        ]


# Importers --------------------------------------------------------------------------------------


class Importer:
    """An import: its columns, the key column, and three steps an app fills in (load, compare,
    write). Context (e.g. the school year) is given as keyword arguments."""

    kind = ""
    label = "Import"
    columns: Sequence[Column] = ()
    key = ""
    max_rows = MAX_ROWS
    accepts_csv = False  # .xlsx only, unless the source system exports CSV
    change_reason = "Import Excel"
    # The page where an uploaded file of this import is previewed (takes `batch_pk`).
    preview_url_name = ""
    action_labels = {
        CREATE: "à créer",
        UPDATE: "à mettre à jour",
        UNCHANGED: "inchangée",
        ERROR: "en erreur",
    }
    count_labels = {
        CREATE: "À créer",
        UPDATE: "À mettre à jour",
        UNCHANGED: "Inchangées",
        ERROR: "En erreur",
    }
    duplicate_message = (
        "La valeur {value} apparaît plusieurs fois dans le fichier (aussi ligne {lines})."
    )

    def __init__(self, **context):
        self.context = context
        for name, value in context.items():
            setattr(self, name, value)
        self._columns = {column.key: column for column in self.columns}

    # Declaration helpers

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def column(self, key: str) -> Column:
        return self._columns[key]

    def parameters(self) -> dict:
        """The context as JSON, to run this import again later (ImportBatch, Job)."""
        return {}

    @classmethod
    def from_batch(cls, batch: ImportBatch) -> "Importer":
        return cls(**batch.parameters)

    def report_heading(self) -> list[str]:
        return []

    def template(self) -> bytes:
        """The empty file to fill in: the headers only."""
        return write_xlsx(self.headers, [], title=self.label)

    # Steps an app fills in

    def clean_row(self, row: Row, record: dict) -> None:
        """Checks across columns, after each cell is cleaned (`record`: the raw cells)."""

    def load(self, rows: list[Row], lock: bool = False) -> Any:
        """What the database holds for these rows, in a number of queries that does not depend
        on the number of rows. With `lock`, rows to be changed are locked (select_for_update)."""
        return None

    def compare(self, row: Row, state) -> bool:
        """Fill `row.changed` (column keys) and errors; return whether the object exists."""
        return False

    def write(self, rows: list[Row], state, user) -> dict:
        """Create and update (rows to create or update only), in bulk; return counts to show."""
        raise NotImplementedError

    # The machinery

    def read(self, data: bytes, filename: str = "fichier.xlsx") -> Plan:
        """Read and clean the file's cells; no query."""
        plan = Plan(importer=self)
        try:
            sheet = read_table(
                data,
                filename if self.accepts_csv else "fichier.xlsx",
                self.headers,
                # Every header must be there (a missing column would read as empty cells),
                # but those of the columns a file may leave out.
                required=[c.header for c in self.columns if not c.optional_header],
                max_rows=self.max_rows,
                aliases={c.header: c.aliases for c in self.columns if c.aliases},
            )
        except SpreadsheetError as exc:
            plan.file_errors.append(str(exc))
            return plan
        plan.rows = [self.clean_record(line, record) for line, record in sheet.rows]
        self._check_duplicates(plan.rows)
        return plan

    def clean_record(self, line: int, record: dict) -> Row:
        """One line's cells ({header: raw value}) cleaned by their columns, then `clean_row`."""
        row = Row(line=line, values={}, importer=self)
        values = row.values
        for column in self.columns:
            try:
                values[column.key] = column.clean(record.get(column.header))
            except CellInvalid as exc:
                values[column.key] = column.empty_value
                row.errors.append(CellError(column.header, str(exc)))
        self.clean_row(row, record)
        return row

    def _check_duplicates(self, rows: list[Row]) -> None:
        lines = defaultdict(list)
        for row in rows:
            if row.key:
                lines[row.key].append(row.line)
        for row in rows:
            others = [line for line in lines.get(row.key, ()) if line != row.line]
            if others:
                row.error(
                    self.key,
                    self.duplicate_message.format(value=row.key, lines=", ".join(map(str, others))),
                )

    def _compare_all(self, rows: list[Row], state) -> None:
        for row in rows:
            row.changed = []
            exists = self.compare(row, state)
            if row.errors:
                row.action = ERROR
            elif not exists:
                row.action = CREATE
            elif row.changed:
                row.action = UPDATE
            else:
                row.action = UNCHANGED

    def plan(self, data: bytes, filename: str = "fichier.xlsx") -> Plan:
        """Read, check and compare a file with the database. Writes nothing."""
        with collector_paused():
            plan = self.read(data, filename)
            if plan.rows:
                self._compare_all(plan.rows, self.load(plan.rows))
        return plan

    def apply(self, plan: Plan, user=None) -> dict:
        """Write a plan without errors, all or nothing. Returns the counts of what was done.

        The comparison is made again inside the transaction, on locked rows, so that a plan
        shown some time ago never overwrites what changed since.
        """
        if plan.has_errors:
            raise ImportRefused("Le fichier contient des erreurs : rien n'a été importé.")
        with collector_paused(), transaction.atomic():
            fresh = Plan(
                importer=self,
                rows=[
                    Row(line=row.line, values=dict(row.values), importer=self) for row in plan.rows
                ],
            )
            state = self.load(fresh.rows, lock=True)
            self._compare_all(fresh.rows, state)
            if fresh.has_errors:
                raise ImportRefused(CHANGED_SINCE + " ".join(fresh.messages()[:5]))
            counts = fresh.counts
            written = self.write(
                [row for row in fresh.rows if row.action in (CREATE, UPDATE)], state, user
            )
        return {
            "created": counts[CREATE],
            "updated": counts[UPDATE],
            "unchanged": counts[UNCHANGED],
            **(written or {}),
        }


_importers: dict[str, type[Importer]] = {}


def register_importer(cls: type[Importer]) -> type[Importer]:
    """Class decorator: uploads and jobs find the importer by its `kind`."""
    _importers[cls.kind] = cls
    return cls


def get_importer(kind: str) -> type[Importer]:
    return _importers[kind]


# Uploaded files ----------------------------------------------------------------------------------


def receive_upload(importer: Importer, uploaded, user, **fields) -> tuple[ImportBatch, Plan]:
    """Keep an uploaded file (whatever its content, so a refused file can be looked at) and
    plan it. `fields`: other ImportBatch fields (e.g. school_year)."""
    data = uploaded.read()
    plan = importer.plan(data, uploaded.name)
    batch = ImportBatch(
        kind=importer.kind,
        created_by=user,
        original_name=uploaded.name[:255],
        parameters=importer.parameters(),
        status=ImportBatch.Status.REFUSED if plan.has_errors else ImportBatch.Status.PREVIEW,
        summary=plan.summary(),
        **fields,
    )
    suffix = Path(uploaded.name).suffix.lower() if uploaded.name else ""
    name = f"import-{importer.kind}{suffix if suffix in ('.xlsx', '.csv') else '.xlsx'}"
    batch.file.save(name, ContentFile(data), save=False)
    batch.save()
    return batch, plan


def plan_batch(batch: ImportBatch) -> Plan:
    """The batch's stored file compared with the database as it is now."""
    importer = get_importer(batch.kind).from_batch(batch)
    plan = Plan(importer=importer)
    try:
        check_size(batch.file.size)
        with batch.file.open("rb") as stored:
            data = stored.read()
    except SpreadsheetError as error:
        plan.file_errors.append(str(error))
        return plan
    except OSError:
        plan.file_errors.append("Le fichier déposé est introuvable : déposez-le à nouveau.")
        return plan
    return importer.plan(data, batch.file.name)


def confirm_batch(batch: ImportBatch, user) -> Job:
    """Queue the apply of a previewed batch (call inside a transaction holding the batch's
    lock). Raises ImportRefused when it was applied, refused, or is being applied."""
    if batch.status != ImportBatch.Status.PREVIEW:
        raise ImportRefused(
            f"Cet import est déjà {batch.get_status_display().lower()} : "
            "il n'a pas été appliqué une seconde fois."
        )
    if batch.job_id and not batch.job.is_finished:
        raise ImportRefused("Cet import est déjà en cours d'application.")
    job = launch(ApplyImport.name, user=user, obj=batch, parameters={"batch": batch.pk})
    batch.job = job
    batch.save(update_fields=["job"])
    return job


@register
class ApplyImport(JobKind):
    """Apply an uploaded file, once: the batch is locked and its status checked in the same
    transaction as the writes, so a second delivery (or click) finds it applied."""

    name = "imports.apply"
    label = "Application d'un import"
    stale_after = datetime.timedelta(minutes=10)

    def run(self, job: Job) -> dict:
        refused = None
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().get(pk=job.parameters["batch"])
            if batch.status == ImportBatch.Status.APPLIED:
                return batch.summary.get("result", {})
            if batch.status != ImportBatch.Status.PREVIEW:
                raise JobFailed("Ce fichier a été refusé : il n'a pas été importé.")
            plan = plan_batch(batch)
            job.set_total(len(plan.rows))
            try:
                if plan.has_errors:  # the file was fine at the preview: the data changed since
                    raise ImportRefused(CHANGED_SINCE + " ".join(plan.messages()[:5]))
                result = plan.importer.apply(plan, user=job.user)
            except ImportRefused as exc:
                refused = str(exc)
                batch.status = ImportBatch.Status.REFUSED
                batch.summary = plan.summary()
                batch.save(update_fields=["status", "summary"])
            else:
                batch.status = ImportBatch.Status.APPLIED
                batch.summary = {**plan.summary(), "result": result}
                batch.save(update_fields=["status", "summary"])
        if refused:
            raise JobFailed(refused)
        return result

    def url(self, job: Job) -> str | None:
        batch = ImportBatch.objects.filter(pk=job.parameters.get("batch")).first()
        if batch is None:
            return None
        name = get_importer(batch.kind).preview_url_name
        return reverse(name, kwargs={"batch_pk": batch.pk}) if name else None


# Command line ------------------------------------------------------------------------------------


class ImportCommand(BaseCommand):
    """`manage.py import_<app> FILE [--dry-run]`: the same checks, report and apply as the
    upload page. A subclass names its importer and adds its own arguments::

        class Command(ImportCommand):
            importer_class = CooperativeImporter

            def add_importer_arguments(self, parser):
                parser.add_argument("--year", required=True)

            def get_importer(self, year, **options):
                return CooperativeImporter(school_year=...)
    """

    importer_class: type[Importer] = Importer

    def add_arguments(self, parser):
        parser.add_argument("file", help="Chemin du fichier .xlsx")
        parser.add_argument(
            "--dry-run", action="store_true", help="Affiche le bilan sans rien enregistrer."
        )
        self.add_importer_arguments(parser)

    def add_importer_arguments(self, parser) -> None:
        pass

    def get_importer(self, **options) -> Importer:
        return self.importer_class()

    def handle(self, *args, file, dry_run, **options):
        importer = self.get_importer(**options)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        # The same limit as the upload form, checked before reading the file.
        if path.stat().st_size > settings.MAX_UPLOAD_SIZE:
            limit = settings.MAX_UPLOAD_SIZE // (1024 * 1024)
            raise CommandError(f"Le fichier dépasse la taille maximale de {limit} Mo.")
        plan = importer.plan(path.read_bytes(), path.name)
        for line in plan.report_lines():
            self.stdout.write(line)
        if plan.has_errors:
            raise CommandError("Le fichier contient des erreurs : rien n'a été importé.")
        if dry_run:
            self.stdout.write("Simulation (--dry-run) : rien n'a été enregistré.")
            return
        try:
            result = importer.apply(plan)
        except ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(self.success_message(result)))

    def success_message(self, result: dict) -> str:
        return (
            f"Import appliqué : {result['created']} créée(s), {result['updated']} mise(s) à "
            f"jour, {result['unchanged']} inchangée(s)."
        )
