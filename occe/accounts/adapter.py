import time
from urllib.parse import quote

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from occe.core.models import Association

from .models import Role


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        """Teachers sign up themselves once the association lists its academic domains (the
        sign-up form refuses any other address); everyone else is invited by the staff."""
        return bool(Association.get().academic_domains)

    def save_user(self, request, user, form, commit=True):
        """A sign-up is a teacher's, who must verify their address before anything else
        (occe.accounts.stages.EmailVerificationStage)."""
        user.role = Role.ENSEIGNANT
        user.signed_up_at = timezone.now()
        return super().save_user(request, user, form, commit)

    def get_login_stages(self) -> list[str]:
        stages = super().get_login_stages()
        ours = "occe.accounts.stages.EmailVerificationStage"
        return [ours if path.endswith(".EmailVerificationStage") else path for path in stages]

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Staff must set up TOTP right after their first login, then see their recovery codes:
        asking for the password they have just typed (and the code they have just given) adds
        nothing. Any later change of the second factor asks again."""
        request = self.request or context.request
        user = getattr(request, "user", None)
        if app == "allauth.mfa" and user is not None and user.is_authenticated:
            records = get_authentication_records(request, user)
            last = records[-1] if records else {}
            recent = last and time.time() - last["at"] < account_settings.REAUTHENTICATION_TIMEOUT
            if recent and (last.get("activated") or not is_mfa_enabled(user)):
                return False
        return super().is_reauthentication_required(app=app, **kwargs)

    # The account e-mails speak in the association's name and link to SITE_URL, never to the
    # host a request happened to name.
    def format_email_subject(self, subject: str) -> str:
        return f"{Association.get().short_name} — {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        association = Association.get()
        context = {"association": association, "site_url": settings.SITE_URL, **context}
        super().send_mail(template_prefix, email, context)

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return settings.SITE_URL + reverse("account_confirm_email", args=[emailconfirmation.key])

    def send_account_already_exists_mail(self, email: str) -> None:
        """Someone signed up with an address that has an account: its owner is told (by
        e-mail, never on the page) and offered to choose a new password."""
        context = {"password_reset_url": settings.SITE_URL + reverse("account_reset_password")}
        self.send_mail("account/email/account_already_exists", email, context)

    def get_reset_password_from_key_url(self, key: str) -> str:
        # allauth's opaque key is "<uidb36>-<token>", as its own URL builder expects.
        path = reverse(
            "account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"}
        ).replace("UID-KEY", quote(key))
        return settings.SITE_URL + path
