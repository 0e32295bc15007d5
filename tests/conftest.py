"""Strict test set-up: undefined template variables fail, warnings are errors (pyproject)."""

import functools
import os
import uuid

import django.test
import pytest

from cooperatives.models import Affiliation
from occe.accounts.mfa import force_login
from occe.core.models import SchoolYear
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import AffiliationFactory, CooperativeFactory, MandateFactory

# The broker and queue of the tests that start a real worker. Set once, before Celery caches its
# connection pool and queues (changing them later would silently send tasks elsewhere); the
# queue is unique to this test process so parallel runs never take each other's tasks.
BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15"
TEST_QUEUE = f"tests-{os.getpid()}"


def pytest_configure(config):
    from occe.celery import app

    app.conf.broker_url = BROKER_URL
    app.conf.task_default_queue = TEST_QUEUE


class InvalidTemplateVariable(str):
    def __mod__(self, other):
        raise AssertionError(f"Variable de gabarit indéfinie : {other}")

    def __bool__(self):  # `{% if missing %}` stays falsy without failing
        return False


@pytest.fixture(autouse=True)
def _strict_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")
    # The configured cache (Redis in CI, else the database's table), a key prefix of its own
    # per test: allauth keeps rate limits and used TOTP codes there, keyed by ids and addresses
    # that repeat between tests. Never cleared: on Redis that would empty a whole database
    # other processes may use.
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    }
    from occe.celery import app

    app.conf.task_always_eager = True


class Client(django.test.Client):
    """`force_login` as after a real login: for staff and administrators, the session records
    that the second factor was passed, as allauth does (RequireMFAMiddleware checks it).
    `force_login(user, mfa=False)` gives a session opened by password alone."""

    def force_login(self, user, backend=None, *, mfa: bool = True):
        force_login(self, user, mfa=mfa)


@pytest.fixture
def client():
    return Client()


class World:
    """The same small department for every access test: two coops, one mandataire each."""

    def __init__(self):
        self.year = SchoolYear.objects.current()
        self.own_coop = CooperativeFactory(name="École des Tilleuls")
        self.other_coop = CooperativeFactory(name="École des Peupliers")
        self.users = {
            "secretariat": UserFactory(secretariat=True, email="secretariat@exemple.fr"),
            "animation": UserFactory(animation=True, email="animation@exemple.fr"),
            "administrateur": UserFactory(administrateur=True, email="admin@exemple.fr"),
            "mandataire": UserFactory(mandataire=True, email="mandataire@exemple.fr"),
            "autre_mandataire": UserFactory(mandataire=True, email="autre@exemple.fr"),
            "enseignant": UserFactory(email="enseignant@exemple.fr"),
        }
        self.own_mandate = MandateFactory(cooperative=self.own_coop, user=self.users["mandataire"])
        self.other_mandate = MandateFactory(
            cooperative=self.other_coop, user=self.users["autre_mandataire"]
        )
        self.own_affiliation = AffiliationFactory(
            cooperative=self.own_coop, school_year=self.year, validated=True
        )
        self.other_affiliation = AffiliationFactory(
            cooperative=self.other_coop, school_year=self.year, validated=True
        )

    @functools.cached_property
    def own_payment(self):
        """A payment of the own coop's validated fee, created on first use."""
        from tests.cooperatives.factories import FeePaymentFactory

        return FeePaymentFactory(affiliation=self.own_affiliation)

    @functools.cached_property
    def finance(self) -> "FinanceWorld":
        """Receipt requests of the own coop, created on first use (only finance routes pay)."""
        return FinanceWorld(self)

    def __getattr__(self, name: str):
        """`world.<app>`: the objects built by `tests/<app>/routes.py`'s `build(world)`, once
        (or by `tests/<app>/routes_<name>.py`'s)."""
        if name.startswith("_"):
            raise AttributeError(name)
        from tests.access import routes_modules

        module = routes_modules().get(name)
        if module is None or not hasattr(module, "build"):
            raise AttributeError(name)
        built = module.build(self)
        setattr(self, name, built)
        return built

    @functools.cached_property
    def job(self):
        """A finished job of the secretariat with a result file (occe.core.jobs)."""
        from django.core.files.base import ContentFile

        from occe.core.models import Job

        job = Job.objects.create(
            kind="imports.apply", user=self.users["secretariat"], status=Job.Status.DONE
        )
        job.result_file.save("resultat.xlsx", ContentFile(b"PK"), save=False)
        job.result_name = "resultat.xlsx"
        job.save()
        return job

    def resolve(self, path: str):
        """'own_coop.pk' -> the value, '=text' -> 'text',, so tables of routes can name objects."""
        if path.startswith("="):
            return path[1:]
        value = self
        for part in path.split("."):
            value = value[part] if isinstance(value, dict) else getattr(value, part)
        return value


class FinanceWorld:
    """A draft, a submitted and a validated request (one issued receipt with its PDF) of the
    World's own coop, made by its mandataire, and an uploaded Trousse à projets export."""

    def __init__(self, world: World):
        from django.utils import timezone

        from finances import services
        from finances.models import DonationRequest, Receipt, TrousseImport
        from finances.rendering import store_atomically
        from occe.core.models import Association
        from tests.finances.factories import DonationLineFactory, DonationRequestFactory

        association = Association.get()
        association.siren = "775671878"
        association.save()
        coop, mandataire = world.own_coop, world.users["mandataire"]
        self.draft_request = DonationRequestFactory(cooperative=coop, created_by=mandataire)
        DonationLineFactory(request=self.draft_request)
        self.submitted_request = DonationRequestFactory(
            cooperative=coop, created_by=mandataire, submitted=True
        )
        DonationLineFactory(request=self.submitted_request)
        self.validated_request = DonationRequestFactory(
            cooperative=coop, created_by=mandataire, status=DonationRequest.Status.VALIDATED
        )
        line = DonationLineFactory(request=self.validated_request)
        now = timezone.now()
        prefix, (sequence,) = services.reserve_numbers(now.year, 1)
        self.receipt = Receipt.objects.create(
            year=now.year,
            sequence=sequence,
            number=Receipt.format_number(now.year, sequence, prefix),
            request=self.validated_request,
            cooperative=coop,
            donor_type=line.donor_type,
            last_name=line.last_name,
            first_name=line.first_name,
            address=line.address,
            postal_code=line.postal_code,
            city=line.city,
            country=line.country,
            amount=line.amount,
            gift_date=line.date,
            form=line.form,
            nature=line.nature,
            payment_method=line.payment_method,
            issued_at=now,
            issued_by=world.users["secretariat"],
            issuer=services.issuer_snapshot(association, coop),
        )
        line.receipt = self.receipt
        line.save(update_fields=["receipt"])
        path = store_atomically(self.receipt.pdf_relative_path(), b"%PDF-1.4 test")
        Receipt.objects.filter(pk=self.receipt.pk).update(pdf=path, rendered_at=now)
        self.trousse_import = TrousseImport.objects.create(
            headers=["Nom", "Montant"],
            rows=[["Roux", "25"]],
            filename="trousse.csv",
            created_by=world.users["secretariat"],
        )


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def draft_affiliation(world):
    return Affiliation.objects.create(
        cooperative=world.own_coop, school_year=world.year.previous(), pupils=10
    )


@pytest.fixture
def celery_worker_factory(transactional_db, settings, tmp_path):
    """Start real `celery worker` processes on Redis, sharing the test database: each call
    starts one (in its own process group, so a test can kill it whole with `os.killpg`); all
    are stopped at the end.

    The broker is CELERY_BROKER_URL (as in CI), or the local Redis.
    """
    import os
    import signal
    import subprocess

    import redis

    from occe.celery import app
    from tests.bench.workers import database_url, worker_command

    broker = BROKER_URL
    try:
        redis.Redis.from_url(broker).ping()
    except redis.exceptions.ConnectionError as exc:
        raise AssertionError(f"Redis injoignable ({broker}) : lancez redis-server.") from exc
    queue = TEST_QUEUE
    redis.Redis.from_url(broker).delete(queue)  # nothing left over from an earlier run
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CONN_MAX_AGE": "0",
    }
    processes = []

    def start(*options: str) -> subprocess.Popen:
        log = tmp_path / f"worker-{len(processes)}.log"
        process = subprocess.Popen(
            worker_command(queue, *(options or ("--concurrency=2", "--pool=prefork"))),
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log = log
        processes.append(process)
        return process

    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield start
    finally:
        app.conf.task_always_eager = True
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            if os.environ.get("CI"):
                print(process.log.read_text()[-3000:])


@pytest.fixture
def celery_worker_process(celery_worker_factory):
    """One real `celery worker` process (see `celery_worker_factory`)."""
    return celery_worker_factory()


def wait_for(condition, timeout: float = 60, interval: float = 0.3):
    """Poll `condition()` until it is truthy; fail after `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"Condition non remplie après {timeout} s")
