"""PDF rendering with WeasyPrint, sharing one font configuration per process."""

from functools import lru_cache

from django.conf import settings
from django.template.loader import render_to_string


@lru_cache(maxsize=1)
def font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def render_pdf(template_name: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    document = HTML(string=html, base_url=str(settings.BASE_DIR))
    return document.write_pdf(font_config=font_config())
