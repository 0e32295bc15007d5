from allauth.account.internal.flows.login import (
    AUTHENTICATION_METHODS_SESSION_KEY,
    get_authentication_records,
    record_authentication,
)
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import urlencode

# Paths a staff member without two-factor authentication may still reach.
ALLOWED_PREFIXES = ("/accounts/", "/static/", "/favicon.ico")


def passed_second_factor(request) -> bool:
    """Whether this session's login went through a second factor (allauth records each step
    of a login in the session: "password", then "mfa")."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


class RequireMFAMiddleware:
    """Staff and administrators need a second factor, checked for this very session.

    - No second factor set up yet: they reach nothing but the TOTP set-up.
    - A second factor set up, but this session never passed it (a session opened by password
      alone, whatever the path): the session is closed and they log in again through allauth,
      which asks for the code and applies its rate limits.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.requires_mfa
            and not passed_second_factor(request)
            and not request.path.startswith(("/static/", "/favicon.ico"))
        ):
            if is_mfa_enabled(user):
                return self.log_in_again(request)
            if not request.path.startswith(ALLOWED_PREFIXES):
                return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def log_in_again(request):
        next_url = request.get_full_path() if request.method == "GET" else "/"
        logout(request)
        messages.warning(
            request, "Connexion incomplète : reconnectez-vous avec votre code de vérification."
        )
        query = urlencode({REDIRECT_FIELD_NAME: next_url})
        return redirect(f"{reverse('account_login')}?{query}")


def second_factor_added(sender, request, user, authenticator, **kwargs):
    """Activating TOTP takes a valid code from the new authenticator: this session has passed
    the second factor."""
    if (
        authenticator.type == authenticator.Type.TOTP
        and request is not None
        and request.user.is_authenticated
        and request.user.pk == user.pk
    ):
        record_authentication(
            request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True
        )


def second_factor_removed(sender, request, **kwargs):
    """The second factor was removed: the session has passed none until a new one is set up."""
    records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY)
    if isinstance(records, list):
        request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            record for record in records if record.get("method") != "mfa"
        ]


class NoStoreMiddleware:
    """What a logged-in user sees is personal: no browser or proxy cache keeps it (a shared
    computer's back button, a proxy's disk). Downloads served to them (PDFs, exports) are
    covered too, and so are the account pages (reset links, recovery codes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/accounts/") or (
            request.user.is_authenticated and not request.path.startswith("/static/")
        ):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True, no_store=True)
        return response
