from django.apps import AppConfig


class AssociationConfig(AppConfig):
    name = "occe.association"
    label = "association"
    verbose_name = "Vie associative"
