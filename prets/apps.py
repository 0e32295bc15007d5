from django.apps import AppConfig


class PretsConfig(AppConfig):
    name = "prets"
    verbose_name = "Prêts et ventes"
