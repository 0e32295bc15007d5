from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "occe.core"
    label = "core"
    verbose_name = "Association"
