from allauth.mfa.utils import is_mfa_enabled
from django.shortcuts import redirect
from django.urls import reverse

# Paths a staff member without two-factor authentication may still reach.
ALLOWED_PREFIXES = ("/accounts/", "/static/", "/favicon.ico")
SESSION_KEY = "occe.mfa_enabled"


class RequireMFAMiddleware:
    """Staff and administrators reach nothing but the TOTP set-up until they have activated it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.requires_mfa
            and not request.path.startswith(ALLOWED_PREFIXES)
            and not self.mfa_enabled(request)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def mfa_enabled(request) -> bool:
        """Remembered in the session once true: a second factor is not removed without a new
        login (allauth asks for reauthentication), so the query runs once per session."""
        if request.session.get(SESSION_KEY):
            return True
        enabled = is_mfa_enabled(request.user)
        if enabled:
            request.session[SESSION_KEY] = True
        return enabled


def forget_mfa(sender, request, **kwargs):
    """The second factor was removed: check again at the next request."""
    request.session.pop(SESSION_KEY, None)
