"""Excel exports of loans and sales, as (headers, rows) with real numbers.

TODO(lead): becomes an exporter class once the shared exporters are merged.
"""

from decimal import Decimal

from occe.core.indicators import registry
from occe.core.models import SchoolYear

from .models import Product, ResourceKind

HEADERS = ["Indicateur", "Libellé", "Valeur"]


def figures(year: SchoolYear) -> tuple[list[str], list[tuple[str, str, int | Decimal | None]]]:
    """The app's report figures for the year, one row per key as in the report's
    `Indicateurs` sheet, the item (type of resource, product) named in the label."""
    names = {**dict(ResourceKind.choices), **dict(Product.objects.values_list("slug", "name"))}
    rows = []
    for key, definition in sorted(registry().items()):
        if not key.startswith(("prets.", "ventes.")):
            continue
        before, _, after = key.partition("*")
        for item_key, value in sorted(definition.compute(year).items()):
            label = definition.label
            if definition.is_family:
                slug = item_key.removeprefix(before).removesuffix(after)
                label = f"{label} : {names.get(slug, slug)}"
            rows.append((item_key, label, value))
    return HEADERS, rows
