"""The vocabulary of the URL walk (tests/test_access.py), shared by each app's routes.

An app lists its pages in `tests/<app>/routes.py`:

    ROUTES = [Route("prets:catalogue", expect(200, anonyme=LOGIN)), ...]

and, if its pages need objects, a `build(world)` function returning an object whose attributes
the routes name: `{"pk": "prets.reservation.pk"}` reads `build(world).reservation.pk` (built once
per test, on first use). An app with several parts may split its routes into
`tests/<app>/routes_<part>.py` modules; their objects are then `"<part>.obj.pk"`.
"""

import importlib
import pkgutil
from dataclasses import dataclass, field

import tests

ROLES = [
    "anonyme",
    "secretariat",
    "animation",
    "administrateur",
    "mandataire",
    "autre_mandataire",
    "enseignant",
]
LOGIN = 302  # anonymous visitors are sent to the login page


def expect(default=403, anonyme=LOGIN, **roles) -> dict:
    statuses = dict.fromkeys(ROLES, default)
    statuses["anonyme"] = anonyme
    statuses.update(roles)
    return statuses


EVERYONE = expect(200)
STAFF_AND_BOARD = expect(secretariat=200, animation=200, administrateur=200)
SECRETARIAT = expect(secretariat=200)
STAFF = expect(secretariat=200, animation=200)
# Pages about one cooperative: its own mandataire may read, another one gets a 404.
COOP_READ = expect(
    secretariat=200, animation=200, administrateur=200, mandataire=200, autre_mandataire=404
)
# Changing one cooperative: secretariat only; readers get 403, outsiders 404.
COOP_WRITE = expect(
    secretariat=200, animation=403, administrateur=403, mandataire=403, autre_mandataire=404
)


@dataclass
class Route:
    name: str
    statuses: dict
    kwargs: dict = field(default_factory=dict)
    method: str = "get"
    data: dict = field(default_factory=dict)


def as_post(statuses: dict, ok=302) -> dict:
    """The statuses of a POST that redirects on success."""
    return {role: ok if status == 200 else status for role, status in statuses.items()}


def routes_modules() -> dict[str, object]:
    """{name: module} of every `tests/<app>/routes.py` (named <app>) and
    `tests/<app>/routes_<part>.py` (named <part>)."""
    modules = {}
    for package in pkgutil.iter_modules(tests.__path__):
        if not package.ispkg:
            continue
        path = [f"{tests.__path__[0]}/{package.name}"]
        for module in pkgutil.iter_modules(path):
            if module.name == "routes":
                modules[package.name] = f"tests.{package.name}.routes"
            elif module.name.startswith("routes_"):
                modules[module.name.removeprefix("routes_")] = f"tests.{package.name}.{module.name}"
    return {name: importlib.import_module(dotted) for name, dotted in sorted(modules.items())}
