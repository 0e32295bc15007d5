"""The database's own guard on issued receipts (triggers created by migration 0005).

PostgreSQL and SQLite refuse, whatever the code that asks (ORM, `_base_manager`, raw SQL):
deleting a receipt or a receipted gift line, changing anything a receipt prints, repointing its
PDF, undoing its cancellation, and taking a validated request back.

One legitimate way remains to empty the tables: `manage.py flush` (tests between transactional
cases, a demo reset). On PostgreSQL it truncates, which row triggers do not see; on SQLite it
deletes row by row, so its delete triggers ask `finances_guard_active()`, a function this module
registers on every SQLite connection, and which answers "no" only inside `lifted()`.
"""

import contextlib
import threading

_state = threading.local()


def active() -> int:
    return 0 if getattr(_state, "lifted", False) else 1


@contextlib.contextmanager
def lifted():
    """Within this block (and this thread), SQLite lets the tables be emptied: flush only."""
    _state.lifted = True
    try:
        yield
    finally:
        _state.lifted = False


def register(sender, connection, **kwargs) -> None:
    """`connection_created` handler: the SQL function the SQLite triggers call."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("finances_guard_active", 0, active)
