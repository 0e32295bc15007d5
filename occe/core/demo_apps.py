"""Demo data contributed by each app (`manage.py demo_data`).

After the department itself (association, accounts, cooperatives, affiliations), every installed
app that has a `demo` module with a `populate(context)` function adds its part, in
INSTALLED_APPS order (an app comes after the apps it depends on). `populate` returns a line or
two describing what it created, printed by the command.
"""

import random
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
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
    modules = []
    for config in apps.get_app_configs():
        if config.name == "occe.core":
            continue  # the department itself, generated first by occe.core.demo
        try:
            module = import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        if hasattr(module, "populate"):
            modules.append(module)
    return modules


def populate_apps(context: DemoContext) -> list[str]:
    lines = []
    for module in demo_modules():
        with transaction.atomic():
            result = module.populate(context)
        if result:
            lines.extend([result] if isinstance(result, str) else result)
    return lines
