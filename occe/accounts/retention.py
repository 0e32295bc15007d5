"""Accounts: kept while they serve; unused ones are closed, then anonymised.

- An online sign-up whose address was never confirmed is deleted after
  `RETENTION_UNCONFIRMED_SIGNUP_DAYS` (nothing can be done with it before confirming).
- An account with no role left (not staff nor board, no current mandate) and no login for
  `RETENTION_INACTIVE_ACCOUNT_DAYS` (2 years) is deactivated; still unused
  `RETENTION_DEACTIVATED_ACCOUNT_DAYS` later (1 year), it is anonymised.
"""

import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, ProtectedError, Q
from django.utils import timezone

from occe.ops.models import AccountDeactivation
from occe.ops.retention import describe, kept_account_ids, retention_rule

from .models import BOARD_ROLES, STAFF_ROLES, User

describe(
    "accounts.comptes",
    label="Comptes des utilisateurs (nom, prénom, adresse électronique, téléphone, rôle)",
    purpose="Se connecter, recevoir les courriels de l'association, savoir qui a fait quoi.",
    duration="tant que le compte sert ; sans rôle ni connexion pendant 2 ans, il est désactivé, "
    "puis anonymisé un an plus tard",
    order=1,
)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@retention_rule(
    "accounts.inscriptions-non-confirmees",
    label="Inscriptions en ligne jamais confirmées",
    purpose="Laisser à l'enseignant le temps de suivre le lien reçu par courriel.",
    duration="30 jours après l'inscription",
    order=2,
)
def delete_unconfirmed_signups(today: datetime.date) -> int:
    limit = _day_start(today - datetime.timedelta(days=settings.RETENTION_UNCONFIRMED_SIGNUP_DAYS))
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    deleted = 0
    for user in User.objects.filter(signed_up_at__lt=limit, last_login__isnull=True).exclude(
        Exists(verified)
    ):
        try:
            with transaction.atomic():
                user.delete()
        except ProtectedError:  # something refers to it: keep it, the inactive rule follows
            continue
        deleted += 1
    return deleted


def unused_accounts(before: datetime.datetime):
    return (
        User.objects.filter(is_active=True, is_superuser=False)
        .exclude(role__in=[*STAFF_ROLES, *BOARD_ROLES])
        .filter(Q(last_login__lt=before) | Q(last_login__isnull=True, date_joined__lt=before))
        .exclude(pk__in=kept_account_ids())
    )


@retention_rule(
    "accounts.comptes-inutilises",
    label="Comptes sans rôle ni connexion depuis 2 ans",
    purpose="Fermer les accès qui ne servent plus.",
    duration="désactivés après 2 ans sans rôle ni connexion, anonymisés un an plus tard",
    order=3,
)
def close_unused_accounts(today: datetime.date) -> int:
    from occe.ops.privacy import anonymise_account

    inactive_limit = _day_start(
        today - datetime.timedelta(days=settings.RETENTION_INACTIVE_ACCOUNT_DAYS)
    )
    # Reactivated by the secretariat since: no longer on the way to anonymisation.
    AccountDeactivation.objects.filter(user__is_active=True).delete()
    changed = 0
    for user in unused_accounts(inactive_limit):
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(is_active=False)
            AccountDeactivation.objects.update_or_create(
                user=user, defaults={"deactivated_on": today}
            )
        changed += 1
    anonymise_limit = today - datetime.timedelta(days=settings.RETENTION_DEACTIVATED_ACCOUNT_DAYS)
    kept = kept_account_ids()
    for deactivation in AccountDeactivation.objects.filter(
        deactivated_on__lte=anonymise_limit, user__is_active=False
    ).select_related("user"):
        if deactivation.user_id in kept:
            continue
        anonymise_account(deactivation.user)
        deactivation.delete()
        changed += 1
    return changed
