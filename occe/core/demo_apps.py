"""Demo data contributed by each app (`manage.py demo_data`).

Every installed app that has a `demo` module with a `populate(context)` function adds its part:
occe.core first (the association and one account per role), then cooperatives (the department:
coops, mandataires, affiliations), then the others. The order is INSTALLED_APPS order, except that
a module listing apps in `DEPENDS_ON` runs after them. `populate` returns a line or a list of
lines describing what it created, printed by the command; an optional `is_populated()` tells
whether the app's data are already there (`demo_data` then refuses to add a department).
"""

import random
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction


@dataclass
class DemoContext:
    seed: int
    coops: int  # number of cooperatives of the department
    reference_coops: int = 625  # the seed report's department (OCCE 92)

    @property
    def ratio(self) -> float:
        """1.0 for a department the size of the seed report's, 10.0 for the large scale."""
        return self.coops / self.reference_coops

    def rng(self, app_label: str) -> random.Random:
        """A generator of its own per app: adding an app never changes another app's data."""
        return random.Random(f"{self.seed}-{app_label}")

    def scaled(self, count: int, minimum: int = 0) -> int:
        return max(minimum, round(count * self.ratio))


def demo_modules() -> list:
    """The apps' demo modules, each after the apps it depends on."""
    modules = {}
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        if hasattr(module, "populate"):
            modules[config.name] = module
    # Each time, the first module in INSTALLED_APPS order whose dependencies have all run.
    ordered, pending = [], list(modules)
    while pending:
        for name in pending:
            if set(getattr(modules[name], "DEPENDS_ON", ())) & set(modules) <= set(ordered):
                ordered.append(name)
                pending.remove(name)
                break
        else:
            raise ImproperlyConfigured(f"Dépendances circulaires entre les démos : {pending}")
    return [modules[name] for name in ordered]


def populated_apps() -> list[str]:
    """The apps whose demo data (or real data) are already in the database."""
    return [
        module.__name__.removesuffix(".demo")
        for module in demo_modules()
        if getattr(module, "is_populated", None) and module.is_populated()
    ]


def populate_apps(context: DemoContext) -> list[str]:
    lines = []
    for module in demo_modules():
        with transaction.atomic():
            result = module.populate(context)
        if result:
            lines.extend([result] if isinstance(result, str) else result)
    return lines
