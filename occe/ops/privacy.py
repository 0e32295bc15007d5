"""One person's data: everything the application holds about them, and their anonymisation.

A person is found by an e-mail address: their account (if any) and what refers to it in any
app (found through the account's relations, so a new app is included without doing anything),
plus what apps hold under that address without an account (donors), declared in their
`retention.py` with `@person_data` / `@person_eraser` (occe/ops/retention.py).

The export is a Job (a ZIP: `donnees.json` and the PDFs); the anonymisation erases what no
legal duty keeps and says what stays and why. Both are recorded (`PersonAction`).
"""

import datetime
import io
import json
import zipfile

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from occe.core.jobs import JobFailed, JobKind, register

from . import retention
from .models import AccountDeactivation, LoginEvent, PersonAction

# Enough for a member of staff's own actions over years; an export is for one person.
MAX_ROWS_PER_TABLE = 20_000
# Columns never exported (secrets, not data about the person).
SECRET_FIELDS = {"password", "secret", "data"}


def find_account(email: str):
    User = get_user_model()
    return User.objects.filter(email__iexact=email.strip()).first()


def _row(instance) -> dict:
    data = model_to_dict(instance)
    for name in list(data):
        if name in SECRET_FIELDS:
            data.pop(name)
        elif isinstance(data[name], models.Model | models.fields.files.FieldFile):
            data[name] = str(data[name])
        elif isinstance(data[name], list):
            data[name] = [getattr(item, "pk", item) for item in data[name]]
    data["id"] = instance.pk
    return data


def account_sections(user) -> dict[str, list[dict]]:
    """The account's own row and every row of any app that refers to it."""
    sections: dict[str, list[dict]] = {"compte": [_row(user)]}
    # Hidden relations too (`related_name="+"`: issued by, decided by…).
    for relation in user._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete) or relation.many_to_many:
            continue
        model = relation.related_model
        key = f"{model._meta.app_label}.{model._meta.model_name} ({relation.field.name})"
        rows = model._base_manager.filter(**{relation.field.name: user}).order_by("pk")[
            :MAX_ROWS_PER_TABLE
        ]
        found = [_row(row) for row in rows]
        if found:
            sections[key] = found
    return sections


def collect(email: str) -> tuple[dict, list[tuple[str, str]]]:
    """(data, files): what the application holds about `email`; files are (stored name, name in
    the archive)."""
    user = find_account(email)
    data: dict = {"adresse": email, "exporte_le": timezone.now().isoformat(), "compte": None}
    files: list[tuple[str, str]] = []
    if user is not None:
        data["compte"] = account_sections(user)
    for key, source in retention.person_sources():
        found = source(email, user)
        if found is None:
            continue
        section_data, section_files = found
        if section_data:
            data[key] = section_data
        files.extend(section_files)
    return data, files


def build_archive(email: str) -> tuple[bytes, dict]:
    data, files = collect(email)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "donnees.json",
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
        for stored, name in files:
            try:
                with default_storage.open(stored, "rb") as handle:
                    archive.writestr(name, handle.read())
            except OSError:  # a file gone missing is noted, the export goes on
                archive.writestr(f"{name}.manquant.txt", "Fichier introuvable sur le serveur.")
    counts = {key: len(value) for key, value in data.items() if isinstance(value, list)}
    if data["compte"]:
        counts["compte"] = sum(len(rows) for rows in data["compte"].values())
    counts["fichiers"] = len(files)
    return buffer.getvalue(), counts


@register
class PersonExportJob(JobKind):
    name = "ops.person_export"
    label = "Export des données d'une personne"

    def run(self, job):
        action = PersonAction.objects.filter(job=job).first()
        if action is None:
            raise JobFailed("La demande d'export est introuvable.")
        job.set_total(1)
        content, counts = build_archive(action.subject)
        PersonAction.objects.filter(pk=action.pk).update(counts=counts)
        job.attach_result(content, f"donnees-personnelles-{action.pk}.zip")
        job.advance()
        return counts


def start_export(email: str, by, reason: str = "") -> PersonAction:
    from occe.core.jobs import launch

    with transaction.atomic():
        job = launch(PersonExportJob.name, user=by, total=1)
        return PersonAction.objects.create(
            kind=PersonAction.Kind.EXPORT, subject=email.strip(), reason=reason, done_by=by, job=job
        )


class AccountKept(Exception):
    """The account still serves: it is not anonymised (the message says why, in French)."""


def account_kept_reason(user) -> str | None:
    if user.is_superuser or user.is_staff_member or user.is_board_member:
        return "le compte a un rôle dans l'équipe ou le conseil : retirez-lui d'abord ce rôle"
    if user.pk in retention.kept_account_ids():
        return "la personne a un mandat en cours : terminez-le d'abord"
    return None


@transaction.atomic
def anonymise_account(user) -> None:
    """Erase who the account's owner is; the row stays (what it did keeps its author, shown as
    « Compte anonymisé »). The login is closed for good."""
    User = get_user_model()
    User.objects.filter(pk=user.pk).update(
        first_name="",
        last_name="Compte anonymisé",
        email=f"anonyme-{user.pk}@anonyme.invalid",
        phone="",
        is_active=False,
        password="!",  # unusable: no password matches
    )
    EmailAddress.objects.filter(user_id=user.pk).delete()
    # Its MFA secrets and sessions go too (imported here: optional apps of allauth).
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user_id=user.pk).delete()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
    LoginEvent.objects.filter(user_id=user.pk).update(identifier="", ip=None)
    AccountDeactivation.objects.filter(user_id=user.pk).delete()


def anonymise_person(email: str, by, reason: str = "") -> PersonAction:
    """Erase what no legal duty keeps; the action records what was erased and what stays."""
    today = timezone.localdate()
    counts: dict[str, int] = {}
    kept: list[str] = []
    with transaction.atomic():
        user = find_account(email)
        if user is not None:
            why = account_kept_reason(user)
            if why:
                kept.append(f"Compte : {why}.")
            else:
                anonymise_account(user)
                counts["compte"] = 1
        for key, eraser in retention.person_erasers():
            erased, kept_reason = eraser(email, user, today)
            if erased:
                counts[key] = erased
            if kept_reason:
                kept.append(kept_reason)
        subject = email.strip()
        if counts and not kept:
            # Everything erased: the record proves the request was answered without keeping
            # the address (nor in the earlier records about it).
            subject = _masked(subject)
            PersonAction.objects.filter(subject__iexact=email.strip()).update(subject=subject)
        action = PersonAction.objects.create(
            kind=PersonAction.Kind.ANONYMISE,
            subject=subject,
            reason=reason,
            done_by=by,
            counts={**counts, "conserve": kept},
        )
    return action


def _masked(email: str) -> str:
    local, _, domain = email.strip().partition("@")
    return f"{local[:1]}…@{domain}"


def retention_end_text(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")
