"""The resources of the activity plan (projet d'activité): what the association lends (per kind
of resource, the catalogue's titles and copies) and sells (the products on sale). Two queries."""

from django.db.models import Count, Q

from occe.core.indicators import Unit
from occe.core.listings import Column, Entry, listing
from occe.core.models import SchoolYear

from .models import Product, Resource, ResourceKind

MAX_TITLES = 6
LOANS = "Prêt gratuit"
SALES = "Vente"


@listing(
    "plan.ressources",
    "Ressources prêtées et vendues",
    section="projet_accompagnement",
    columns=(
        Column("ressources", "Ressources", Unit.COUNT, "{} ressource", "{} ressources"),
        Column("exemplaires", "Exemplaires", Unit.COUNT, "{} exemplaire", "{} exemplaires"),
        Column("duree_max", "Prêt jusqu'à (jours)", Unit.COUNT, "prêt jusqu'à {} jours"),
        Column("prix", "Prix unitaire", Unit.AMOUNT, "{} l'unité"),
    ),
)
def offered_resources(year: SchoolYear) -> list[Entry]:
    """The catalogue (not dated: what is on it now) and the products on sale."""
    resources = (
        Resource.objects.filter(on_catalogue=True)
        .annotate(n_copies=Count("copies"))
        .order_by("kind", "title")
    )
    by_kind: dict[str, list] = {}
    for resource in resources:
        by_kind.setdefault(resource.kind, []).append(resource)
    entries = [_kind_entry(kind, listed) for kind, listed in by_kind.items()]
    products = Product.objects.filter(active=True).filter(
        Q(orders_close_on__isnull=True) | Q(orders_close_on__gte=year.start_date)
    )
    entries += [
        Entry(title=product.name, group=SALES, values={"prix": product.price})
        for product in products.order_by("name")
    ]
    return entries


def _kind_entry(kind: str, resources: list) -> Entry:
    titles = [r.title for r in resources[:MAX_TITLES] if r.title != ResourceKind(kind).label]
    if len(resources) > MAX_TITLES:
        titles.append("…")
    return Entry(
        title=ResourceKind(kind).label,
        group=LOANS,
        values={
            "ressources": len(resources),
            "exemplaires": sum(r.n_copies for r in resources),
            "duree_max": max(r.max_loan_days for r in resources),
        },
        details=", ".join(titles),
    )
