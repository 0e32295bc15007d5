from django import template

from occe.core.models import Association

register = template.Library()


@register.simple_tag
def association() -> Association:
    """The association, for the account pages that speak in its name (read only there, so
    that other pages keep their query counts)."""
    return Association.get()
