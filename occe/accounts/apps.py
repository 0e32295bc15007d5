from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "occe.accounts"
    label = "accounts"
    verbose_name = "Comptes et rôles"

    def ready(self):
        from allauth.mfa.signals import authenticator_removed

        from .middleware import forget_mfa

        authenticator_removed.connect(forget_mfa)
