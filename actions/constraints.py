"""No intervenant booked twice at overlapping times, enforced by PostgreSQL itself.

The exclusion constraint machinery is prets' (PostgresExclusionConstraint: PostgreSQL only,
no SQL elsewhere; SQLite relies on the check that `actions.services.plan_intervention` makes in
a locked transaction).
"""

from django.contrib.postgres.fields import DateTimeRangeField
from django.db.models import Func


class TsTzRange(Func):
    """tstzrange(lower, upper), half-open '[)': one intervention may start when another ends."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()
