"""Requests run at the same moment in separate processes, each with its own connection to the
test database: what two gunicorn workers do. Threads share one Python process (and its GIL);
processes prove the lock and the constraint hold between workers.

The processes are forked from the test (they inherit its settings, its test database's name
and its monkeypatches); the test's connections are closed before the fork so that no child
shares the parent's socket. The targets run once all processes have started (a barrier); each
returns something picklable (a pk, a message), sent back through a queue. Needs a test with
`django_db(transaction=True)`: the children read only committed rows.
"""

import multiprocessing
import time
import traceback

from django.db import OperationalError, connection, connections

TIMEOUT = 60
# Connections a child inherited open from the parent, kept referenced so that nothing closes
# them in the child (see _forget_inherited_connections).
_inherited: list = []


def _forget_inherited_connections():
    """After the browser tests, a child can find a connection open that the parent's
    close_all() did not reach (another context's). Its socket is the parent's: closing it here
    would end that session for every process sharing it ("server closed the connection
    unexpectedly"). The child drops it, unclosed, and connects anew."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _inherited.append(conn.connection)
            conn.connection = None


def _run(index, target, barrier, queue):
    _forget_inherited_connections()
    try:
        barrier.wait(timeout=TIMEOUT)
        for attempt in range(60):
            try:
                queue.put((index, target()))
                return
            except OperationalError as exc:  # SQLite: "database is locked", try again
                if connection.vendor == "postgresql" or "locked" not in str(exc):
                    raise
                time.sleep(0.05 * (attempt + 1))
    except Exception:  # noqa: BLE001 - reported to the test, which fails with it
        queue.put((index, RuntimeError(traceback.format_exc())))
    finally:
        connections.close_all()


def race_processes(targets: list) -> list:
    """Run each target in its own process at the same moment; their results in order (an
    exception raised in a process comes back as a RuntimeError carrying its traceback)."""
    context = multiprocessing.get_context("fork")
    connections.close_all()
    barrier = context.Barrier(len(targets))
    queue = context.Queue()
    processes = [
        context.Process(target=_run, args=(index, target, barrier, queue), daemon=True)
        for index, target in enumerate(targets)
    ]
    for process in processes:
        process.start()
    results: list = [None] * len(targets)
    for _ in targets:
        index, result = queue.get(timeout=TIMEOUT)
        results[index] = result
    for process in processes:
        process.join(timeout=TIMEOUT)
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    assert len({p.pid for p in processes}) == len(targets)
    return results
