"""The report's HTML preview: staff and administrators see in the browser the very HTML the PDF
is printed from, charts inline, from today's data; every other account is refused."""

# ruff: noqa: F811 (the report's `department` fixture, imported, is the tests' argument)

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from occe.reports.data import collect
from occe.reports.generate import render_html
from tests.reports.test_report import affiliate, department, frozen  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def preview_url(annee="2024-2025", document="rapport") -> str:
    return reverse("reports:preview", args=[annee, document])


@pytest.mark.parametrize("role", ["secretariat", "animation", "administrateur"])
def test_staff_and_board_see_the_report_with_its_charts(department, world, login, role):
    page = login(world.users[role]).get(preview_url()).content.decode()
    assert "Rapport d'activité" in page and "Année scolaire 2024-2025" in page
    assert "5 COOPÉRATIVES SCOLAIRES affiliées, SOIT 1\u00a0858 ADHÉRENTS" in page
    assert page.count('<img src="data:image/svg+xml;base64,') == 3  # types, members, months
    assert 'alt="Coopératives affiliées par type, 2024-2025. Maternelles : 2 ;' in page
    assert f'href="{reverse("reports:index")}?annee=2024-2025">Retour' in page


def test_the_browser_may_show_the_inline_charts_and_styles(department, world, login):
    response = login(world.users["secretariat"]).get(preview_url())
    policy = response["Content-Security-Policy"]
    assert "img-src 'self' data:" in policy  # the charts and the logo are data: URIs
    assert "style-src 'self' 'unsafe-inline'" in policy  # the PDF's stylesheet, in the page


def test_the_preview_is_the_pdf_html(department, world, login):
    """The same document as the PDF's, the screen-only link back aside."""
    page = login(world.users["secretariat"]).get(preview_url()).content.decode()
    printed = render_html(collect(department))
    bar_start = page.index('\n<p class="preview-bar">')
    bar_end = page.index("</p>", bar_start) + len("</p>")
    assert page[:bar_start] + page[bar_end:] == printed


@pytest.mark.parametrize("role", ["mandataire", "autre_mandataire", "enseignant"])
def test_other_accounts_are_refused(department, world, login, role):
    client = login(world.users[role])
    assert client.get(preview_url()).status_code == 403
    assert client.get(preview_url("2026-2027", "projet")).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(department, client):
    response = client.get(preview_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_activity_plan_of_next_year(department, world, login):
    page = login(world.users["administrateur"]).get(preview_url("2026-2027", "projet"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Projet d'activité" in text and "Année scolaire 2026-2027" in text
    assert "data:image/svg+xml" not in text  # the plan has no chart
    assert f'href="{reverse("reports:index")}?annee=2025-2026">Retour' in text


@pytest.mark.parametrize(
    ("annee", "document"),
    [
        ("2024-2025", "brouillon"),  # no such document
        ("2026-2027", "rapport"),  # a report of a year not begun
        ("2030-2031", "projet"),  # beyond next year
        ("2024-2026", "rapport"),  # not a school year
    ],
)
def test_unknown_previews_are_404(department, world, login, annee, document):
    client = login(world.users["secretariat"])
    assert client.get(preview_url(annee, document)).status_code == 404


def test_the_report_page_links_both_previews(department, world, login):
    page = login(world.users["animation"]).get(reverse("reports:index") + "?annee=2024-2025")
    text = page.content.decode()
    assert f'href="{preview_url()}"' in text
    assert f'href="{preview_url("2025-2026", "projet")}"' in text


def test_the_preview_takes_as_many_queries_whatever_the_number_of_coops(department, world, login):
    client = login(world.users["secretariat"])
    client.get(preview_url())  # sessions, caches: warmed
    with CaptureQueriesContext(connection) as few:
        client.get(preview_url())
    for _ in range(4):
        affiliate(2024, pupils=30, adults=2, classes=1)
    with CaptureQueriesContext(connection) as more:
        client.get(preview_url())
    assert len(more) == len(few)
