"""When copies are free: the catalogue's grid and the next free dates offered after a refusal.

Both read the holding reservations of the copies concerned in one query and work in Python:
the number of queries never depends on the number of copies or reservations.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from .models import Copy, Reservation, Resource

GRID_WEEKS = 5
ONE_DAY = datetime.timedelta(days=1)

FREE = "libre"
BOOKED = "reserve"
CHECKING = "verification"
OUT_OF_SERVICE = "hors_service"
STATE_LABELS = {
    FREE: "libre",
    BOOKED: "réservé",
    CHECKING: "vérification",
    OUT_OF_SERVICE: "hors service",
}
STATE_SYMBOLS = {FREE: "·", BOOKED: "R", CHECKING: "v", OUT_OF_SERVICE: "×"}


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@dataclass
class Cell:
    day: datetime.date
    state: str
    past: bool

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def symbol(self) -> str:
        return STATE_SYMBOLS[self.state]


@dataclass
class GridRow:
    copy: Copy
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Grid:
    days: list[datetime.date]
    rows: dict[int, list[GridRow]]  # resource id -> one row per copy

    @property
    def first(self) -> datetime.date:
        return self.days[0]

    @property
    def last(self) -> datetime.date:
        return self.days[-1]


def availability_grid(
    copies: list[Copy], first: datetime.date, today: datetime.date, weeks: int = GRID_WEEKS
) -> Grid:
    """Each copy's state on each day of `weeks` weeks from `first`, from one query."""
    days = [first + n * ONE_DAY for n in range(weeks * 7)]
    after_last = days[-1] + ONE_DAY
    states = {copy.pk: [FREE] * len(days) for copy in copies}
    held = (
        Reservation.objects.overlapping(first, after_last)
        .filter(copy__in=[copy.pk for copy in copies])
        .values_list("copy_id", "start_date", "end_date", "available_again_on")
    )
    for copy_id, start, end, until in held:
        row = states[copy_id]
        for index in range(max(0, (start - first).days), min(len(days), (until - first).days)):
            row[index] = BOOKED if days[index] <= end else CHECKING
    rows: dict[int, list[GridRow]] = defaultdict(list)
    for copy in copies:
        row = GridRow(copy)
        for index, day in enumerate(days):
            state = states[copy.pk][index] if copy.is_bookable else OUT_OF_SERVICE
            row.cells.append(Cell(day, state, day < today))
        rows[copy.resource_id].append(row)
    return Grid(days, dict(rows))


@dataclass(frozen=True)
class Proposal:
    copy: Copy
    start: datetime.date
    end: datetime.date


def next_free_dates(
    resource: Resource, copies: list[Copy], start: datetime.date, days: int, limit: int = 3
) -> list[Proposal]:
    """For each copy, the first period of `days` days from `start` on that it is free (its
    checking delay included), earliest first."""
    delay = datetime.timedelta(days=resource.checking_delay_days)
    length = datetime.timedelta(days=days - 1)
    held = defaultdict(list)
    rows = (
        Reservation.objects.holding()
        .filter(copy__in=[copy.pk for copy in copies], available_again_on__gt=start)
        .order_by("start_date")
        .values_list("copy_id", "start_date", "available_again_on")
    )
    for copy_id, begins, until in rows:
        held[copy_id].append((begins, until))
    proposals = []
    for copy in copies:
        candidate = start
        # A copy's holds never overlap each other: sorted by start, they are sorted by end.
        for begins, until in held[copy.pk]:
            if candidate + length + delay <= begins:
                break
            candidate = max(candidate, until)
        proposals.append(Proposal(copy, candidate, candidate + length))
    proposals.sort(key=lambda proposal: (proposal.start, proposal.copy.inventory_number))
    return proposals[:limit]
