"""Helpers around allauth's TOTP for demo accounts and tests."""

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt

# The demo staff accounts share this secret so a newcomer can add it to an authenticator app.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def activate_totp(user, secret: str = DEMO_TOTP_SECRET) -> None:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, secret)
        RecoveryCodes.activate(user)


def current_code(user, offset: int = 0) -> str:
    """The TOTP code of `user` right now (offset in 30 s periods)."""
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def force_login(client, user, *, mfa: bool = True) -> None:
    """Log `user` in on a test `client` as after a full login through allauth: the session
    records the password step and, for staff and administrators, the second factor
    (RequireMFAMiddleware checks that record). For tests and benchmarks."""
    from allauth.account.internal.flows.login import record_authentication
    from django.test import Client, RequestFactory

    Client.force_login(client, user)  # Django's own, also when `client` overrides it
    request = RequestFactory().get("/")
    request.session = client.session
    record_authentication(request, user, "password")
    if mfa and user.requires_mfa:
        record_authentication(request, user, "mfa", type="totp")
    request.session.save()
