from django.apps import AppConfig
from django.db.backends.signals import connection_created


class FinancesConfig(AppConfig):
    name = "finances"
    verbose_name = "Finances"

    def ready(self):
        from . import guard

        connection_created.connect(guard.register, dispatch_uid="finances_guard")
