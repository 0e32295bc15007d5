"""Settings read from environment variables, with defaults that let `make run` work offline.

DJANGO_ENV=production switches on the hardened settings checked by `manage.py check --deploy`.
"""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def secret_key_from_file(path: Path) -> str:
    """The key kept in `path`, created once (readable by its owner only) when missing.

    Created under a temporary name then linked into place, so two processes starting together
    (the server and a worker) never read a half-written file and end up with the same key.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(get_random_secret_key())
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process created it first: use theirs
    finally:
        temporary.unlink()
    return path.read_text().strip()


PRODUCTION = os.environ.get("DJANGO_ENV", "development") == "production"
# Off unless asked for (`make dev`): `make run` serves pages as a user gets them.
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY doit être défini en production.")
    if os.environ.get("PYTEST_VERSION"):
        # Under pytest (which sets PYTEST_VERSION, inherited by the processes a test starts):
        # a key for tests only, so the suite writes no file into the working tree.
        SECRET_KEY = "tests-only-not-secret-" + "x" * 40
    else:
        # Outside production, a key generated on first start and kept in an ignored file, so
        # that sessions survive restarts and no key is shared between installations.
        SECRET_KEY = secret_key_from_file(BASE_DIR / ".secret_key")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1],testserver"
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: `runserver` leaves static files to WhiteNoise, as in production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "django_htmx",
    "django_filters",
    "simple_history",
    "occe.accounts",
    "occe.core",
    "occe.association",
    "occe.reports",
    "occe.ops",
    "cooperatives",
    "finances",
    "formations",
    "actions",
    "prets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are served by the app itself (no CDN, no nginx), with or without DEBUG.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pages seen by a logged-in user hold personal data: never kept by a browser or a proxy.
    "occe.accounts.middleware.NoStoreMiddleware",
    # Deny by default: every view needs a logged-in user unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "occe.accounts.middleware.RequireMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "occe.urls"
WSGI_APPLICATION = "occe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "occe.navigation.navigation",
            ],
            "builtins": ["occe.core.templatetags.fr", "django.templatetags.l10n"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file (not in-memory) test database, so a real Celery worker process can share it;
    # one per process so that two test runs never share it; in the temporary directory, so the
    # suite writes nothing into the working tree.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"occe-test-db-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CSRF_FAILURE_VIEW = "occe.core.errors.csrf_failure"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: e-mail login, TOTP required for staff and administrators (enforced by
# RequireMFAMiddleware). Accounts are created by staff (invitations), except teachers with an
# address of the academic domains the association lists, who sign up themselves (below).
ACCOUNT_ADAPTER = "occe.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# Nobody changes their own address (the secretariat does, on the users page): an address
# someone merely typed must never identify them. See occe/accounts/views.py `email`.
# "mandatory" applies to self sign-ups only (occe.accounts.stages.EmailVerificationStage):
# accounts created by staff log in as before, their invitation link proved the address.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# --- Teachers' sign-up (issue 10) ---
ACCOUNT_FORMS = {"signup": "occe.accounts.forms.SignupForm"}
# Name and school, from the cooperatives app (occe.accounts imports no feature app).
ACCOUNT_SIGNUP_FORM_CLASS = "cooperatives.forms.TeacherSignupForm"
# A sign-up with an address that has an account shows the same page as a new one; allauth
# e-mails the owner instead (only with mandatory verification).
ACCOUNT_PREVENT_ENUMERATION = True
# The link opens a page with a button (a mail scanner following links confirms nothing); in
# the browser that signed up, confirming logs in (allauth checks the pending sign-up).
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
# Like failed logins: 10 sign-up attempts per minute and per IP (allauth counts them in the
# shared cache); the verification e-mail goes at most once in 3 minutes to an address.
ACCOUNT_RATE_LIMITS = {"signup": "10/m/ip"}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_SESSION_REMEMBER = None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "OCCE")

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
# Collected at build time in production; elsewhere WhiteNoise serves the files where they are.
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded and generated files are private: there is no public MEDIA_URL route, each file is
# served by a view that checks the user's scope.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/fichiers/"

FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
MAX_UPLOAD_SIZE = 10 * 1024 * 1024

# E-mail: SMTP when EMAIL_HOST is set. Otherwise, outside production, the console plus the
# outbox kept in the database (read by superusers at /outbox/); in production, the console
# (the server's logs) only: messages hold password-reset links, never stored nor shown in a page.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
elif PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "occe.core.mail.OutboxBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "OCCE <ne-pas-repondre@occe.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: without a broker, tasks run in-process (eagerly) so `make run` needs no server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# A task is kept by the broker until it is done (README, "Rien ne se perd au redémarrage"):
# - ACKS_LATE: the message is acknowledged after the task ran, not when a worker takes it, so
#   a worker stopped or killed mid-task leaves it in Redis;
# - REJECT_ON_WORKER_LOST: a task whose worker process died is put back in the queue;
# - PREFETCH_MULTIPLIER 1: a worker reserves one message per process, not four that would wait
#   behind a long task (and be delivered late if the worker is lost);
# - CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] (set for the receipts): a message
#   taken but not acknowledged within it is delivered again, to this or another worker; tasks
#   are idempotent, so a redelivery does no harm;
# - Redis runs with append-only persistence (docker-compose.yml), so queued messages outlive a
#   restart of Redis (tests/ops/test_redis_restart.py);
# - BROKER_CONNECTION_RETRY off: a worker that loses Redis stops (exit code 1) and its
#   supervisor starts a new one (compose: `restart: unless-stopped`), which waits for Redis
#   (RETRY_ON_STARTUP). Reconnecting in place is not reliable with Celery 5.7 on Redis: the
#   consumer sometimes crashes or stops taking messages (seen in test_redis_restart.py);
# - known limit: kombu takes a message off the Redis list, then records it as unacknowledged;
#   one in transit between the two when Redis stops is lost (compose stops workers first).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {}

# Formations: reminders two days before a session, each registration reminded once.
CELERY_BEAT_SCHEDULE["formations-reminders"] = {
    "task": "formations.tasks.send_due_reminders",
    "schedule": crontab(hour=7, minute=0),
}

# --- Receipts (finances) ---
# Redis hands an unacknowledged message (tasks are acknowledged late) to another worker after
# this delay: it must exceed the longest time a message waits in a worker between delivery and
# acknowledgement, or the task runs twice while the first run is still going. The longest is
# the donors' e-mails of a large request: rate-limited to 30 a minute, 1 000 of them keep
# messages reserved for about 35 minutes (a batch of 25 PDFs takes seconds, retries wait less
# than two minutes). One hour covers it. A worker killed outright loses its messages for that
# hour: the jobs' sweeper below resumes a rendering of PDFs silent for 3 minutes instead
# (finances.tasks.RenderReceipts.stale_after), re-queuing only the missing PDFs.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

# Background jobs (occe.core.jobs): jobs whose worker died are resumed.
CELERY_BEAT_SCHEDULE["core-sweep-stale-jobs"] = {
    "task": "occe.core.jobs.sweep_stale_jobs",
    "schedule": 120.0,
}

# Mailings (occe/core/mailings.py: newsletters, later the reminders): batches over one SMTP
# connection each, at a bounded rate; a batch whose worker died is resumed once its lease expires.
MAILING_BATCH_SIZE = int(os.environ.get("MAILING_BATCH_SIZE", "50"))
MAILING_RATE_PER_MINUTE = int(os.environ.get("MAILING_RATE_PER_MINUTE", "300"))
MAILING_LEASE_SECONDS = int(os.environ.get("MAILING_LEASE_SECONDS", "120"))
CELERY_BEAT_SCHEDULE["resume-mailings"] = {
    "task": "occe.core.mailings.resume_mailings",
    "schedule": 60.0,
}

# Prêts et ventes (prets): every morning, reminders for loans still out after their end date.
CELERY_BEAT_SCHEDULE["prets-relances-retard"] = {
    "task": "prets.tasks.remind_overdue_loans",
    "schedule": crontab(hour=7, minute=30),
}

SIMPLE_HISTORY_REVERT_DISABLED = True
FILTERS_EMPTY_CHOICE_LABEL = "Tous"

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

# --- Security: shared cache, Content-Security-Policy (issue 6) ---


def redis_cache_url(broker_url: str) -> str:
    """The broker's Redis server, next database: clearing the cache never empties the queues."""
    parts = urlsplit(broker_url)
    database = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(database + 1) % 16}"))


# allauth's rate limits (login attempts, reset requests) and used TOTP codes live in the cache:
# it must be one for every process (gunicorn workers, restarts). Redis when there is one
# (CACHE_URL, or the broker's server), otherwise a table of the database.
CACHE_URL = os.environ.get("CACHE_URL", "")
if not CACHE_URL and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CACHE_URL = redis_cache_url(CELERY_BROKER_URL)
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "occe",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "occe_cache",  # created by the accounts migrations (createcachetable)
            "KEY_PREFIX": "occe",
        }
    }

# Rate limits count per client address: behind N reverse proxies, allauth reads it from the
# X-Forwarded-For they add (otherwise every visitor would share the proxy's address).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# No inline script, no eval, nothing from another origin. Styles may be inline (a few style
# attributes in templates; htmx's indicator style); scripts are what an injection would use.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],  # data: for the TOTP set-up's QR code
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Operations: backups, logs, health (issue 15; README "Mise en production") ---

# `manage.py backup` writes dated archives here and keeps the newest of each of the last
# BACKUP_KEEP_DAILY days and BACKUP_KEEP_MONTHLY months.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", BASE_DIR / "sauvegardes"))
BACKUP_KEEP_DAILY = int(os.environ.get("BACKUP_KEEP_DAILY", "7"))
BACKUP_KEEP_MONTHLY = int(os.environ.get("BACKUP_KEEP_MONTHLY", "12"))


def env_admins(name: str) -> list[tuple[str, str]]:
    """ADMINS="Nom <adresse>, autre@adresse" -> Django's [(name, address), ...]."""
    from email.utils import getaddresses

    return [(n, a) for n, a in getaddresses([os.environ.get(name, "")]) if "@" in a]


# Who receives the errors (stack trace and request) by e-mail.
ADMINS = env_admins("ADMINS")

# First: it times the whole request and logs one line per request (occe/ops/logs.py).
MIDDLEWARE.insert(0, "occe.ops.logs.RequestLogMiddleware")

LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "formatters": {
        "json": {"()": "occe.ops.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # Errors of requests: the stack trace in the log and by e-mail to ADMINS.
        "django.request": {"handlers": ["console", "mail_admins"], "propagate": False},
        # One line per request; in development runserver prints its own.
        "occe.requests": {
            "handlers": ["console"],
            "level": "INFO" if PRODUCTION or LOG_FORMAT == "json" else "WARNING",
            "propagate": False,
        },
        # Backups (a failed nightly backup is e-mailed) and health checks.
        "occe.ops": {"handlers": ["console", "mail_admins"], "level": "INFO", "propagate": False},
    },
}

# The worker records a heartbeat every 5 minutes: /sante/ shows the last one.
CELERY_BEAT_SCHEDULE["ops-heartbeat"] = {"task": "occe.ops.tasks.heartbeat", "schedule": 300}

# Personal data (RGPD): how long what is kept, in days (occe/*/retention.py; README « Données
# personnelles »). The retention task runs on the 1st of each month at 04:00.
RETENTION_UNCONFIRMED_SIGNUP_DAYS = int(os.environ.get("RETENTION_UNCONFIRMED_SIGNUP_DAYS", "30"))
RETENTION_INACTIVE_ACCOUNT_DAYS = int(os.environ.get("RETENTION_INACTIVE_ACCOUNT_DAYS", "730"))
RETENTION_DEACTIVATED_ACCOUNT_DAYS = int(
    os.environ.get("RETENTION_DEACTIVATED_ACCOUNT_DAYS", "365")
)
RETENTION_UNRECEIPTED_GIFTS_DAYS = int(os.environ.get("RETENTION_UNRECEIPTED_GIFTS_DAYS", "365"))
RETENTION_LOGIN_EVENTS_DAYS = int(os.environ.get("RETENTION_LOGIN_EVENTS_DAYS", "365"))
# Uploaded and produced files, per kind: an import's spreadsheet (its kind, or "import"), a
# job's result (exports, which may list people), a Trousse à projets export. An app adds its
# kinds (e.g. bank statements).
RETENTION_FILE_DAYS = {"import": 180, "job": 30, "trousse": 30}
CELERY_BEAT_SCHEDULE["ops-retention"] = {
    "task": "occe.ops.tasks.retention",
    "schedule": crontab(minute=0, hour=4, day_of_month=1),
}
