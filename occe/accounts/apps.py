from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "occe.accounts"
    label = "accounts"
    verbose_name = "Comptes et rôles"
