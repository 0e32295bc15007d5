"""The report's charts: horizontal bar charts drawn as SVG, embedded as images with an alt text.

Drawn by hand rather than with matplotlib: a bar chart is forty lines of SVG, and the report
then needs no plotting library (and its native dependencies) on the workers; WeasyPrint renders
the vectors sharply at any zoom.
"""

import base64
from dataclasses import dataclass
from xml.sax.saxutils import escape

from occe.core import formats

BAR_HEIGHT, GAP, LABEL_WIDTH, BAR_AREA, VALUE_WIDTH = 18, 6, 190, 280, 90
COLOR = "#1f5c99"


@dataclass
class Chart:
    title: str
    svg: str
    alt: str

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def bar_chart(title: str, items: list[tuple[str, object]], unit: str = "") -> Chart | None:
    """One bar per (label, value); None when no item has a value (no chart for no data)."""
    items = [(label, value) for label, value in items if value is not None]
    if not items or not any(float(value) for _, value in items):
        return None
    top = max(float(value) for _, value in items) or 1
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    height = len(items) * (BAR_HEIGHT + GAP) + GAP
    shown = [_shown(value, unit) for _, value in items]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="DejaVu Sans, sans-serif" '
        'font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    for index, ((label, value), text) in enumerate(zip(items, shown, strict=True)):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = max(1.0, BAR_AREA * float(value) / top) if float(value) else 0
        middle = y + BAR_HEIGHT * 0.7
        parts += [
            f'<text x="{LABEL_WIDTH - 6}" y="{middle:.1f}" text-anchor="end">'
            f"{escape(_short(label))}</text>",
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{COLOR}"/>',
            f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{middle:.1f}">{escape(text)}</text>',
        ]
    parts.append("</svg>")
    alt = f"{title} : " + " ; ".join(
        f"{label} {text}" for (label, _), text in zip(items, shown, strict=True)
    )
    return Chart(title, "".join(parts), alt)


def _shown(value, unit: str) -> str:
    if unit == "€":
        return formats.euros(value)
    text = formats.number(value, 0 if float(value) == int(float(value)) else 2)
    return f"{text} {unit}".strip()


def _short(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
