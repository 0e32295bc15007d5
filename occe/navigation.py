"""The navigation and the home page's cards, contributed by each app.

Project level (like NetBox's `netbox/navigation/menu.py`): this module knows every app, the apps
know nothing of each other. An app contributes by defining, in `<app>/navigation.py`:

- `MENU`: a list of `MenuItem`, each with the role predicate that shows it;
- optionally `home_cards(request) -> list[HomeCard]`: the counts of work waiting for this user,
  each a link to the list it counts (one definition of the count, shared with that list);
- optionally `home_context(request) -> dict`: what the home page (templates/home.html) shows
  beyond the cards, such as a mandataire's cooperatives;
- optionally `coop_sections(request, coop) -> list[CoopSection]`: sections of a coop's page
  (cooperatives:detail) that belong to another app, such as finances' reports and controls.
  Each is rendered by its own template, included by templates/cooperatives/detail.html; the
  contributing app checks the user's rights (its `visible_to` querysets) and returns nothing
  the user may not read.

Menu items are grouped (one dropdown per group in the header); a group with a single visible item
is a plain link.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module

from django.apps import apps
from django.urls import reverse

from occe.accounts import rules


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    visible: Callable = rules.is_authenticated
    group: str = ""
    order: int = 100
    # A label that depends on the user ("Ma coopérative" for a mandataire), if any.
    label_for: Callable | None = None


@dataclass
class HomeCard:
    label: str
    value: int | str
    url: str
    section: str = ""
    hint: str = ""
    order: int = 100


@dataclass
class CoopSection:
    """A section of a coop's page contributed by another app: its template, included with
    `section` (this object) in its context, and what it shows."""

    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


@dataclass
class MenuGroup:
    label: str
    items: list = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any(item["active"] for item in self.items)


# Project-level entries; the apps' entries come from their navigation modules.
MENU = [
    MenuItem("Accueil", "home", order=0),
    MenuItem("Utilisateurs", "accounts:list", rules.is_secretariat, group="Association", order=90),
    MenuItem("Paramètres", "core:association", rules.sees_everything, "Association", order=95),
]

GROUP_ORDER = [
    "",
    "Coopératives",
    "Finances",
    "Formations",
    "Actions",
    "Prêts et ventes",
    "Association",
]


@cache
def navigation_modules() -> list:
    """`<app>.navigation` of every installed app that has one, in INSTALLED_APPS order."""
    modules = []
    for config in apps.get_app_configs():
        if config.name == "occe":
            continue
        try:
            modules.append(import_module(f"{config.name}.navigation"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.navigation":
                raise
    return modules


def menu_items(user) -> list[MenuItem]:
    items = [*MENU]
    for module in navigation_modules():
        items.extend(getattr(module, "MENU", []))
    return sorted(
        (item for item in items if item.visible(user)),
        key=lambda item: (_group_rank(item.group), item.order),
    )


def _group_rank(group: str) -> int:
    return GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER)


def home_cards(request) -> list[HomeCard]:
    cards = []
    for module in navigation_modules():
        contribute = getattr(module, "home_cards", None)
        if contribute is not None:
            cards.extend(contribute(request))
    return sorted(cards, key=lambda card: card.order)


def home_context(request) -> dict:
    context = {}
    for module in navigation_modules():
        contribute = getattr(module, "home_context", None)
        if contribute is not None:
            context.update(contribute(request))
    return context


def coop_sections(request, coop) -> list[CoopSection]:
    sections = []
    for module in navigation_modules():
        contribute = getattr(module, "coop_sections", None)
        if contribute is not None:
            sections.extend(contribute(request, coop))
    return sorted(sections, key=lambda section: section.order)


def navigation(request) -> dict:
    """Context processor: the menu of what the user's role may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_groups": []}
    path = request.path
    flat, groups = [], {}
    for item in menu_items(user):
        url = reverse(item.url_name)
        label = item.label_for(user) if item.label_for else item.label
        entry = {"label": label, "url": url, "active": url != "/" and path.startswith(url)}
        flat.append(entry)
        groups.setdefault(item.group, MenuGroup(item.group)).items.append(entry)
    nav_groups = []
    for group in groups.values():
        if group.label and len(group.items) > 1:
            nav_groups.append(group)
        else:
            nav_groups.extend(MenuGroup("", [entry]) for entry in group.items)
    return {"nav_items": flat, "nav_groups": nav_groups}
