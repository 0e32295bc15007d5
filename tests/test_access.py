"""Every URL of the project, with every role: the status each one gets.

To add a page, add a Route to `tests/<app>/routes.py` (see tests/access.py);
`test_every_url_has_a_route` fails until you do.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access import (
    COOP_READ,
    COOP_WRITE,
    EVERYONE,
    LOGIN,
    ROLES,
    SECRETARIAT,
    STAFF_AND_BOARD,
    Route,
    expect,
    routes_modules,
)
from tests.access import as_post as _post

ROUTES = [
    Route("home", EVERYONE),
    Route("core:association", STAFF_AND_BOARD),
    Route(
        "core:association_file",
        expect(403, secretariat=404, animation=404, administrateur=404),
        {"field": "=logo"},
    ),
    Route("core:outbox", expect(403)),  # superusers only (tests/accounts/test_security.py)
    Route("accounts:list", SECRETARIAT),
    Route("accounts:invite", SECRETARIAT),
    Route("accounts:edit", SECRETARIAT, {"pk": "users.enseignant.pk"}),
    Route("accounts:reinvite", _post(SECRETARIAT), {"pk": "users.enseignant.pk"}, "post"),
    Route("cooperatives:list", expect(200, enseignant=403)),
    Route("cooperatives:create", SECRETARIAT),
    Route("cooperatives:export", STAFF_AND_BOARD),
    Route("cooperatives:import", SECRETARIAT),
    Route("cooperatives:import_template", SECRETARIAT),
    Route("cooperatives:import_preview", expect(403, secretariat=404), {"batch_pk": "own_coop.pk"}),
    Route("cooperatives:campaign", STAFF_AND_BOARD),
    Route("cooperatives:campaign_remind", _post(SECRETARIAT), {}, "post", {"annee": "year.label"}),
    Route("cooperatives:detail", COOP_READ, {"pk": "own_coop.pk"}),
    Route("cooperatives:edit", COOP_WRITE, {"pk": "own_coop.pk"}),
    Route("cooperatives:strike_off", COOP_WRITE, {"pk": "own_coop.pk"}),
    Route("cooperatives:reinstate", _post(COOP_WRITE), {"pk": "own_coop.pk"}, "post"),
    Route("cooperatives:mandate_create", COOP_WRITE, {"pk": "own_coop.pk"}),
    Route(
        "cooperatives:mandate_end",
        COOP_WRITE,
        {"pk": "own_coop.pk", "mandate_pk": "own_mandate.pk"},
    ),
    Route(
        "cooperatives:accompaniment_create",
        _post(expect(secretariat=200, animation=200)),
        {"pk": "own_coop.pk"},
        "post",
    ),
    Route("cooperatives:affiliation", COOP_READ, {"pk": "own_coop.pk", "year": "year.label"}),
    Route(
        "cooperatives:affiliation_submit",
        _post(expect(mandataire=200, autre_mandataire=404)),
        {"pk": "own_coop.pk", "year": "year.label"},
        "post",
    ),
    Route(
        "cooperatives:affiliation_validate",
        _post(COOP_WRITE),
        {"pk": "own_coop.pk", "year": "year.label"},
        "post",
    ),
    Route(
        "cooperatives:affiliation_reopen",
        _post(COOP_WRITE),
        {"pk": "own_coop.pk", "year": "year.label"},
        "post",
    ),
    Route("cooperatives:attestation", COOP_READ, {"pk": "own_coop.pk", "year": "year.label"}),
]

# Third-party pages: allauth's account pages and the Django admin have their own access rules.
THIRD_PARTY_NAMESPACES = {"admin"}
THIRD_PARTY_PREFIXES = ("account_", "mfa_")


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            inner = f"{namespace}{ns}:" if ns else namespace
            if ns in THIRD_PARTY_NAMESPACES:
                continue
            yield from _named_patterns(pattern, inner)
        elif (
            isinstance(pattern, URLPattern)
            and pattern.name
            and not pattern.name.startswith(THIRD_PARTY_PREFIXES)
        ):
            yield f"{namespace}{pattern.name}"


def app_routes() -> list[Route]:
    """The ROUTES of every `tests/<app>/routes.py` and `tests/<app>/routes_<part>.py`."""
    return [route for module in routes_modules().values() for route in module.ROUTES]


def test_every_url_has_a_route():
    covered = {route.name for route in ROUTES}
    missing = sorted(set(_named_patterns()) - covered)
    assert not missing, f"Pages sans ligne dans ROUTES : {missing}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_access(route, role, world, client):
    if role != "anonyme":
        client.force_login(world.users[role])
    url = reverse(route.name, kwargs={k: world.resolve(v) for k, v in route.kwargs.items()})
    data = {k: world.resolve(v) for k, v in route.data.items()}
    response = getattr(client, route.method)(url, data)
    assert response.status_code == route.statuses[role], (
        f"{route.method.upper()} {url} en tant que {role}"
    )
    if role == "anonyme" and route.statuses[role] == LOGIN:
        assert response["Location"].startswith(reverse("account_login"))
    if role != "anonyme":  # personal data, PDFs and exports: kept by no browser or proxy cache
        assert "no-store" in response["Cache-Control"], f"{url} en tant que {role}"


@pytest.mark.parametrize("name", ["account_login", "account_reset_password"])
def test_public_pages(name, client, db):
    assert client.get(reverse(name)).status_code == 200


def test_signup_is_closed(client, db):
    from occe.accounts.models import User

    data = {"email": "intrus@exemple.fr", "password1": "Un-mot-de-passe-solide-42"}
    client.post(reverse("account_signup"), data)
    assert not User.objects.filter(email="intrus@exemple.fr").exists()


def test_admin_needs_superuser(world, client):
    client.force_login(world.users["secretariat"])
    assert client.get("/admin/").status_code == 302


# Donation receipts, on the World's own coop: its mandataire and the staff read, the
# secretariat decides, the board reads only, the other coop's mandataire gets a 404.
RECEIPT_READERS = expect(
    200, enseignant=403, autre_mandataire=404
)  # secretariat, animation, administrateur, mandataire
RECEIPT_EDITORS = expect(secretariat=200, mandataire=200, autre_mandataire=404)
RECEIPT_DECIDERS = expect(secretariat=200, autre_mandataire=404)
DRAFT = {"pk": "finance.draft_request.pk"}
SUBMITTED = {"pk": "finance.submitted_request.pk"}
VALIDATED = {"pk": "finance.validated_request.pk"}
RECEIPT = {"pk": "finance.receipt.pk"}
ROUTES += [
    Route("finances:request_list", expect(200, enseignant=403)),
    Route(
        "finances:request_create",
        expect(secretariat=200, mandataire=200, autre_mandataire=200),
    ),
    Route("finances:import_template", expect(200, enseignant=403)),
    Route("finances:request_detail", RECEIPT_READERS, VALIDATED),
    Route("finances:request_edit", RECEIPT_EDITORS, DRAFT),
    Route("finances:request_progress", RECEIPT_READERS, VALIDATED),
    Route("finances:request_zip", RECEIPT_READERS, VALIDATED),
    Route("finances:request_import", _post(RECEIPT_EDITORS), DRAFT, "post"),
    Route("finances:request_delete", RECEIPT_EDITORS, DRAFT),
    Route("finances:request_delete", _post(RECEIPT_EDITORS), DRAFT, "post"),
    Route("finances:request_validate", _post(RECEIPT_DECIDERS), SUBMITTED, "post"),
    Route("finances:request_send_back", _post(RECEIPT_DECIDERS), SUBMITTED, "post"),
    Route("finances:request_reject", _post(RECEIPT_DECIDERS), SUBMITTED, "post"),
    Route("finances:receipt_pdf", RECEIPT_READERS, RECEIPT),
    Route("finances:receipt_cancel", _post(RECEIPT_DECIDERS), RECEIPT, "post"),
    Route("finances:receipt_email_retry", _post(RECEIPT_DECIDERS), RECEIPT, "post"),
    Route("finances:registers", STAFF_AND_BOARD),
    Route("finances:registers_export", STAFF_AND_BOARD),
    Route("finances:trousse_upload", SECRETARIAT),
    Route("finances:trousse_mapping", SECRETARIAT, {"pk": "finance.trousse_import.pk"}),
]

# Cooperatives: payments of the fee (the World's own affiliation is validated) and the
# reminder's preview. Recording and cancelling payments is the secretariat's.
OWN_AFFILIATION = {"pk": "own_coop.pk", "year": "year.label"}
ROUTES += [
    Route(
        "cooperatives:payment_create",
        _post(COOP_WRITE),
        OWN_AFFILIATION,
        "post",
        {"date": "year.start_date", "method": "=cheque", "amount": "=10,00"},
    ),
    Route(
        "cooperatives:payment_cancel",
        COOP_WRITE,
        {**OWN_AFFILIATION, "payment_pk": "own_payment.pk"},
    ),
    Route("cooperatives:campaign_remind_preview", SECRETARIAT),
]


# Background jobs (occe.core.jobs): everyone has "Mes travaux"; a job is seen by who started it
# and by the secretariat, others get a 404.
JOB = {"pk": "job.pk"}
JOB_READERS = expect(404, secretariat=200)
ROUTES += [
    Route("core:jobs", EVERYONE),
    Route("core:job_progress", JOB_READERS, JOB),
    Route("core:job_retry", _post(JOB_READERS), JOB, "post"),
    Route("core:job_file", JOB_READERS, JOB),
]

ROUTES += app_routes()
