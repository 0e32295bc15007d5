"""The login audit: each success and failure (Django's auth signals, which allauth's login
sends too), read by the president on « Journal des connexions », kept one year."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.utils import timezone

from .models import LoginEvent
from .retention import retention_rule


def client_ip(request) -> str | None:
    """The visitor's address, as allauth's rate limits read it (behind the trusted proxies)."""
    if request is None:
        return None
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except Exception:  # an odd header never breaks a login
        return None


def record_success(sender, request, user, **kwargs) -> None:
    LoginEvent.objects.create(outcome=LoginEvent.Outcome.SUCCESS, user=user, ip=client_ip(request))


def record_failure(sender, credentials, request=None, **kwargs) -> None:
    typed = str(credentials.get("email") or credentials.get("username") or "").strip()[:254]
    user = get_user_model().objects.filter(email__iexact=typed).first() if typed else None
    # An address that matches no account may be a typo of someone else's: its domain only.
    identifier = "" if user else ("…@" + typed.partition("@")[2] if "@" in typed else "…")
    LoginEvent.objects.create(
        outcome=LoginEvent.Outcome.FAILURE,
        user=user,
        identifier=identifier,
        ip=client_ip(request),
    )


def connect() -> None:
    user_logged_in.connect(record_success, dispatch_uid="ops-login-success")
    user_login_failed.connect(record_failure, dispatch_uid="ops-login-failure")


@retention_rule(
    "ops.journal-des-connexions",
    label="Journal des connexions (compte, date, adresse IP, réussite ou échec)",
    purpose="Repérer les tentatives d'accès frauduleuses (sécurité des données).",
    duration="1 an",
    order=60,
)
def forget_old_logins(today: datetime.date) -> int:
    limit = timezone.make_aware(
        datetime.datetime.combine(
            today - datetime.timedelta(days=settings.RETENTION_LOGIN_EVENTS_DAYS), datetime.time.min
        )
    )
    return LoginEvent.objects.filter(at__lt=limit).delete()[0]
