"""Excel import and export of cooperatives with their affiliation for one school year.

`plan_import` reads and checks a file and compares it with the database without writing
anything; `apply_import` writes a plan without errors in one transaction. The export uses the
same columns, so an exported file re-imports as "unchanged".

The number of queries does not grow with the number of rows, apart from the database's own
batching of bulk inserts (history included, through simple_history's bulk helpers).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from occe.accounts.models import Role, User
from occe.accounts.tasks import invite_users
from occe.core.models import Association, SchoolYear
from occe.core.spreadsheets import SpreadsheetError, normalize_header, read_xlsx, write_xlsx

from .models import Affiliation, Circonscription, Cooperative, Mandate, validate_uai

COLUMNS = [
    "Numéro",
    "UAI",
    "Nom",
    "Type",
    "Adresse",
    "Code postal",
    "Commune",
    "Circonscription",
    "Éducation prioritaire",
    "Nom du mandataire",
    "Prénom du mandataire",
    "Courriel du mandataire",
    "Classes",
    "Élèves",
    "Adultes",
]
(
    NUMBER,
    UAI,
    NAME,
    TYPE,
    ADDRESS,
    POSTAL_CODE,
    COMMUNE,
    CIRCONSCRIPTION,
    PRIORITY,
    LAST_NAME,
    FIRST_NAME,
    EMAIL,
    CLASSES,
    PUPILS,
    ADULTS,
) = COLUMNS

# Columns stored on the cooperative itself (the circonscription is a foreign key, apart).
COOPERATIVE_FIELDS = {
    NUMBER: "number",
    UAI: "uai",
    NAME: "name",
    TYPE: "type",
    ADDRESS: "address",
    POSTAL_CODE: "postal_code",
    COMMUNE: "commune",
    PRIORITY: "priority_education",
}
COUNT_FIELDS = {CLASSES: "classes", PUPILS: "pupils", ADULTS: "adults"}
REQUIRED = [NUMBER, UAI, NAME, TYPE, COMMUNE]
MAX_LENGTHS = {
    NUMBER: 20,
    NAME: 200,
    ADDRESS: 250,
    POSTAL_CODE: 10,
    COMMUNE: 100,
    CIRCONSCRIPTION: 150,
    LAST_NAME: 150,
    FIRST_NAME: 150,
    EMAIL: 254,
}
MAX_COUNT = 100_000

TYPES = {normalize_header(value): value for value, _ in Cooperative.Type.choices} | {
    normalize_header(label): value for value, label in Cooperative.Type.choices
}
PRIORITIES = {normalize_header(value): value for value, _ in Cooperative.Priority.choices} | {
    normalize_header(label): value for value, label in Cooperative.Priority.choices
}
TYPE_LABELS = ", ".join(str(label).lower() for _, label in Cooperative.Type.choices).replace(
    "segpa", "SEGPA"
)

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
ACTIONS = [CREATE, UPDATE, UNCHANGED, ERROR]
ACTION_LABELS = {
    CREATE: "à créer",
    UPDATE: "à mettre à jour",
    UNCHANGED: "inchangée",
    ERROR: "en erreur",
}


class ImportRefused(Exception):
    """A plan with errors cannot be applied; the message is shown to the user as is."""


@dataclass(frozen=True)
class CellError:
    column: str  # one of COLUMNS
    message: str

    def __str__(self) -> str:
        return f"{self.column} : {self.message}"


@dataclass
class PlanRow:
    line: int  # the line number in the spreadsheet (the headers are line 1)
    values: dict  # column -> cleaned value; counts are None when the cell is empty
    action: str = UNCHANGED
    changed_fields: list[str] = field(default_factory=list)  # column names
    errors: list[CellError] = field(default_factory=list)

    @property
    def number(self) -> str:
        return self.values.get(NUMBER) or ""

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]

    def messages(self) -> list[str]:
        return [f"Ligne {self.line}, colonne {error}" for error in self.errors]

    def error(self, column: str, message: str) -> None:
        self.errors.append(CellError(column, message))

    def has_counts(self) -> bool:
        return all(self.values.get(column) is not None for column in COUNT_FIELDS)


@dataclass
class ImportPlan:
    school_year: SchoolYear
    rows: list[PlanRow] = field(default_factory=list)
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


# Reading and checking the file -------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed in a cell: 920001.0 is the code "920001"
    elif isinstance(value, datetime.datetime):
        value = value.date()
    return str(value).strip()


def _count(row: PlanRow, column: str, value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    shown = _text(value)
    number = None
    if isinstance(value, int | float | Decimal | str) and not isinstance(value, bool):
        try:
            number = Decimal(
                str(value).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
            )
        except InvalidOperation:
            number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        row.error(column, f"« {shown} » n'est pas un nombre entier.")
        return None
    if number < 0:
        row.error(column, f"« {shown} » est négatif : indiquez un nombre positif ou nul.")
        return None
    if number > MAX_COUNT:
        row.error(column, f"« {shown} » est trop grand (au plus {MAX_COUNT}).")
        return None
    return int(number)


def _clean_row(line: int, record: dict) -> PlanRow:
    row = PlanRow(line=line, values={})
    values = row.values
    for column in COLUMNS:
        if column in COUNT_FIELDS:
            values[column] = _count(row, column, record.get(column))
            continue
        raw = record.get(column)
        if column == POSTAL_CODE and isinstance(raw, int | float) and 0 <= raw < 100_000:
            # Typed as a number, 02000 lost its leading zero.
            raw = f"{int(raw):05d}" if float(raw).is_integer() else raw
        text = _text(raw)
        values[column] = text
        if not text:
            if column in REQUIRED:
                row.error(column, "La valeur est obligatoire.")
            continue
        if column in MAX_LENGTHS and len(text) > MAX_LENGTHS[column]:
            row.error(column, f"Le texte dépasse {MAX_LENGTHS[column]} caractères.")
    if values[UAI]:
        values[UAI] = values[UAI].upper()
        try:
            validate_uai(values[UAI])
        except ValidationError as exc:
            row.error(UAI, exc.messages[0])
    if values[TYPE]:
        kind = TYPES.get(normalize_header(values[TYPE]))
        if kind is None:
            row.error(TYPE, f"Type « {values[TYPE]} » inconnu : valeurs possibles {TYPE_LABELS}.")
        values[TYPE] = kind or values[TYPE]
    priority = PRIORITIES.get(normalize_header(values[PRIORITY]))
    if priority is None:
        row.error(
            PRIORITY,
            f"« {values[PRIORITY]} » inconnu : laissez vide ou indiquez REP ou REP+.",
        )
    else:
        values[PRIORITY] = priority
    _clean_mandataire(row)
    # Without counts the row leaves the affiliation alone; with some, all three are needed.
    empty = [column for column in COUNT_FIELDS if not _text(record.get(column))]
    if 0 < len(empty) < len(COUNT_FIELDS):
        for column in empty:
            row.error(
                column,
                "Renseignez les classes, les élèves et les adultes, ou laissez les trois "
                "colonnes vides.",
            )
    return row


def _clean_mandataire(row: PlanRow) -> None:
    values = row.values
    if values[EMAIL]:
        values[EMAIL] = values[EMAIL].lower()
        try:
            validate_email(values[EMAIL])
        except ValidationError:
            row.error(EMAIL, f"« {values[EMAIL]} » n'est pas une adresse électronique valide.")
        for column in (LAST_NAME, FIRST_NAME):
            if not values[column]:
                row.error(column, "La valeur est obligatoire quand le courriel est indiqué.")
    elif values[LAST_NAME] or values[FIRST_NAME]:
        row.error(
            EMAIL,
            "Indiquez le courriel du mandataire, ou laissez son nom et son prénom vides.",
        )


def _parse(data: bytes, school_year: SchoolYear) -> ImportPlan:
    plan = ImportPlan(school_year=school_year)
    try:
        sheet = read_xlsx(data, COLUMNS)
    except SpreadsheetError as exc:
        plan.file_errors.append(str(exc))
        return plan
    plan.rows = [_clean_row(line, record) for line, record in sheet.rows]
    lines_by_number = defaultdict(list)
    for row in plan.rows:
        if row.number:
            lines_by_number[row.number].append(row.line)
    for row in plan.rows:
        others = [line for line in lines_by_number.get(row.number, ()) if line != row.line]
        if others:
            row.error(
                NUMBER,
                f"Le numéro {row.number} apparaît plusieurs fois dans le fichier "
                f"(aussi ligne {', '.join(map(str, others))}).",
            )
    return plan


# Comparing with the database ---------------------------------------------------------------


@dataclass
class _Database:
    """What the database holds for the file's rows, each fetched in one query."""

    cooperatives: dict  # number -> Cooperative
    affiliations: dict  # cooperative pk -> Affiliation of the year
    principals: dict  # cooperative pk -> current principal Mandate
    users: dict  # lower-cased e-mail -> User
    circonscriptions: dict  # normalized name -> Circonscription


def _load(rows: list[PlanRow], school_year: SchoolYear, lock: bool = False) -> _Database:
    numbers = sorted({row.number for row in rows if row.number})
    emails = sorted({row.values[EMAIL] for row in rows if row.values.get(EMAIL)})
    cooperatives = Cooperative.objects.select_related("circonscription").filter(number__in=numbers)
    affiliations = Affiliation.objects.filter(
        school_year=school_year, cooperative__number__in=numbers
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
    users = User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
    return _Database(
        cooperatives={coop.number: coop for coop in cooperatives},
        affiliations={a.cooperative_id: a for a in affiliations},
        # The latest current mandate wins when two overlap.
        principals={mandate.cooperative_id: mandate for mandate in principals},
        users={user.email.lower(): user for user in users} if emails else {},
        circonscriptions={normalize_header(c.name): c for c in Circonscription.objects.all()},
    )


def _compare(plan: ImportPlan, db: _Database) -> None:
    year = plan.school_year
    for row in plan.rows:
        values = row.values
        coop = db.cooperatives.get(row.number)
        changed = row.changed_fields = []
        if values[EMAIL]:
            user = db.users.get(values[EMAIL])
            if user and not user.is_mandataire and user.role != Role.ENSEIGNANT:
                row.error(
                    EMAIL,
                    "Cette adresse appartient à un compte de l'équipe ou du conseil "
                    "d'administration.",
                )
        if coop is None:
            changed.extend(c for c in COLUMNS if values[c] not in ("", None))
        else:
            for column, name in COOPERATIVE_FIELDS.items():
                if getattr(coop, name) != values[column]:
                    changed.append(column)
            current = coop.circonscription.name if coop.circonscription else ""
            if normalize_header(current) != normalize_header(values[CIRCONSCRIPTION]):
                changed.append(CIRCONSCRIPTION)
            if row.has_counts():
                _compare_affiliation(row, db.affiliations.get(coop.pk), year)
            principal = db.principals.get(coop.pk)
            if values[EMAIL] and (
                principal is None or principal.user.email.lower() != values[EMAIL]
            ):
                changed.extend([LAST_NAME, FIRST_NAME, EMAIL])
        if row.errors:
            row.action = ERROR
        elif coop is None:
            row.action = CREATE
        elif changed:
            row.action = UPDATE
        else:
            row.action = UNCHANGED


def _compare_affiliation(row: PlanRow, affiliation: Affiliation | None, year) -> None:
    if affiliation is None:
        row.changed_fields.extend(COUNT_FIELDS)
        return
    for column, name in COUNT_FIELDS.items():
        current = getattr(affiliation, name)
        if current == row.values[column]:
            continue
        if affiliation.is_validated:
            row.error(
                column,
                f"L'affiliation {year} est validée : l'effectif ({current}) ne peut plus être "
                "modifié par un import. Rouvrez-la d'abord, ou gardez la valeur actuelle.",
            )
        else:
            row.changed_fields.append(column)


def plan_import(data: bytes, school_year: SchoolYear) -> ImportPlan:
    """Read, check and compare a file with the database. Writes nothing."""
    plan = _parse(data, school_year)
    if plan.rows:
        _compare(plan, _load(plan.rows, school_year))
    return plan


# Writing ------------------------------------------------------------------------------------


def apply_import(plan: ImportPlan, user=None) -> dict:
    """Write a plan without errors, all or nothing. Returns the counts of what was done.

    The comparison is made again inside the transaction, on locked rows, so that a plan shown
    some time ago never overwrites what changed since (e.g. an affiliation validated meanwhile).
    """
    if plan.has_errors:
        raise ImportRefused("Le fichier contient des erreurs : rien n'a été importé.")
    year = plan.school_year
    with transaction.atomic():
        fresh = ImportPlan(
            school_year=year,
            rows=[PlanRow(line=row.line, values=dict(row.values)) for row in plan.rows],
        )
        db = _load(fresh.rows, year, lock=True)
        _compare(fresh, db)
        if fresh.has_errors:
            raise ImportRefused(
                "Les données ont changé depuis l'aperçu et le fichier contient maintenant des "
                "erreurs : rien n'a été importé. " + " ".join(fresh.messages()[:5])
            )
        rows = [row for row in fresh.rows if row.action in (CREATE, UPDATE)]
        _create_circonscriptions(rows, db)
        cooperatives = _write_cooperatives(rows, db, user)
        _write_affiliations(rows, db, cooperatives, year, user)
        appointed = _appoint_mandataires(
            [row for row in rows if EMAIL in row.changed_fields],
            cooperatives,
            db,
            start_date=timezone.localdate(),
            invited_by=user,
        )
    counts = fresh.counts
    return {
        "created": counts[CREATE],
        "updated": counts[UPDATE],
        "unchanged": counts[UNCHANGED],
        "mandataires": appointed,
    }


def _appoint_mandataires(rows, cooperatives: dict, db: _Database, start_date, invited_by) -> int:
    """The bulk counterpart of services.appoint_mandataire, with the same outcome per row.

    Row by row, appoint_mandataire costs about ten queries; a first import of a department
    names thousands of mandataires. Here: the missing accounts are created (and invited after
    the commit), teachers become mandataires, the previous principal mandate ends the day
    before, and a mandate starts unless the person already holds a current one.
    """
    if not rows:
        return 0
    new_users = {}
    for row in rows:
        email = row.values[EMAIL]
        if email not in db.users and email not in new_users:
            user = User(
                email=email,
                first_name=row.values[FIRST_NAME],
                last_name=row.values[LAST_NAME],
                role=Role.MANDATAIRE,
            )
            user.set_unusable_password()
            new_users[email] = user
    if new_users:
        for user in User.objects.bulk_create(new_users.values()):
            db.users[user.email] = user
    teachers = {db.users[row.values[EMAIL]] for row in rows} - set(new_users.values())
    teachers = [user for user in teachers if user.role == Role.ENSEIGNANT]
    if teachers:
        User.objects.filter(pk__in=[user.pk for user in teachers]).update(role=Role.MANDATAIRE)
        for user in teachers:
            user.role = Role.MANDATAIRE
    current = defaultdict(list)
    for mandate in Mandate.objects.current(start_date).filter(
        cooperative__in=[cooperatives[row.number].pk for row in rows]
    ):
        current[mandate.cooperative_id].append(mandate)
    ended, created = [], []
    for row in rows:
        coop = cooperatives[row.number]
        user = db.users[row.values[EMAIL]]
        for mandate in current[coop.pk]:
            if mandate.kind == Mandate.Kind.PRINCIPAL and mandate.user_id != user.pk:
                mandate.end_date = start_date - datetime.timedelta(days=1)
                mandate.end_reason = f"Remplacé par {user}"
                ended.append(mandate)
            elif mandate.kind != Mandate.Kind.PRINCIPAL and mandate.user_id == user.pk:
                # The co-mandataire becomes principal: a new mandate (same rule as the service).
                mandate.end_date = start_date - datetime.timedelta(days=1)
                mandate.end_reason = "Devient mandataire principal"
                ended.append(mandate)
        if not any(
            mandate.user_id == user.pk and mandate.kind == Mandate.Kind.PRINCIPAL
            for mandate in current[coop.pk]
        ):
            mandate = Mandate(
                cooperative=coop, user=user, kind=Mandate.Kind.PRINCIPAL, start_date=start_date
            )
            current[coop.pk].append(mandate)
            created.append(mandate)
    reason = "Import Excel"
    if ended:
        bulk_update_with_history(
            ended,
            Mandate,
            ["end_date", "end_reason"],
            batch_size=500,
            default_user=invited_by,
            default_change_reason=reason,
        )
    if created:
        bulk_create_with_history(
            created, Mandate, batch_size=500, default_user=invited_by, default_change_reason=reason
        )
    if new_users:
        # In the background: a first import of a department invites thousands of people.
        invite_users.delay_on_commit(
            [user.pk for user in new_users.values()], getattr(invited_by, "pk", None)
        )
    return len(rows)


def _create_circonscriptions(rows: list[PlanRow], db: _Database) -> None:
    missing = {}
    for row in rows:
        name = row.values[CIRCONSCRIPTION]
        key = normalize_header(name)
        if key and key not in db.circonscriptions:
            missing.setdefault(key, Circonscription(name=name))
    if missing:
        for circonscription in Circonscription.objects.bulk_create(missing.values()):
            db.circonscriptions[normalize_header(circonscription.name)] = circonscription


def _apply_values(coop: Cooperative, row: PlanRow, db: _Database) -> None:
    for column, name in COOPERATIVE_FIELDS.items():
        setattr(coop, name, row.values[column])
    coop.circonscription = db.circonscriptions.get(normalize_header(row.values[CIRCONSCRIPTION]))


def _write_cooperatives(rows: list[PlanRow], db: _Database, user) -> dict:
    """Create and update the cooperatives; returns every cooperative of `rows` by number."""
    reason = "Import Excel"
    new, changed = [], []
    for row in rows:
        coop = db.cooperatives.get(row.number)
        if coop is None:
            coop = Cooperative()
            _apply_values(coop, row, db)
            new.append(coop)
        elif set(row.changed_fields) & (set(COOPERATIVE_FIELDS) | {CIRCONSCRIPTION}):
            _apply_values(coop, row, db)
            changed.append(coop)
    by_number = {row.number: db.cooperatives.get(row.number) for row in rows}
    if new:
        created = bulk_create_with_history(
            new, Cooperative, batch_size=500, default_user=user, default_change_reason=reason
        )
        by_number.update({coop.number: coop for coop in created})
    if changed:
        bulk_update_with_history(
            changed,
            Cooperative,
            [*COOPERATIVE_FIELDS.values(), "circonscription"],
            batch_size=500,
            default_user=user,
            default_change_reason=reason,
        )
    return by_number


def _write_affiliations(rows, db: _Database, cooperatives: dict, year, user) -> None:
    association = Association.get()
    new, changed = [], []
    for row in rows:
        if not row.has_counts():
            continue
        coop = cooperatives[row.number]
        affiliation = db.affiliations.get(coop.pk)
        if affiliation is None:
            affiliation = Affiliation(cooperative=coop, school_year=year)
            new.append(affiliation)
        elif set(row.changed_fields) & set(COUNT_FIELDS):
            changed.append(affiliation)
        else:
            continue
        for column, name in COUNT_FIELDS.items():
            setattr(affiliation, name, row.values[column])
        affiliation.compute_fee(association)
    reason = "Import Excel"
    if new:
        bulk_create_with_history(
            new, Affiliation, batch_size=500, default_user=user, default_change_reason=reason
        )
    if changed:
        bulk_update_with_history(
            changed,
            Affiliation,
            [*COUNT_FIELDS.values(), "fee_pupils", "fee_adults", "fee_insurance", "fee_federal"],
            batch_size=500,
            default_user=user,
            default_change_reason=reason,
        )


# Export -------------------------------------------------------------------------------------


def export_rows(queryset: QuerySet, school_year: SchoolYear) -> Iterator[list]:
    """One row per cooperative, in COLUMNS order, with the affiliation of `school_year`."""
    queryset = queryset.select_related("circonscription").prefetch_related(
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.filter(school_year=school_year),
            to_attr="export_affiliations",
        ),
        Prefetch(
            "mandates",
            queryset=Mandate.objects.current()
            .filter(kind=Mandate.Kind.PRINCIPAL)
            .select_related("user")
            .order_by("start_date", "pk"),
            to_attr="export_principals",
        ),
    )
    for coop in queryset.iterator(chunk_size=2000):
        affiliation = coop.export_affiliations[0] if coop.export_affiliations else None
        principal = coop.export_principals[-1].user if coop.export_principals else None
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
        ]


def export_workbook(queryset: QuerySet, school_year: SchoolYear) -> bytes:
    return write_xlsx(COLUMNS, export_rows(queryset, school_year), title="Coopératives")


def template_workbook() -> bytes:
    """The empty file to fill in: the headers only."""
    return write_xlsx(COLUMNS, [], title="Coopératives")


def report_lines(plan: ImportPlan) -> list[str]:
    """The plan in French, as the command prints it: counts, then each error."""
    counts = plan.counts
    lines = [
        f"Année scolaire : {plan.school_year}",
        f"À créer : {counts[CREATE]}",
        f"À mettre à jour : {counts[UPDATE]}",
        f"Inchangées : {counts[UNCHANGED]}",
        f"En erreur : {counts[ERROR]}",
    ]
    return lines + plan.messages()
