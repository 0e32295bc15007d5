"""Import of training registrations from a spreadsheet (occe/core/imports.py): one row per
participant of a session, the session named by its training, its date and its place.

For a new install, a **past** school year can be loaded as done (`--terminees`, the web
import's checkbox, refused for the current year): its sessions are recorded as held and each
participant's attendance as given in the « Présent » column, so that the activity report
compares with last year's figures. Otherwise the registrations are recorded as confirmed. The
import sends no e-mail; the batch (ImportBatch) keeps who imported what, and how.

Trainings and cooperatives must exist (catalogue, cooperatives' import); a session missing in
the year is created; a participant without an account gets an inactive one (never invited).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from cooperatives.models import Cooperative
from occe.accounts.models import Role
from occe.core.imports import (
    ChoiceColumn,
    DateColumn,
    DecimalColumn,
    EmailColumn,
    Importer,
    Row,
    TextColumn,
    register_importer,
)
from occe.core.models import SchoolYear
from occe.core.spreadsheets import normalize_header

from .models import MAX_CAPACITY, Attendance, Registration, Session, SessionPart, Training

User = get_user_model()
START = datetime.time(9, 0)
MAX_DAY_HOURS = Decimal("12")
NO_PLACE = "Lieu non précisé"
YES, NO = "oui", "non"

COLUMNS = [
    TextColumn("training", "Formation", required=True, max_length=200),
    DateColumn("date", "Date", required=True),
    TextColumn("place", "Lieu", max_length=120),
    DecimalColumn(
        "hours", "Durée (h)", min_value=Decimal("0.5"), max_value=MAX_DAY_HOURS, aliases=["Durée"]
    ),
    EmailColumn(
        "email", "Courriel", required=True, max_length=254, aliases=["Adresse électronique"]
    ),
    TextColumn("last_name", "Nom", max_length=150),
    TextColumn("first_name", "Prénom", max_length=150),
    TextColumn("cooperative", "Numéro de coopérative", required=True, max_length=20),
    ChoiceColumn("present", "Présent", choices=[("", ""), (YES, "Oui"), (NO, "Non")]),
]


@dataclass
class Database:
    trainings: dict  # normalized title or slug -> Training
    cooperatives: dict  # number -> Cooperative
    users: dict  # e-mail -> User
    sessions: dict  # (training pk, date, normalized place) -> Session
    registrations: dict  # (session pk, user pk) -> Registration
    attendances: dict  # (registration pk, part pk) -> present


def session_key(training_pk: int, day: datetime.date, place: str) -> tuple:
    return (training_pk, day, normalize_header(place or ""))


@register_importer
class RegistrationImporter(Importer):
    kind = "formations_inscriptions"
    label = "Inscriptions aux formations"
    key = "email"
    columns = COLUMNS
    preview_url_name = "formations:import_preview"

    school_year: SchoolYear
    # A past year loaded for the report's comparisons: sessions held, attendance recorded.
    done: bool = False
    author = None  # who records them from the command line (the web import: the user)

    def parameters(self) -> dict:
        return {"school_year": self.school_year.pk, "done": self.done}

    @classmethod
    def from_batch(cls, batch) -> "RegistrationImporter":
        return cls(school_year=batch.school_year, done=bool((batch.parameters or {}).get("done")))

    def report_heading(self) -> list[str]:
        heading = [f"Année scolaire : {self.school_year}"]
        if self.done:
            heading.append("Année passée : sessions enregistrées comme tenues, avec les présences.")
        return heading

    @property
    def change_reason(self) -> str:
        if self.done:
            return f"Import Excel d'une année passée : formations {self.school_year} tenues"
        return "Import Excel"

    @staticmethod
    def past_year_refusal(school_year: SchoolYear) -> str:
        """Why `school_year` may not be imported as done ("" if it may): a past year only."""
        if school_year.start_year >= SchoolYear.objects.current().start_year:
            return (
                "Seules les formations d'une année passée peuvent être importées comme tenues ; "
                f"{school_year} est l'année en cours ou à venir."
            )
        return ""

    def _check_duplicates(self, rows: list[Row]) -> None:
        """A person appears once per session (training, date, place)."""
        lines = defaultdict(list)
        identity = {}
        for row in rows:
            v = row.values
            if v["email"] and v["training"] and v["date"]:
                identity[row.line] = (
                    normalize_header(v["training"]),
                    v["date"],
                    normalize_header(v["place"]),
                    v["email"],
                )
                lines[identity[row.line]].append(row.line)
        for row in rows:
            others = [n for n in lines.get(identity.get(row.line), ()) if n != row.line]
            if others:
                row.error(
                    "email",
                    f"{row.key} apparaît deux fois pour cette session (aussi ligne "
                    f"{', '.join(map(str, others))}).",
                )

    def clean_row(self, row: Row, record: dict) -> None:
        day = row.values["date"]
        year = self.school_year
        if day and year and not (year.start_date <= day <= year.end_date):
            row.error("date", f"Le {day:%d/%m/%Y} n'est pas dans l'année scolaire {year}.")

    def load(self, rows: list[Row], lock: bool = False) -> Database:
        trainings = {}
        for training in Training.objects.all():
            trainings[normalize_header(training.title)] = training
            trainings[training.slug] = training
        numbers = {row.values["cooperative"] for row in rows}
        emails = {row.values["email"] for row in rows}
        users = {u.email: u for u in User.objects.filter(email__in=emails)}
        sessions = {}
        for session in (
            Session.objects.in_year(self.school_year)
            .filter(training__in={t.pk for t in trainings.values()})
            .prefetch_related("parts")
        ):
            parts = session.parts_list()
            if parts:
                sessions[session_key(session.training_id, parts[0].date, parts[0].place)] = session
                if session.label:
                    sessions[session_key(session.training_id, parts[0].date, session.label)] = (
                        session
                    )
        registrations = Registration.objects.active().filter(
            session__in=[s.pk for s in sessions.values()], user__in=[u.pk for u in users.values()]
        )
        if lock:
            registrations = registrations.select_for_update()
        registrations = {(r.session_id, r.user_id): r for r in registrations}
        attendances = dict(
            (((a.registration_id, a.part_id), a.present))
            for a in Attendance.objects.filter(registration__in=registrations.values())
        )
        return Database(
            trainings,
            {c.number: c for c in Cooperative.objects.filter(number__in=numbers)},
            users,
            sessions,
            registrations,
            attendances,
        )

    def _session(self, row: Row, db: Database) -> Session | None:
        training = db.trainings.get(normalize_header(row.values["training"]))
        if training is None:
            return None
        return db.sessions.get(session_key(training.pk, row.values["date"], row.values["place"]))

    def compare(self, row: Row, db: Database) -> bool:
        values = row.values
        training = db.trainings.get(normalize_header(values["training"]))
        if values["training"] and training is None:
            row.error(
                "training",
                f"« {values['training']} » n'est pas au catalogue : créez d'abord la formation.",
            )
        coop = db.cooperatives.get(values["cooperative"])
        if values["cooperative"] and coop is None:
            row.error("cooperative", f"Aucune coopérative n° {values['cooperative']}.")
        user = db.users.get(values["email"])
        if user is None and not (values["last_name"] and values["first_name"]):
            row.error("last_name", "Nom et prénom obligatoires pour une personne sans compte.")
        session = self._session(row, db)
        registration = db.registrations.get((session.pk, user.pk)) if session and user else None
        if registration is None:
            return False
        if coop and registration.cooperative_id != coop.pk:
            row.changed.append("cooperative")
        if self.done:
            present = values["present"] != NO
            if registration.status != Registration.Status.CONFIRMED or any(
                db.attendances.get((registration.pk, part.pk)) is not present
                for part in session.parts_list()
            ):
                row.changed.append("present")
            if session.status != Session.Status.TENUE:
                row.changed.append("date")
        return True

    def write(self, rows: list[Row], db: Database, user) -> dict:
        author = user or self.author
        accounts = self._create_accounts(rows, db)
        sessions = self._create_sessions(rows, db)
        now = timezone.now()
        new, changed = [], []
        for row in rows:
            session = self._session(row, db)
            person = db.users[row.values["email"]]
            coop = db.cooperatives[row.values["cooperative"]]
            registration = db.registrations.get((session.pk, person.pk))
            if registration is None:
                registration = Registration(
                    session=session,
                    user=person,
                    registered_by=author,
                    registered_at=now,
                    confirmation_sent_at=now,  # the import informs nobody
                    reminder_sent_at=now if self.done else None,
                    certificate_sent_at=now if self.done else None,
                )
                new.append(registration)
                db.registrations[(session.pk, person.pk)] = registration
            else:
                changed.append(registration)
            registration.cooperative = coop
            registration.status = Registration.Status.CONFIRMED
        Registration.objects.bulk_create(new)
        Registration.objects.bulk_update(changed, ["cooperative", "status"])
        if self.done:
            self._record_attendance(rows, db, author)
        return {"accounts": accounts, "sessions": sessions}

    def _create_accounts(self, rows: list[Row], db: Database) -> int:
        missing = {}
        for row in rows:
            email = row.values["email"]
            if email not in db.users and email not in missing:
                account = User(
                    email=email,
                    first_name=row.values["first_name"],
                    last_name=row.values["last_name"],
                    role=Role.ENSEIGNANT,
                    is_active=False,
                )
                account.set_unusable_password()
                missing[email] = account
        for account in User.objects.bulk_create(missing.values()):
            db.users[account.email] = account
        return len(missing)

    def _create_sessions(self, rows: list[Row], db: Database) -> int:
        """The sessions of the file missing in the year (one part each), and those found
        recorded as held for a past year."""
        wanted = defaultdict(list)
        for row in rows:
            if self._session(row, db) is None:
                training = db.trainings[normalize_header(row.values["training"])]
                wanted[session_key(training.pk, row.values["date"], row.values["place"])].append(
                    row
                )
        held = Session.Status.TENUE if self.done else Session.Status.OUVERTE
        created = Session.objects.bulk_create(
            Session(
                training=db.trainings[normalize_header(listed[0].values["training"])],
                label=listed[0].values["place"],
                capacity=max(1, min(MAX_CAPACITY, len(listed))),
                registration_deadline=listed[0].values["date"],
                status=held,
            )
            for listed in wanted.values()
        )
        SessionPart.objects.bulk_create(
            self._part(session, listed[0].values)
            for session, listed in zip(created, wanted.values(), strict=True)
        )
        db.sessions.update(zip(wanted, created, strict=True))
        if self.done:
            found = {self._session(row, db).pk for row in rows} - {s.pk for s in created}
            Session.objects.filter(pk__in=found).update(status=Session.Status.TENUE)
        return len(created)

    @staticmethod
    def _part(session: Session, values: dict) -> SessionPart:
        """The one part of an imported session: from 9:00, the length given (else the
        training's, at most a day's)."""
        hours = values["hours"] or min(session.training.hours, MAX_DAY_HOURS)
        end = datetime.datetime.combine(values["date"], START) + datetime.timedelta(
            hours=float(hours)
        )
        return SessionPart(
            session=session,
            date=values["date"],
            start_time=START,
            end_time=end.time(),
            place=values["place"] or NO_PLACE,
        )

    def _record_attendance(self, rows: list[Row], db: Database, author) -> None:
        parts = defaultdict(list)
        for part in SessionPart.objects.filter(
            session__in={self._session(row, db).pk for row in rows}
        ):
            parts[part.session_id].append(part)
        marks = []
        for row in rows:
            session = self._session(row, db)
            registration = db.registrations[(session.pk, db.users[row.values["email"]].pk)]
            present = row.values["present"] != NO
            marks += [
                Attendance(
                    registration=registration, part=part, present=present, recorded_by=author
                )
                for part in parts[session.pk]
            ]
        Attendance.objects.bulk_create(
            marks,
            update_conflicts=True,
            unique_fields=["registration", "part"],
            update_fields=["present", "recorded_by"],
        )
