from allauth.mfa.utils import is_mfa_enabled
from django.shortcuts import redirect
from django.urls import reverse

# Paths a staff member without two-factor authentication may still reach.
ALLOWED_PREFIXES = ("/accounts/", "/static/", "/favicon.ico")


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
            and not is_mfa_enabled(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
