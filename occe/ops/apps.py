from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the site: backups and restore, health, request logs, the worker's heartbeat;
    personal data (retention rules, one person's export and anonymisation, the login audit).

    On the floor of the project beside occe.core: it knows no feature app (tables are counted
    through the app registry, retention rules are declared by each app's retention.py).
    """

    name = "occe.ops"
    label = "ops"
    verbose_name = "Exploitation"

    def ready(self):
        from . import audit, privacy  # noqa: F401  (the login audit, the export job kind)

        audit.connect()
