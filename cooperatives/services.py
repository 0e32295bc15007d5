"""Workflows spanning several models: appointing mandataires (one or thousands at once)."""

import datetime
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from simple_history.utils import bulk_update_with_history

from occe.accounts.models import Role, User
from occe.accounts.tasks import INVITATIONS
from occe.core.history import bulk_create_recorded
from occe.core.jobs import launch

from .models import Cooperative, Mandate
from .tasks import notify_mandataires

STAFF_ADDRESS = "Cette adresse appartient à un compte de l'équipe ou du conseil d'administration."


def unverified_address(email: str) -> str:
    return (
        f"L'adresse « {email} » est celle d'un compte qui ne l'a pas vérifiée : le mandat ne "
        "peut pas lui être confié, car n'importe qui peut déclarer une adresse sans la "
        "vérifier. Demandez à la personne de confirmer son adresse depuis son compte "
        "(« Adresses électroniques »), ou indiquez une autre adresse."
    )


@dataclass
class Appointment:
    cooperative: Cooperative
    email: str
    first_name: str = ""
    last_name: str = ""
    kind: str = Mandate.Kind.PRINCIPAL


class AppointmentRefused(ValidationError):
    """The address cannot receive a mandate; the message (French) says why."""


@dataclass
class Accounts:
    """Who the e-mail addresses of some appointments are, fetched in two queries.

    An address identifies an account only once that account has verified it (allauth's
    EmailAddress.verified): otherwise anyone could declare a colleague's address on their own
    account and receive that colleague's next mandate. An account never opened (no login, no
    password chosen) counts as verified: only the staff could have set its address, and the
    only way into it is the invitation sent there.
    """

    users: dict[str, User] = field(default_factory=dict)  # address -> account that may get it
    refusals: dict[str, str] = field(default_factory=dict)  # address -> why not

    @classmethod
    def matching(cls, emails: Iterable[str]) -> "Accounts":
        emails = sorted({email.strip().lower() for email in emails if email})
        accounts = cls()
        if not emails:
            return accounts
        claimed = {
            user.email_lower: user
            for user in User.objects.annotate(email_lower=Lower("email")).filter(
                email_lower__in=emails
            )
        }
        verified = {
            address.email_lower: address.user
            for address in EmailAddress.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=emails, verified=True)
            .select_related("user")
        }
        for email in emails:
            user = verified.get(email)
            holder = claimed.get(email)
            if any(u is not None and _is_staff(u) for u in (user, holder)):
                accounts.refusals[email] = STAFF_ADDRESS
            elif user is not None:
                accounts.users[email] = user
            elif holder is not None and never_opened(holder):
                accounts.users[email] = holder
            elif holder is not None:
                accounts.refusals[email] = unverified_address(email)
        return accounts


def never_opened(user: User) -> bool:
    return user.last_login is None and not user.has_usable_password()


def unusable_password() -> str:
    """What User.set_unusable_password() stores, without its 40 random choices one by one
    (thousands of accounts are created at once)."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _is_staff(user: User) -> bool:
    return not user.is_mandataire and user.role != Role.ENSEIGNANT


def appoint_mandataires(
    appointments: Sequence[Appointment],
    *,
    start_date: datetime.date,
    invited_by=None,
    reason: str | None = None,
    accounts: Accounts | None = None,
) -> list[Mandate]:
    """Give each cooperative its new mandataire of `kind`, in bulk: the same handful of queries
    for one appointment or thousands (history included).

    For each appointment, in order: the account is the one that verified the address, or a new
    one (invited in the background, its address verified since the association chose it);
    a teacher becomes mandataire; the cooperative's current mandate of that kind held by someone
    else ends the day before; a mandate of the other kind held by the person ends too (a
    co-mandataire who becomes principal starts a new mandate); a new mandate starts unless the
    person already holds that one. An existing account appointed is told by e-mail.
    Returns the mandate of each appointment. Raises AppointmentRefused for an address that
    belongs to staff or to an account that has not verified it.
    """
    if not appointments:
        return []
    for appointment in appointments:
        appointment.email = appointment.email.strip().lower()
    accounts = accounts or Accounts.matching(a.email for a in appointments)
    refused = [accounts.refusals[a.email] for a in appointments if a.email in accounts.refusals]
    if refused:
        raise AppointmentRefused(refused)
    new_users = _create_accounts(appointments, accounts)
    users = {a.email: accounts.users[a.email] for a in appointments}
    _promote_teachers(set(users.values()) - set(new_users))
    mandates, ended, created = _plan_mandates(appointments, users, start_date)
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
        bulk_create_recorded(created, Mandate, user=invited_by, reason=reason)
    if new_users:
        # In the background: a first import of a department invites thousands of people.
        launch(
            INVITATIONS,
            user=invited_by,
            total=len(new_users),
            parameters={"users": [user.pk for user in new_users]},
        )
    invited = {user.pk for user in new_users}
    noticed = [m.pk for m in created if m.user_id not in invited]
    if noticed:
        notify_mandataires.delay_on_commit(noticed)
    return mandates


def appoint_mandataire(
    cooperative: Cooperative,
    *,
    email: str,
    first_name: str,
    last_name: str,
    kind: str = Mandate.Kind.PRINCIPAL,
    start_date: datetime.date,
    invited_by=None,
) -> Mandate:
    """One appointment (the mandate form): the bulk code with a list of one."""
    appointment = Appointment(cooperative, email, first_name, last_name, kind)
    return appoint_mandataires([appointment], start_date=start_date, invited_by=invited_by)[0]


def _create_accounts(appointments: Sequence[Appointment], accounts: Accounts) -> list[User]:
    new_users: dict[str, User] = {}
    for appointment in appointments:
        email = appointment.email
        if email not in accounts.users and email not in new_users:
            user = User(
                email=email,
                first_name=appointment.first_name,
                last_name=appointment.last_name,
                role=Role.MANDATAIRE,
            )
            user.password = unusable_password()
            new_users[email] = user
    if not new_users:
        return []
    # Their address rows (verified: the association chose the address) are created with the
    # invitations, in the background (occe.accounts.invitations.record_addresses).
    created = User.objects.bulk_create(new_users.values())
    for user in created:
        accounts.users[user.email] = user
    return created


def _promote_teachers(users: set[User]) -> None:
    teachers = [user for user in users if user.role == Role.ENSEIGNANT]
    if teachers:
        User.objects.filter(pk__in=[user.pk for user in teachers]).update(role=Role.MANDATAIRE)
        for user in teachers:
            user.role = Role.MANDATAIRE


def _plan_mandates(appointments, users: dict, start_date: datetime.date):
    """(the mandate of each appointment, mandates to end, mandates to create), one query."""
    current = defaultdict(list)
    coops = {a.cooperative.pk for a in appointments}
    for mandate in Mandate.objects.current(start_date).filter(cooperative__in=coops):
        current[mandate.cooperative_id].append(mandate)
    day_before = start_date - datetime.timedelta(days=1)
    mandates, ended, created = [], [], []
    for appointment in appointments:
        coop, kind = appointment.cooperative, appointment.kind
        user = users[appointment.email]
        held = current[coop.pk]
        kept = None
        for mandate in list(held):
            if mandate.user_id == user.pk and mandate.kind == kind:
                kept = mandate
                continue
            if mandate.kind == kind:
                reason = f"Remplacé par {user}"
            elif mandate.user_id == user.pk:
                reason = f"Devient {Mandate.Kind(kind).label.lower()}"
            else:
                continue
            # A mandate that started on that very day ends that day, never before it starts.
            mandate.end_date = max(day_before, mandate.start_date)
            mandate.end_reason = reason
            held.remove(mandate)
            if mandate.pk:
                ended.append(mandate)
        if kept is None:
            kept = Mandate(cooperative=coop, user=user, kind=kind, start_date=start_date)
            held.append(kept)
            created.append(kept)
        mandates.append(kept)
    return mandates, ended, created
