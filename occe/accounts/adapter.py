import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.mfa.utils import is_mfa_enabled


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created by staff, who send an invitation.
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Staff must set up TOTP right after their first login: asking for the password they
        have just typed adds nothing. Any later change of the second factor asks again."""
        request = self.request or context.request
        user = getattr(request, "user", None)
        if app == "allauth.mfa" and user is not None and user.is_authenticated:
            records = get_authentication_records(request, user)
            recent = records and (
                time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT
            )
            if recent and not is_mfa_enabled(user):
                return False
        return super().is_reauthentication_required(app=app, **kwargs)
