from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "occe.core"
    label = "core"
    verbose_name = "Association"

    def ready(self):
        # Each app declares its kinds of job and its importers in its `jobs` or `tasks`
        # module; importing them registers them (the worker must know every kind by name).
        autodiscover_modules("jobs", "tasks")
