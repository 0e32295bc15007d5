import unicodedata

from django import template

from occe.core import formats
from occe.core.history import display_value

register = template.Library()

register.filter("euros", formats.euros)
register.filter("nombre", formats.number)
register.filter("date_fr", formats.date_fr)
register.filter("en_lettres", formats.euros_in_words)


@register.simple_tag
def ecart(current, previous, unit=""):
    return formats.difference(current, previous, unit)


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs):
    """The current query string with some parameters replaced (sorting, pages)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode() if params else "?"


@register.filter
def de(name) -> str:
    """« de » before a name, elided before a vowel or an h: "d'OCCE 92", "de Nanterre"."""
    name = str(name or "").strip()
    first = unicodedata.normalize("NFD", name[:1]).lower()[:1]
    return f"d'{name}" if first and first in "aeiouyh" else f"de {name}"


@register.simple_tag
def field_value(instance, name: str) -> str:
    """A model field's value as people read it: the label of a choice, a French date, oui/non."""
    field = instance._meta.get_field(name)
    return display_value(field, getattr(instance, name))
