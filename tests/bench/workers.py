"""Starting a real Celery worker process beside this one (the benchmarks and the worker tests)."""

import sys
from urllib.parse import quote

from django.db import connection


def database_url() -> str:
    """The URL of the database this process uses now, for a worker to share it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def worker_command(queue: str, *options: str) -> list[str]:
    """`celery worker` on one queue, quiet on the cluster chatter a lone worker does not need."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "occe",
        "worker",
        "-Q",
        queue,
        "--loglevel=INFO",
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
        *options,
    ]
