"""docker-compose.yml runs what the Makefile runs, and its limits fit the application's."""

import re
import runpy
import subprocess
import sys

import pytest
import yaml
from django.conf import settings

from tests.ops.conftest import free_port

ROOT = settings.BASE_DIR
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_IMAGE = "occe-gestion:latest"
# Compose service -> Makefile target running the same command.
MIRRORS = {
    "web": "web",
    "worker": "worker",
    "beat": "beat",
    "backup": "backup",
    "upgrade": "upgrade",
}


def make_recipe(target: str) -> str:
    """The target's commands, as a shell would chain them, with the venv's paths removed."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    commands = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        if not line.startswith("\t@"):  # messages and usage checks
            commands.append(line.strip().replace("$(PY)", "python").replace("$(BIN)/", ""))
    return " && ".join(commands)


def compose_command(service: str) -> str:
    command = SERVICES[service]["command"]
    match = re.fullmatch(r'sh -c "(.*)"', command)
    return match.group(1) if match else command


def test_every_application_service_runs_a_makefile_command():
    app_services = {name for name, s in SERVICES.items() if s.get("image") == APP_IMAGE}
    assert app_services == set(MIRRORS)


@pytest.mark.parametrize("service", sorted(set(MIRRORS) - {"backup"}))
def test_the_service_runs_the_makefile_command(service):
    assert compose_command(service) == make_recipe(MIRRORS[service])


def test_the_backup_service_is_make_backup_every_night():
    assert compose_command("backup") == make_recipe("backup") + " --daily-at ${BACKUP_TIME:-02:30}"
    assert "./sauvegardes:/data/sauvegardes" in SERVICES["backup"]["volumes"]
    assert "media:/data/media:ro" in SERVICES["backup"]["volumes"]


def test_redis_keeps_its_queues_on_disk():
    redis = SERVICES["redis"]
    assert "--appendonly yes" in redis["command"]
    assert any(volume.endswith(":/data") for volume in redis["volumes"])


def test_a_reverse_proxy_with_https_is_the_only_way_in():
    assert SERVICES["proxy"]["image"].startswith("caddy:")
    assert "443:443" in SERVICES["proxy"]["ports"]
    exposed = [name for name, s in SERVICES.items() if s.get("ports")]
    assert exposed == ["proxy"]


def gunicorn_settings() -> dict:
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def caddy_setting(name: str) -> str:
    match = re.search(rf"^\s*{name}\s+(\S+)", (ROOT / "Caddyfile").read_text(), re.MULTILINE)
    return match.group(1)


def test_the_largest_upload_goes_through_the_proxy():
    size = caddy_setting("max_size")
    assert size == caddy_setting("request_buffers") == "12MB"
    assert int(size.removesuffix("MB")) * 1_000_000 > settings.MAX_UPLOAD_SIZE * 1.1


def test_the_proxy_waits_longer_than_gunicorn_lets_a_request_run():
    gunicorn_timeout = gunicorn_settings()["timeout"]
    assert gunicorn_timeout >= 120  # the longest request (an import of 6 250 coops) takes ~30 s
    assert int(caddy_setting("response_header_timeout").removesuffix("s")) > gunicorn_timeout


def test_gunicorn_writes_no_access_log_of_its_own():
    """The application logs each request without IP; gunicorn's log would add one."""
    assert gunicorn_settings()["accesslog"] is None


def _healthcheck_code(url: str) -> str:
    code = SERVICES["web"]["healthcheck"]["test"][-1]
    assert "http://127.0.0.1:8000/sante/" in code
    return code.replace("http://127.0.0.1:8000", url)


@pytest.mark.django_db(transaction=True)
def test_the_web_healthcheck_passes_when_healthy_and_fails_when_a_part_is_down(
    live_server, settings
):
    from tests.conftest import BROKER_URL

    settings.CELERY_BROKER_URL = BROKER_URL
    env = {"ALLOWED_HOSTS": "localhost,127.0.0.1", "PATH": "/usr/bin:/bin"}
    healthy = subprocess.run(
        [sys.executable, "-c", _healthcheck_code(live_server.url)], env=env, capture_output=True
    )
    assert healthy.returncode == 0, healthy.stderr

    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    down = subprocess.run(
        [sys.executable, "-c", _healthcheck_code(live_server.url)], env=env, capture_output=True
    )
    assert down.returncode != 0
    assert b"503" in down.stderr
