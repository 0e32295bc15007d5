"""What other apps show about a person in the users list.

occe/accounts imports no feature app: an app that knows something about users (the
cooperatives app knows a teacher's school) registers a column from its AppConfig.ready().
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class UserColumn:
    label: str
    # Relations loaded with the users (select_related), so the list runs the same number of
    # queries whatever its length.
    related: tuple[str, ...]
    value: Callable  # user -> text of the cell ("" when nothing to say)


COLUMNS: list[UserColumn] = []


def register_column(column: UserColumn) -> None:
    if column not in COLUMNS:
        COLUMNS.append(column)
