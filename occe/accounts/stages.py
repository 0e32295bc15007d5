"""The login step that asks for a verified address, only of those who signed up themselves."""

from allauth.account.app_settings import EmailVerificationMethod
from allauth.account.stages import EmailVerificationStage as BaseEmailVerificationStage


class EmailVerificationStage(BaseEmailVerificationStage):
    """ACCOUNT_EMAIL_VERIFICATION is "mandatory" (allauth hides whether an address already has
    an account only then), but it applies to self sign-ups alone:

    - a sign-up, or a login of an account that signed up itself and has not verified its
      address: nothing happens before the link sent to the address is followed (the login
      sends it again);
    - a sign-up with an address that already has an account (no user: allauth's enumeration
      prevention): the "account already exists" e-mail goes out, the page is the same;
    - every other login (accounts the secretariat created: the invitation link proved the
      address before they had a password) goes through as before.
    """

    def handle(self):
        user = self.login.user
        if user is None or user.must_verify_email:
            self.login.email_verification = EmailVerificationMethod.MANDATORY
        else:
            self.login.email_verification = EmailVerificationMethod.NONE
        return super().handle()
