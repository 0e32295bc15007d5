"""Every role's pages on a phone (390 px wide) and under axe-core.

Each role logs in, then opens every page of its menu at 390 px: nothing is wider than the
screen, and axe-core (the npm package, injected by Playwright) finds no serious or critical
accessibility violation. The menu and the filters fold away; the mandataire's "Télécharger"
link is on the screen.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Page, expect

from finances.services import validate
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import AffiliationFactory, CooperativeFactory, MandateFactory
from tests.finances.conftest import association  # noqa: F401 - the issuing association
from tests.finances.factories import submitted_request

from .helpers import log_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("association"),
]

PHONE = {"width": 390, "height": 844}
AXE = Path(
    os.environ.get(
        "AXE_CORE_PATH", settings.BASE_DIR / ".venv/axe/node_modules/axe-core/axe.min.js"
    )
)


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core manque ({AXE}) : `make test` l'installe depuis le registre npm.")
    return AXE.read_text()


def violations(page: Page, axe_source: str) -> list[str]:
    """axe-core's serious and critical violations of the page (WCAG 2.1 A and AA)."""
    # Evaluated through the DevTools protocol: the page's Content-Security-Policy, which forbids
    # inline scripts, does not apply (an injected <script> would be refused).
    page.evaluate(axe_source)
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            });
            return result.violations
                .filter((v) => ["serious", "critical"].includes(v.impact))
                .map((v) => `${v.id} (${v.impact}) : ${v.nodes.map((n) => n.target).join(", ")}`);
        }"""
    )
    return found


def menu_paths(page: Page) -> list[str]:
    links = page.locator("#site-menu nav a")
    paths = {href for href in links.evaluate_all("(as) => as.map((a) => a.getAttribute('href'))")}
    return sorted(paths - {"/"}) + ["/"]


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture
def department():
    """A coop with its mandataire and a validated donation request, and a few coops more."""
    coop = CooperativeFactory(name="École élémentaire Jules Ferry de Rueil-Malmaison")
    mandataire = UserFactory(mandataire=True)
    MandateFactory(cooperative=coop, user=mandataire)
    AffiliationFactory(cooperative=coop)
    for _ in range(4):
        AffiliationFactory(cooperative=CooperativeFactory())
    donation_request = submitted_request(lines=3, cooperative=coop)
    validate(donation_request.pk, UserFactory(secretariat=True, totp=False))
    return {"coop": coop, "mandataire": mandataire, "request": donation_request}


ROLES = {
    "secretariat": {"secretariat": True},
    "animation": {"animation": True},
    "administrateur": {"administrateur": True},
    "president": {"signataire": True},  # the login audit is theirs alone
    "mandataire": None,  # the department's own
    "enseignant": {},
}


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_the_menu_fits_a_phone_and_passes_axe(role, new_page, department, axe_source):
    user = department["mandataire"] if ROLES[role] is None else UserFactory(**ROLES[role])
    page = new_page()
    log_in(page, user)
    page.set_viewport_size(PHONE)
    problems = []
    for path in menu_paths(page):
        page.goto(path)
        expect(page.locator("main h1").first).to_be_visible()
        if (extra := overflow(page)) > 0:
            problems.append(f"{path} : {extra} px plus large que l'écran")
        problems += [f"{path} : {v}" for v in violations(page, axe_source)]
    assert not problems, "\n".join(problems)


def test_on_a_phone_the_menu_and_filters_fold_and_tables_become_cards(
    new_page, department, axe_source
):
    secretary = UserFactory(secretariat=True)
    page = new_page()
    log_in(page, secretary)
    page.set_viewport_size(PHONE)
    page.goto("/cooperatives/")

    # The menu is behind its button: the header is one line, the list on the first screen.
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Navigation principale")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    assert page.locator(".site-header").bounding_box()["height"] < 70
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    menu.click()

    # The filters are folded under a summary; opening it shows them.
    search = page.get_by_label("Recherche", exact=False).first
    expect(search).to_be_hidden()
    page.locator("summary", has_text="Filtres").click()
    expect(search).to_be_visible()

    # Each row of the list is a card whose values carry their column's heading.
    first_row = page.locator("main table tbody tr").first
    expect(first_row).to_be_visible()
    assert first_row.locator("td[data-label]").count() >= 2
    assert overflow(page) <= 0

    # On a wide screen again, everything is unfolded.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(nav).to_be_visible()
    expect(menu).to_be_hidden()


def test_the_mandataire_downloads_a_receipt_on_a_phone(new_page, department):
    page = new_page()
    log_in(page, department["mandataire"])
    page.set_viewport_size(PHONE)
    page.goto(reverse("finances:request_detail", args=[department["request"].pk]))

    download = page.get_by_role("link", name="Télécharger", exact=True).first
    expect(download).to_be_visible()
    box = download.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename.endswith(".pdf")
