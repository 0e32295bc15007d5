"""Issue 6, security: the second factor on every login path, rate limits shared by every
process, the outbox, the headers (CSP, no-store)."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from occe.accounts.mfa import current_code
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(django_settings.BASE_DIR)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- 1.1 The Django admin and the second factor -------------------------------------------


def test_the_admin_login_with_a_password_alone_reaches_nothing(client):
    superuser = UserFactory(is_superuser=True, is_staff=True, email="root@exemple.fr")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": superuser.email, "password": PASSWORD}
    )
    # The admin's own form is never used: its login page is allauth's.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not logged_in(client)
    for path in ["/admin/", reverse("accounts:list"), reverse("finances:registers")]:
        response = client.get(path, follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("account_login")), path


def test_the_admin_opens_after_the_password_and_the_code(client):
    superuser = UserFactory(is_superuser=True, is_staff=True, email="root@exemple.fr")
    response = client.get("/admin/")
    login_url = response["Location"]
    assert client.get(login_url).status_code == 302  # the admin's login: sent to allauth's
    response = client.post(
        f"{reverse('account_login')}?next=/admin/",
        {"login": superuser.email, "password": PASSWORD, "next": "/admin/"},
    )
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(superuser)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_session_opened_by_password_alone_is_closed(client):
    staff = UserFactory(secretariat=True)
    client.force_login(staff, mfa=False)  # as the old admin login did
    response = client.get(reverse("accounts:list"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=%2Futilisateurs%2F"
    assert not logged_in(client)
    # Even the account pages: they could change the password or the second factor.
    client.force_login(staff, mfa=False)
    assert client.get(reverse("mfa_index")).status_code == 302
    assert not logged_in(client)


def test_a_session_that_passed_the_second_factor_goes_through(client):
    client.force_login(UserFactory(secretariat=True))
    assert client.get(reverse("accounts:list")).status_code == 200


@pytest.mark.django_db(transaction=True)  # allauth records the activation on commit
def test_activating_totp_counts_as_passing_it(client):
    staff = UserFactory(animation=True, totp=False)
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page).group(1)
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    # Next, the recovery codes, without typing the password again.
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert codes.status_code == 200
    assert "Continuer vers l'accueil" in codes.content.decode()
    assert client.get(reverse("home")).status_code == 200


def test_removing_the_second_factor_sends_back_to_its_set_up(client):
    staff = UserFactory(secretariat=True)
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": current_code(staff)})
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(reverse("mfa_deactivate_totp"))
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")


def test_repeated_wrong_passwords_are_throttled(client):
    staff = UserFactory(secretariat=True, email="cible@exemple.fr")
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": staff.email, "password": "mauvais"}
        )
        assert "incorrects" in response.content.decode()
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert "Trop de tentatives de connexion échouées" in response.content.decode()
    assert not logged_in(client)


# --- 1.5 One cache for every process ---------------------------------------------------------


def run_django(code: str, **env) -> str:
    """Run `code` in a new Python process with the project's settings (as a gunicorn worker
    or a Celery worker would), and return what it printed."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "occe.settings", **env}
    for name, value in env.items():
        if value is None:
            environment.pop(name)
    script = "import django; django.setup()\n" + code
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def in_this_cache(settings) -> str:
    """Lines that point another process at this test's database and cache."""
    from tests.bench.workers import database_url

    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    return (
        "from django.conf import settings\n"
        f"settings.CACHES['default']['KEY_PREFIX'] = {prefix!r}\n"
        "from django.core.cache import cache\n"
    ), database_url()


@pytest.mark.django_db(transaction=True)
def test_two_processes_see_the_same_counter(settings):
    from django.core.cache import cache

    header, database = in_this_cache(settings)
    cache.set("compteur", 1)
    run_django(header + "cache.incr('compteur')", DATABASE_URL=database, CONN_MAX_AGE="0")
    assert cache.get("compteur") == 2


@pytest.mark.django_db(transaction=True)
def test_failed_logins_in_another_process_count_here(settings, client):
    """Under gunicorn, each worker is a process: the login limit holds across them."""
    staff = UserFactory(secretariat=True, email="cible@exemple.fr")
    header, database = in_this_cache(settings)
    run_django(
        header + "from django.test import Client\n"
        "for _ in range(5):\n"
        "    Client().post('/accounts/login/', {'login': 'cible@exemple.fr', 'password': 'x'})\n",
        DATABASE_URL=database,
        CONN_MAX_AGE="0",
    )
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert "Trop de tentatives de connexion échouées" in response.content.decode()


PRINT_CACHE = "from django.conf import settings; c = settings.CACHES['default']; print(c['BACKEND'], c['LOCATION'])"


def test_the_cache_is_redis_when_there_is_one_else_the_database():
    assert run_django(
        PRINT_CACHE, CELERY_BROKER_URL="redis://127.0.0.1:6379/4", CACHE_URL=None
    ) == ("django.core.cache.backends.redis.RedisCache redis://127.0.0.1:6379/5")
    assert run_django(
        PRINT_CACHE, CELERY_BROKER_URL="redis://r:6379/0", CACHE_URL="redis://c:6379/9"
    ) == ("django.core.cache.backends.redis.RedisCache redis://c:6379/9")
    assert run_django(PRINT_CACHE, CELERY_BROKER_URL=None, CACHE_URL=None) == (
        "django.core.cache.backends.db.DatabaseCache occe_cache"
    )


# --- 1.6 The outbox ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["secretariat", "animation", "administrateur", "mandataire"])
def test_the_outbox_is_for_superusers_only(client, settings, role):
    settings.EMAIL_BACKEND = "occe.core.mail.OutboxBackend"
    client.force_login(UserFactory(**{role: True}))
    assert client.get(reverse("core:outbox")).status_code == 403


def test_the_outbox_shows_nothing_where_it_is_not_the_backend(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(reverse("core:outbox")).status_code == 404


def test_the_outbox_backend_refuses_production(settings):
    from occe.core.mail import OutboxBackend

    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        OutboxBackend()


PRODUCTION = {"DJANGO_ENV": "production", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "occe.example"}
PRINT_EMAIL = "from django.conf import settings; print(settings.EMAIL_BACKEND)"


def test_production_never_keeps_messages():
    assert run_django(PRINT_EMAIL, **PRODUCTION, EMAIL_HOST=None) == (
        "django.core.mail.backends.console.EmailBackend"
    )
    assert run_django(PRINT_EMAIL, **PRODUCTION, EMAIL_HOST="smtp.example") == (
        "django.core.mail.backends.smtp.EmailBackend"
    )
    assert run_django(PRINT_EMAIL, DJANGO_ENV=None, EMAIL_HOST=None) == (
        "occe.core.mail.OutboxBackend"
    )


# --- 1.8 Headers ------------------------------------------------------------------------------


def test_pages_forbid_inline_scripts_and_eval(client):
    policy = client.get(reverse("account_login"))["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


TEMPLATES = BASE_DIR / "templates"
# Rendered by WeasyPrint into PDFs, never served to a browser.
PDF_TEMPLATES = {"finances/pdf", "cooperatives/attestation.html"}


def test_no_template_has_inline_script_or_event_attribute():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        name = path.relative_to(TEMPLATES).as_posix()
        if any(name.startswith(pdf) for pdf in PDF_TEMPLATES):
            continue
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                offenders.append(f"{name}: {tag}")
        offenders += [f"{name}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]
    assert offenders == []


def test_the_htmx_configuration_forbids_eval(client):
    client.force_login(UserFactory(mandataire=True))
    page = client.get(reverse("home")).content.decode()
    assert '"allowEval": false' in page


def test_pages_of_a_logged_in_user_are_never_stored(client):
    client.force_login(UserFactory(mandataire=True))
    cache_control = client.get(reverse("home"))["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control


def test_account_pages_are_never_stored(client):
    assert "no-store" in client.get(reverse("account_reset_password"))["Cache-Control"]


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- 3.10 As a user gets it: error pages, favicon, secret key -----------------------------------


def test_a_missing_page_is_french_without_the_list_of_urls(client, settings):
    settings.DEBUG = False
    client.force_login(UserFactory(mandataire=True))
    response = client.get("/cette-page-n-existe-pas/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Page introuvable" in page and "Retour à l'accueil" in page
    assert "URLconf" not in page and "utilisateurs/" not in page


def test_a_server_error_is_french(rf):
    from occe.core.errors import server_error

    request = rf.get("/")
    response = server_error(request)
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()


def test_an_expired_form_is_french(client):
    client = type(client)(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": "a@exemple.fr", "password": "x"})
    assert response.status_code == 403
    assert "Formulaire expiré" in response.content.decode()


def test_the_favicon_answers(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/static/favicon.svg"
    assert b"<svg" in b"".join(response.streaming_content)
    assert 'rel="icon"' in client.get(reverse("account_login")).content.decode()


def test_debug_is_off_unless_asked_for_and_the_local_server_still_answers():
    print_debug = "from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)"
    debug, hosts = run_django(print_debug, DEBUG=None, ALLOWED_HOSTS=None).split(" ", 1)
    assert debug == "False"
    assert "127.0.0.1" in hosts and "localhost" in hosts
    assert run_django(print_debug, DEBUG="1").startswith("True")


def test_a_secret_key_is_generated_once_and_kept_private(tmp_path):
    from occe.settings import secret_key_from_file

    path = tmp_path / ".secret_key"
    key = secret_key_from_file(path)
    assert len(key) >= 50
    assert path.stat().st_mode & 0o777 == 0o600
    assert secret_key_from_file(path) == key
    assert [p.name for p in tmp_path.iterdir()] == [".secret_key"]


def test_a_given_secret_key_file_is_used(tmp_path):
    from occe.settings import secret_key_from_file

    path = tmp_path / ".secret_key"
    path.write_text("une-cle-deja-la\n")
    assert secret_key_from_file(path) == "une-cle-deja-la"


def test_the_generated_key_file_is_ignored_by_git():
    result = subprocess.run(
        ["git", "check-ignore", ".secret_key"], cwd=BASE_DIR, capture_output=True, text=True
    )
    assert result.stdout.strip() == ".secret_key"
