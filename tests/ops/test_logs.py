"""Structured logs: one JSON line per request without personal data; errors with their stack
trace in the log and by e-mail to ADMINS."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from occe.ops.logs import JsonFormatter
from occe.settings import env_admins


@pytest.fixture
def request_log(caplog):
    caplog.set_level(logging.INFO, logger="occe.requests")

    def lines() -> list[dict]:
        formatter = JsonFormatter()
        return [
            json.loads(formatter.format(r)) for r in caplog.records if r.name == "occe.requests"
        ]

    return lines


def test_one_json_line_per_request_with_user_path_status_and_duration(world, client, request_log):
    user = world.users["secretariat"]
    client.force_login(user)
    client.get("/cooperatives/", {"q": "Dupont", "email": "jeanne.dupont@exemple.fr"})

    (line,) = request_log()
    assert line["logger"] == "occe.requests"
    assert line["level"] == "INFO"
    assert line["user_id"] == user.pk
    assert line["method"] == "GET"
    assert line["path"] == "/cooperatives/"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["message"] == "GET /cooperatives/ 200"
    assert "time" in line
    text = json.dumps(line)
    # No query string (a search holds a name), no e-mail.
    assert "Dupont" not in text and "@" not in text


def test_an_anonymous_request_has_no_user(client, db, request_log):
    client.get("/cooperatives/")
    (line,) = request_log()
    assert (line["user_id"], line["status"]) == (None, 302)


def test_secret_tokens_of_links_are_hidden(client, db, request_log):
    """The invitation and password-reset links carry a key: it never reaches the log."""
    client.get("/accounts/password/reset/key/4-cle-secrete-0123/")
    (line,) = request_log()
    assert "cle-secrete" not in json.dumps(line)
    assert line["path"] == "/accounts/password/reset/key/***-***/"


def test_healthchecks_are_not_logged_while_healthy(client, db, request_log, settings):
    settings.CELERY_BROKER_URL = ""
    client.get("/sante/")
    assert request_log() == []


@pytest.mark.urls("tests.ops.crash_urls")
def test_an_error_goes_to_the_log_with_its_stack_trace_and_to_the_admins(
    client, db, settings, caplog, mailoutbox
):
    settings.ADMINS = [("Équipe technique", "tech@exemple.fr")]
    client.raise_request_exception = False

    response = client.get("/panne/")

    assert response.status_code == 500
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "ERROR"
    assert line["message"] == "Internal Server Error: /panne/"
    assert "Traceback" in line["exc_info"] and "ZeroDivisionError" in line["exc_info"]
    assert "request" not in line  # its repr would carry the query string
    (mail,) = mailoutbox
    assert mail.to == ["tech@exemple.fr"]
    assert "ZeroDivisionError" in mail.subject + mail.body
    assert "Traceback" in mail.body


def test_admins_come_from_an_environment_variable(monkeypatch):
    monkeypatch.setenv("ADMINS", "Équipe technique <tech@exemple.fr>, astreinte@exemple.fr")
    assert env_admins("ADMINS") == [
        ("Équipe technique", "tech@exemple.fr"),
        ("", "astreinte@exemple.fr"),
    ]
    monkeypatch.setenv("ADMINS", "")
    assert env_admins("ADMINS") == []


def test_production_writes_json_lines():
    """The settings as production reads them: requests logged as JSON on the error stream."""
    script = (
        "import django; django.setup(); from django.test import Client; "
        "Client().get('/cooperatives/?q=Dupont', headers={'X-Forwarded-Proto': 'https'})"
    )
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "occe.settings",
        "SECRET_KEY": "test-" + "x" * 60,
        "ALLOWED_HOSTS": "testserver",
    }
    env.pop("LOG_FORMAT", None)  # production's default
    completed = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [json.loads(line) for line in completed.stderr.splitlines() if line.startswith("{")]
    (line,) = [line for line in lines if line["logger"] == "occe.requests"]
    assert (line["path"], line["status"], line["user_id"]) == ("/cooperatives/", 302, None)
