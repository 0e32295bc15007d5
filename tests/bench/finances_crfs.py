"""`make bench` rows for the CRFS: the flags page and the figures page of the demo's year
(median server time and query count), beside the minimal view of tests/bench/cooperatives.py.
Called from tests/bench/finances.py before the receipts."""

from django.test import Client
from django.test.utils import override_settings

from cooperatives.models import Cooperative
from finances.demo_crfs import populate
from finances.models import Crfs
from occe.accounts.mfa import activate_totp, force_login
from occe.accounts.models import Role, User
from occe.core.demo_apps import DemoContext
from occe.core.models import SchoolYear

from . import cooperatives as base

BENCH_EMAIL = "bench-administrateur@occe92.test"


def run(report) -> None:
    user = User.objects.filter(email=BENCH_EMAIL).first() or User.objects.create_user(
        BENCH_EMAIL, role=Role.ADMINISTRATEUR
    )
    activate_totp(user)
    client = Client()
    force_login(client, user)
    year = SchoolYear.objects.current().previous()
    if not Crfs.objects.exists():
        # The bench generates the department alone: add the CRFS demo at its scale.
        populate(DemoContext(seed=1, coops=Cooperative.objects.count()))
    received = Crfs.objects.of_year(year).received().count()
    pages = [
        ("Signalements des CRFS", f"/finances/controles/signalements/?annee={year.label}"),
        ("Chiffres des CRFS", f"/finances/crfs/chiffres/?annee={year.label}"),
        ("Liste des CRFS (secrétariat, 50 par page)", f"/finances/crfs/?annee={year.label}"),
    ]
    with override_settings(
        ROOT_URLCONF=base.__name__, DEBUG=False, ALLOWED_HOSTS=["testserver", "localhost"]
    ):
        base_ms, base_queries = base._timed_gets(client, "/bench/minimal/")
        for label, url in pages:
            page_ms, page_queries = base._timed_gets(client, url)
            report(
                f"{label} ({received} CRFS reçus, médiane de {base.LIST_REQUESTS})",
                f"{page_ms:.1f} ms, {page_queries} requêtes SQL",
                f"vue minimale : {base_ms:.1f} ms, {base_queries} requêtes SQL",
            )
