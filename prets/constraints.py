"""No double booking, enforced by PostgreSQL itself.

An exclusion constraint refuses two reservations of one copy whose periods (checking delay
included) overlap, whatever the application does. SQLite has no GiST index: there the
constraint is left out of the schema and `prets.services.reserve` makes the same check inside
a locked transaction.
"""

from django.contrib.postgres import operations
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Func


class DateRange(Func):
    """daterange(lower, upper, bounds), a PostgreSQL range built from two date columns."""

    function = "DATERANGE"
    output_field = DateRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An ExclusionConstraint that exists on PostgreSQL only (no SQL at all elsewhere), so the
    same migrations run on SQLite and `makemigrations --check` stays clean on both."""

    def constraint_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if connections[using].vendor != "postgresql":
            return
        super().validate(model, instance, exclude=exclude, using=using)


def is_exclusion_violation(error: Exception) -> bool:
    """True for PostgreSQL's exclusion_violation (SQLSTATE 23P01) wrapped in an IntegrityError."""
    return getattr(error.__cause__, "sqlstate", None) == "23P01"


class BtreeGistExtension(operations.BtreeGistExtension):
    """`CREATE EXTENSION btree_gist` on PostgreSQL (nothing elsewhere: Django's operation
    already skips other databases going forwards). Going backwards it keeps the extension,
    which other tables may use and which costs nothing."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass
