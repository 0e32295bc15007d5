"""Demo data of the finances app (`manage.py demo_data`), one module per part of the domain."""

from occe.core.demo_apps import DemoContext


def populate(context: DemoContext) -> list[str]:
    from .demo_grants import populate as grants

    return [grants(context)]
