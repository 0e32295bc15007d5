from django import template

from occe.core import formats

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
