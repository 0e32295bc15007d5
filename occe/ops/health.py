"""What /sante/ checks: the database, the cache and the broker each answer."""

import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger("occe.ops.health")

OK = "ok"
DOWN = "en panne"
UNUSED = "non utilisé"  # no CELERY_BROKER_URL: tasks run in the web process


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_cache() -> str:
    token = secrets.token_hex(8)
    cache.set("ops:sante", token, 30)
    if cache.get("ops:sante") != token:
        raise RuntimeError("le cache ne rend pas ce qu'on y a mis")
    return OK


def check_broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return UNUSED
    from occe.celery import app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0.5, timeout=3)
    return OK


CHECKS = {"base": check_database, "cache": check_cache, "broker": check_broker}


def run_checks() -> dict[str, str]:
    """Each component's state; what failed is logged with its error, never shown."""
    states = {}
    for name, check in CHECKS.items():
        try:
            states[name] = check()
        except Exception:
            # A warning, not an error: no e-mail to ADMINS every 30 s while a part is down.
            logger.warning("Vérification de santé échouée : %s", name, exc_info=True)
            states[name] = DOWN
    return states


def last_heartbeat():
    """When a worker last ran the beat's heartbeat task (None: never, or no database)."""
    from .models import Heartbeat

    try:
        return Heartbeat.objects.order_by("-ran_at").values_list("ran_at", flat=True).first()
    except Exception:
        return None
