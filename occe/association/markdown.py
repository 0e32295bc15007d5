"""Newsletters are written in Markdown (Python-Markdown) and shown as HTML cleaned by nh3.

The HTML keeps a short list of tags; links go to http(s) or mailto only; images only from the
newsletters' own image route (no tracking pixel or outside picture in a mail to 600 schools).
For e-mails, relative addresses become absolute (SITE_URL).
"""

import re

import markdown as markdown_lib
import nh3
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

TAGS = {
    "p", "br", "hr", "strong", "em", "a", "ul", "ol", "li", "h2", "h3", "h4", "blockquote",
    "img", "table", "thead", "tbody", "tr", "th", "td", "code", "pre",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}
IMAGE_MARKDOWN = re.compile(r"!\[([^\]]*)\]\([^)]*\)")


def _image_prefix() -> str:
    return reverse("association:newsletter_image", args=["x"])[: -len("x/")]


def to_html(text: str, absolute: bool = False) -> SafeString:
    html = markdown_lib.markdown(text or "", extensions=["extra", "sane_lists"])
    prefix = _image_prefix()

    def keep(element: str, attribute: str, value: str) -> str | None:
        if element == "img" and attribute == "src" and not value.startswith(prefix):
            return None
        if absolute and attribute in {"src", "href"} and value.startswith("/"):
            return settings.SITE_URL + value
        return value

    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        attribute_filter=keep,
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above


def to_text(text: str) -> str:
    """The plain-text part: the Markdown itself (made to be read as text), images named."""
    return IMAGE_MARKDOWN.sub(lambda m: f"[Image : {m.group(1) or 'sans description'}]", text or "")
