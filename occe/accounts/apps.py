from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "occe.accounts"
    label = "accounts"
    verbose_name = "Comptes et rôles"

    def ready(self):
        from allauth.account.signals import password_reset
        from allauth.mfa.signals import authenticator_added, authenticator_removed

        from .middleware import second_factor_added, second_factor_removed
        from .models import mark_email_verified

        authenticator_added.connect(second_factor_added)
        authenticator_removed.connect(second_factor_removed)
        password_reset.connect(mark_email_verified)
