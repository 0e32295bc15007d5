"""Actions' figures for `manage.py bench`, each beside a baseline measured the same way.

- the selection proposal of an edition with 2 000 class registrations (half of them in coops
  that already had an intervention, some teachers already served), against a plain query of
  the same rows with the same joins;
- the edition page (registrations list, 50 a page): its query count with 2 000 registrations,
  beside the same page with 20;
- the staff's list of registrations filtered by edition and cycle (50 a page): its query count
  and median time with 2 000 registrations, beside the same list with 20.

The data are made inside a transaction rolled back at the end.
"""

import datetime
import statistics
import time

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from actions import selection
from actions.models import Action, ClassRegistration, Edition, Intervenant, Intervention
from cooperatives.models import Cooperative
from occe.accounts.mfa import activate_totp, force_login
from occe.accounts.models import Role, User
from occe.core.models import SchoolYear

REGISTRATIONS = 2000
RUNS = 5
N = f"{REGISTRATIONS:,}".replace(",", "\u202f")


class _Rollback(Exception):
    pass


def _edition(year, title) -> Edition:
    today = timezone.localdate()
    return Edition.objects.create(
        action=Action.objects.create(title=title),
        school_year=year,
        mode=Edition.Mode.EN_CLASSE,
        levels=["CM1", "CM2"],
        registration_opens=today - datetime.timedelta(days=10),
        registration_closes=today + datetime.timedelta(days=10),
        capacity=200,
        interventions_per_class=3,
    )


def _fill(edition: Edition, count: int) -> None:
    coops = list(Cooperative.objects.order_by("pk").values_list("pk", flat=True)[:count])
    teachers = User.objects.bulk_create(
        [
            User(email=f"bench-{edition.pk}-{n}@occe92.test", role=Role.ENSEIGNANT)
            for n in range(count)
        ]
    )
    now = timezone.now()
    ClassRegistration.objects.bulk_create(
        [
            ClassRegistration(
                edition=edition,
                cooperative_id=coops[n % len(coops)],
                teacher=teacher,
                registered_by=teacher,
                class_name=f"CM1 {n}",
                levels=["CM1"],
                pupils=24,
                whole_team=n % 3 == 0,
                registered_at=now - datetime.timedelta(minutes=n),
            )
            for n, teacher in enumerate(teachers)
        ],
        batch_size=500,
    )


def _median(function) -> float:
    durations = []
    for _ in range(RUNS):
        started = time.perf_counter()
        function()
        durations.append((time.perf_counter() - started) * 1000)
    return statistics.median(durations)


def run(report) -> None:
    try:
        with transaction.atomic():
            _measure(report)
            raise _Rollback
    except _Rollback:
        pass


def _measure(report) -> None:
    year = SchoolYear.objects.current()
    edition = _edition(year, "Banc d'essai")
    _fill(edition, REGISTRATIONS)
    # Half of the coops already had an intervention (rule 2).
    intervenant = Intervenant.objects.create(name="Banc", kind=Intervenant.Kind.ANIMATEUR)
    start = timezone.now() - datetime.timedelta(days=400)
    coops = Cooperative.objects.order_by("pk").values_list("pk", flat=True)[: REGISTRATIONS // 2]
    Intervention.objects.bulk_create(
        [
            Intervention(
                theme="Philo",
                cooperative_id=coop,
                intervenant=intervenant,
                starts_at=start + datetime.timedelta(hours=3 * n),
                ends_at=start + datetime.timedelta(hours=3 * n + 2),
                status=Intervention.Status.REALISEE,
            )
            for n, coop in enumerate(coops)
        ],
        batch_size=500,
    )
    with CaptureQueriesContext(connection) as queries:
        proposal = selection.propose(edition)
        [c.reason for c in proposal.candidates]
    proposal_ms = _median(lambda: [c.reason for c in selection.propose(edition).candidates])
    plain_ms = _median(
        lambda: list(
            ClassRegistration.objects.filter(edition=edition).select_related(
                "cooperative__circonscription", "teacher"
            )
        )
    )
    report(
        f"Proposition de sélection, {N} inscriptions (médiane de {RUNS})",
        f"{proposal_ms:.0f} ms, {len(queries)} requêtes SQL",
        f"simple lecture des mêmes lignes : {plain_ms:.0f} ms",
    )

    small = _edition(year, "Banc d'essai (petit)")
    _fill(small, 20)
    user = User.objects.create_user("bench-animation@occe92.test", role=Role.ANIMATION)
    activate_totp(user)
    client = Client()
    force_login(client, user)
    counts = []
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver", "localhost"]):
        for target in (edition, small):
            url = f"/actions/editions/{target.pk}/"
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            if response.status_code != 200:
                raise AssertionError(f"{url} a répondu {response.status_code}")
            counts.append(len(queries))
    report(
        f"Page d'une édition, {N} classes inscrites (50 par page)",
        f"{counts[0]} requêtes SQL",
        f"même page avec 20 classes : {counts[1]} requêtes SQL",
    )

    measures = []
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver", "localhost"]):
        for target in (edition, small):
            url = f"/actions/inscriptions/?edition={target.pk}&cycle=3"
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            if response.status_code != 200:
                raise AssertionError(f"{url} a répondu {response.status_code}")
            measures.append((len(queries), _median(lambda url=url: client.get(url))))
    report(
        f"Liste des classes inscrites filtrée (édition, cycle), {N} inscriptions (médiane de "
        f"{RUNS})",
        f"{measures[0][1]:.0f} ms, {measures[0][0]} requêtes SQL",
        f"même liste avec 20 inscriptions : {measures[1][1]:.0f} ms, {measures[1][0]} requêtes SQL",
    )
