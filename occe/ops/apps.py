from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the site: backups and restore, health, request logs, the worker's heartbeat.

    On the floor of the project beside occe.core: it knows no feature app (tables are counted
    through the app registry).
    """

    name = "occe.ops"
    label = "ops"
    verbose_name = "Exploitation"
