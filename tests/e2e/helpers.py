"""What several journeys do: log in, build an import file, keep a screenshot."""

import time
from pathlib import Path

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from openpyxl import Workbook
from playwright.sync_api import Page, expect

from cooperatives.models import uai_check_letter
from occe.accounts.mfa import current_code
from tests.accounts.factories import PASSWORD

from .conftest import ARTIFACTS

IMPORT_HEADERS = [
    "Numéro",
    "UAI",
    "Nom",
    "Type",
    "Adresse",
    "Code postal",
    "Commune",
    "Circonscription",
    "Éducation prioritaire",
    "Nom du mandataire",
    "Prénom du mandataire",
    "Courriel du mandataire",
    "Classes",
    "Élèves",
    "Adultes",
]


def uai(digits: str) -> str:
    return digits + uai_check_letter(digits)


def build_import_file(path: Path, rows: list[list]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(IMPORT_HEADERS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def fresh_totp_code(user) -> str:
    """The user's current TOTP code, with time left to submit it.

    allauth accepts only the current 30 s period (no tolerance): a code read in the last
    seconds of a period would expire before the form is submitted.
    """
    if time.time() % 30 > 26:
        time.sleep(30 - time.time() % 30 + 0.2)
    return current_code(user)


def totp_code_for_secret(secret: str) -> str:
    """What an authenticator app set up with `secret` shows now."""
    if time.time() % 30 > 26:
        time.sleep(30 - time.time() % 30 + 0.2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in(page: Page, user, *, totp: bool | None = None) -> None:
    """Log in through allauth's pages; staff answer the two-factor step with a TOTP code."""
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    if totp is None:
        totp = user.requires_mfa
    if totp:
        code = page.locator("input[name=code]")
        expect(code).to_be_visible()
        code.fill(fresh_totp_code(user))
        page.locator("main form button[type=submit]").first.click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path
