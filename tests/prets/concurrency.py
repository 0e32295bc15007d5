"""Requests run at the same moment in threads, each with its own database connection."""

import threading

from django.db import OperationalError, connection, connections

from prets.models import ReservationQuerySet


def race(targets: list, monkeypatch, check_first: bool = False) -> list:
    """Run each target in its own thread at the same moment; their results (or exceptions),
    in order.

    `check_first`: on PostgreSQL, every reservation checks availability before any inserts
    (each waits at a barrier just before its insert), so the database's exclusion constraint,
    not the check, is what refuses the loser. SQLite serializes writers (the second waits for
    the first to commit, then sees it): the barrier would wait forever there, so it is not set.
    """
    if check_first and connection.vendor == "postgresql":
        checked = threading.Barrier(len(targets))
        create = ReservationQuerySet.create

        def create_after_everyone_checked(self, **kwargs):
            checked.wait(timeout=10)
            return create(self, **kwargs)

        monkeypatch.setattr(ReservationQuerySet, "create", create_after_everyone_checked)
    start = threading.Barrier(len(targets))
    results: list = [None] * len(targets)

    def run(index, target):
        try:
            start.wait(timeout=10)
            for attempt in range(40):
                try:
                    results[index] = target()
                    return
                except OperationalError as exc:  # SQLite: "database is locked", try again
                    if connection.vendor == "postgresql" or "locked" not in str(exc):
                        raise
                    threading.Event().wait(0.05 * (attempt + 1))
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
