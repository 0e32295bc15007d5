"""Demo data of the finances app (`manage.py demo_data`): each part adds its own."""

from occe.core.demo_apps import DemoContext

from . import demo_crfs


def populate(context: DemoContext) -> list[str]:
    lines = []
    for part in (demo_crfs,):
        result = part.populate(context)
        lines.extend([result] if isinstance(result, str) else result)
    return lines
