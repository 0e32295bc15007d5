"""/sante/: 200 when the database, the cache and the broker answer, 503 naming what does not."""

import json

import pytest
from django.db import OperationalError
from django.urls import reverse

from occe.ops import health
from occe.ops.tasks import heartbeat
from tests.ops.conftest import free_port

URL = "/sante/"


@pytest.fixture
def redis_broker(settings):
    """The suite's Redis as the broker (it runs for the worker tests in any case)."""
    from tests.conftest import BROKER_URL

    settings.CELERY_BROKER_URL = BROKER_URL


def test_healthy(client, db, redis_broker):
    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "statut": "ok",
        "message": "Tout répond.",
        "verifications": {"base": "ok", "cache": "ok", "broker": "ok"},
        "dernier_battement_worker": None,
    }
    assert "no-cache" in response["Cache-Control"]


def test_without_a_broker_tasks_run_in_process_and_that_is_healthy(client, db, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json()["verifications"]["broker"] == "non utilisé"


def test_database_down(client, db, redis_broker, monkeypatch, caplog):
    class Unreachable:
        def cursor(self):
            raise OperationalError(
                "connection to server at 10.0.0.5 failed: mot de passe incorrect"
            )

    monkeypatch.setattr(health, "connection", Unreachable())
    response = client.get(URL)

    assert response.status_code == 503
    body = response.json()
    assert body["statut"] == "en panne"
    assert body["message"] == "En panne : base."
    assert body["verifications"] == {"base": "en panne", "cache": "ok", "broker": "ok"}
    # The error goes to the log, not to the public page.
    assert "10.0.0.5" not in response.content.decode()
    assert "10.0.0.5" in caplog.text


class BrokenCache:
    """The cache as the check sees it, failing as a real one does (whatever its backend)."""

    def __init__(self, refuses=False):
        self.refuses = refuses

    def set(self, *args, **kwargs):
        if self.refuses:
            raise ConnectionError("Redis injoignable")

    def get(self, *args, **kwargs):
        return None  # a cache that forgets what it was given


def test_cache_down(client, db, redis_broker, monkeypatch):
    monkeypatch.setattr(health, "cache", BrokenCache(refuses=True))
    response = client.get(URL)

    assert response.status_code == 503
    assert response.json()["verifications"] == {"base": "ok", "cache": "en panne", "broker": "ok"}


def test_cache_that_forgets(client, db, redis_broker, monkeypatch):
    monkeypatch.setattr(health, "cache", BrokenCache())
    assert client.get(URL).json()["verifications"]["cache"] == "en panne"


def test_broker_down(client, db, settings, mailoutbox):
    """A real broker URL where nothing listens, not a mock: the check must not hang either."""
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.ADMINS = [("Admin", "admin@exemple.fr")]
    response = client.get(URL)

    assert response.status_code == 503
    assert response.json()["message"] == "En panne : broker."
    assert response.json()["verifications"]["broker"] == "en panne"
    # A warning in the log; no e-mail to the admins at each healthcheck of an outage.
    assert mailoutbox == []


def test_several_down_are_all_named_in_a_short_text(client, db, settings, monkeypatch):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setattr(health, "cache", BrokenCache())
    response = client.get(URL, HTTP_ACCEPT="text/plain")

    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "En panne : cache, broker.\n"


def test_the_last_heartbeat_of_the_worker_is_shown(client, db, redis_broker):
    heartbeat.apply(task_id="battement-1")
    body = client.get(URL).json()
    assert body["dernier_battement_worker"].startswith(
        str(__import__("datetime").date.today().year)
    )


def test_no_login_and_no_data_for_a_logged_in_user_either(client, world):
    client.force_login(world.users["mandataire"])
    response = client.get(reverse("ops:health"), HTTP_ACCEPT="application/json")
    text = json.dumps(response.json(), ensure_ascii=False)
    assert response.status_code == 200
    assert "mandataire" not in text and "@" not in text


def test_the_heartbeat_is_recorded_once_per_task_even_if_delivered_twice(db):
    from occe.ops.models import Heartbeat

    assert heartbeat.apply(task_id="message-7").get() is True
    assert heartbeat.apply(task_id="message-7").get() is False
    assert list(Heartbeat.objects.values_list("key", flat=True)) == ["message-7"]


def test_beat_sends_the_heartbeat_to_a_task_the_worker_knows(settings):
    from occe.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["ops-heartbeat"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] == 300
