from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "occe.reports"
    label = "reports"
    verbose_name = "Rapport d'activité"
