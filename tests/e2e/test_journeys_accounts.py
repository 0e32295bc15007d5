"""Account journeys in the browser (issue 6): the admin behind the second factor, a forgotten
password from the e-mail to the home page, the French error page, the Content-Security-Policy."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.accounts.factories import PASSWORD, UserFactory

from .helpers import fresh_totp_code, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_admin_asks_for_the_code(page: Page):
    superuser = UserFactory(is_superuser=True, is_staff=True, email="root@exemple.fr")
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.locator("input[name=login]").fill(superuser.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    code = page.locator("input[name=code]")
    expect(code).to_be_visible()
    code.fill(fresh_totp_code(superuser))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_a_forgotten_password_from_the_email_to_the_home_page(page: Page):
    user = UserFactory(mandataire=True, email="claire@exemple.fr")
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.locator("input[name=email]").fill(user.email)
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.get_by_role("heading", name="Consultez votre messagerie")).to_be_visible()

    link = re.search(r"http://\S+", mail.outbox[-1].body).group(0)
    page.goto(re.sub(r"^http://[^/]+", "", link))
    page.locator("input[name=password1]").fill("Un-Tres-Bon-Mot-2-Passe")
    page.locator("input[name=password2]").fill("Un-Tres-Bon-Mot-2-Passe")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("heading", name="Mot de passe enregistré")).to_be_visible()
    screenshot(page, "parcours-mot-de-passe-enregistre")

    page.get_by_role("link", name="Se connecter").click()
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill("Un-Tres-Bon-Mot-2-Passe")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def test_a_missing_page_is_french_in_the_site_layout(page: Page):
    log_in(page, UserFactory(mandataire=True))
    response = page.goto("/cette-page-n-existe-pas/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page introuvable")).to_be_visible()
    expect(page.get_by_role("link", name="Retour à l'accueil")).to_be_visible()
    expect(page.get_by_text("URLconf")).to_have_count(0)
    # The site's favicon, as on every page.
    assert page.request.get("/favicon.ico").ok


def test_an_inline_script_is_refused_and_reported(page: Page, csp_violations):
    page.goto("/accounts/login/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injecte = true'; document.body.append(s); }"
    )
    expect(page.locator("body")).to_be_visible()
    assert page.evaluate("() => window.injecte") is None
    assert any("inline script" in violation for violation in csp_violations)
    csp_violations.clear()  # seen: the fixture would fail the test otherwise
