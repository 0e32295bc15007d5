"""Reservations: free copies, no double booking (boundaries, concurrency), rules, the loan's
statuses, incidents at return."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from occe.core.formats import date_fr
from prets import services
from prets.models import Condition, Incident, Reservation, Resource, Status
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory, MandateFactory

from .concurrency import race
from .factories import CopyFactory, ReservationFactory, ResourceFactory

DAY = datetime.timedelta(days=1)
pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def mandataire():
    user = UserFactory(mandataire=True, email="claire@exemple.fr")
    MandateFactory(user=user)
    return user


@pytest.fixture
def coop(mandataire):
    return mandataire.mandates.get().cooperative


def reserve(resource, coop, user, start, days=10, copy=None) -> Reservation:
    return services.reserve(
        resource=resource,
        cooperative=coop,
        user=user,
        start=start,
        end=start + (days - 1) * DAY,
        copy=copy,
    )


def test_a_reservation_takes_a_free_copy_and_holds_it_until_checked(coop, mandataire):
    resource = ResourceFactory(checking_delay_days=3)
    first, second = CopyFactory(resource=resource), CopyFactory(resource=resource)
    start = today() + 10 * DAY

    one = reserve(resource, coop, mandataire, start)
    two = reserve(resource, coop, mandataire, start)

    assert {one.copy, two.copy} == {first, second}
    assert one.status == Status.REQUESTED and one.requested_by == mandataire
    assert one.available_again_on == one.end_date + 3 * DAY


@pytest.mark.parametrize("delay", [1, 2, 5])
def test_after_a_loan_the_copy_is_free_again_on_its_end_date_plus_the_delay(
    coop, mandataire, delay
):
    """A loan ending on day D: the next may start on D + delay, not one day earlier."""
    resource = ResourceFactory(checking_delay_days=delay)
    copy = CopyFactory(resource=resource)
    first = reserve(resource, coop, mandataire, today() + 5 * DAY, copy=copy)
    end = first.end_date

    with pytest.raises(services.Unavailable) as refused:
        reserve(resource, coop, mandataire, end + (delay - 1) * DAY, copy=copy)
    assert refused.value.proposals[0].start == end + delay * DAY

    second = reserve(resource, coop, mandataire, end + delay * DAY, copy=copy)
    assert second.copy == copy


def test_before_a_loan_a_copy_must_be_back_and_checked_in_time(coop, mandataire):
    """The other side: a loan ending on day E fits before one starting on E + delay only."""
    resource = ResourceFactory(checking_delay_days=2)
    copy = CopyFactory(resource=resource)
    later = reserve(resource, coop, mandataire, today() + 40 * DAY, copy=copy)

    with pytest.raises(services.Unavailable):
        reserve(resource, coop, mandataire, later.start_date - 10 * DAY, copy=copy)
    earlier = reserve(resource, coop, mandataire, later.start_date - 11 * DAY, copy=copy)
    assert earlier.end_date + 2 * DAY == later.start_date


def test_a_refusal_says_when_each_copy_is_free_next(coop, mandataire):
    resource = ResourceFactory(checking_delay_days=2)
    copies = [CopyFactory(resource=resource, inventory_number=f"CAM-0{n}") for n in (1, 2)]
    start = today() + 10 * DAY
    reserve(resource, coop, mandataire, start, copy=copies[0])  # to start + 9, back start + 11
    reserve(resource, coop, mandataire, start + 5 * DAY, copy=copies[1])  # back start + 16

    with pytest.raises(services.Unavailable) as refused:
        reserve(resource, coop, mandataire, start + 2 * DAY, days=5)

    message = str(refused.value)
    assert message.startswith(
        f"Aucun exemplaire n'est libre du {date_fr(start + 2 * DAY)} au {date_fr(start + 6 * DAY)}."
    )
    assert (
        f"du {date_fr(start + 11 * DAY)} au {date_fr(start + 15 * DAY)} (exemplaire CAM-01)"
        in message
    )
    assert (
        f"du {date_fr(start + 16 * DAY)} au {date_fr(start + 20 * DAY)} (exemplaire CAM-02)"
        in message
    )


def test_a_copy_out_of_service_cannot_be_booked(coop, mandataire):
    resource = ResourceFactory()
    broken = CopyFactory(resource=resource, condition=Condition.HORS_SERVICE)
    with pytest.raises(services.WorkflowError, match="ne peut pas être réservé"):
        reserve(resource, coop, mandataire, today() + DAY, copy=broken)
    with pytest.raises(services.WorkflowError, match="Aucun exemplaire de cette ressource"):
        reserve(resource, coop, mandataire, today() + DAY)
    working = CopyFactory(resource=resource)
    assert reserve(resource, coop, mandataire, today() + DAY).copy == working


def test_loan_rules_are_checked_in_french(coop, mandataire):
    resource = ResourceFactory(max_loan_days=21)
    CopyFactory(resource=resource)
    start = today() + DAY
    with pytest.raises(services.WorkflowError, match="au plus 21 jours"):
        reserve(resource, coop, mandataire, start, days=22)
    assert reserve(resource, coop, mandataire, start, days=21).days == 21
    with pytest.raises(services.WorkflowError, match="dans le passé"):
        reserve(resource, coop, mandataire, today() - DAY)
    with pytest.raises(services.WorkflowError, match="un an à l'avance"):
        reserve(resource, coop, mandataire, today() + 400 * DAY)

    on_request = ResourceFactory(borrowers=Resource.Borrowers.STAFF)
    CopyFactory(resource=on_request)
    with pytest.raises(services.WorkflowError, match="auprès de l'équipe"):
        reserve(on_request, coop, mandataire, start)
    staff = UserFactory(secretariat=True)
    assert reserve(on_request, coop, staff, start).requested_by == staff


def test_a_cancelled_or_refused_reservation_frees_its_copy(coop, mandataire):
    resource = ResourceFactory()
    copy = CopyFactory(resource=resource)
    start = today() + 5 * DAY
    staff = UserFactory(secretariat=True)
    services.cancel(reserve(resource, coop, mandataire, start), mandataire)
    services.refuse(reserve(resource, coop, mandataire, start), staff, "En réparation")
    assert reserve(resource, coop, mandataire, start).copy == copy


@pytest.mark.django_db(transaction=True)
def test_two_reservations_of_one_copy_at_once_exactly_one_wins(monkeypatch):
    resource = ResourceFactory(checking_delay_days=2)
    copy = CopyFactory(resource=resource, inventory_number="CAM-01")
    coops = [CooperativeFactory(), CooperativeFactory()]
    users = [UserFactory(mandataire=True), UserFactory(mandataire=True)]
    for coop, user in zip(coops, users, strict=True):
        MandateFactory(cooperative=coop, user=user)
    start = today() + 10 * DAY

    def attempt(n, begin):
        def target():
            try:
                return reserve(resource, coops[n], users[n], begin, copy=copy)
            except services.Unavailable as exc:
                return str(exc)

        return target

    results = race([attempt(0, start), attempt(1, start + 3 * DAY)], monkeypatch, check_first=True)

    won = [r for r in results if isinstance(r, Reservation)]
    refused = [r for r in results if isinstance(r, str)]
    assert len(won) == 1 and len(refused) == 1, results
    assert Reservation.objects.count() == 1
    # Whichever asked first, the loser's next free dates start when the winner's copy is back
    # and checked.
    free_again = won[0].available_again_on
    expected = (free_again, free_again + 9 * DAY)
    assert "n'est libre du" in refused[0]
    assert (
        f"Prochaines dates libres pour la même durée : du {date_fr(expected[0])} au "
        f"{date_fr(expected[1])} (exemplaire CAM-01)" in refused[0]
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no exclusion constraint: the locked check is proven by the race above",
)
def test_postgresql_itself_refuses_an_overlapping_reservation():
    copy = CopyFactory()
    first = ReservationFactory(copy=copy, start_date=today() + 10 * DAY)
    with pytest.raises(IntegrityError, match="reservation_no_double_booking"), transaction.atomic():
        ReservationFactory(copy=copy, start_date=first.available_again_on - DAY)
    # Released reservations hold nothing; the day the copy is free again is free.
    ReservationFactory(copy=copy, start_date=first.start_date, status=Status.CANCELLED)
    ReservationFactory(copy=copy, start_date=first.available_again_on)


def test_a_loan_goes_from_request_to_closing_and_missing_items_open_incidents(coop, mandataire):
    resource = ResourceFactory(contents=[("Caméra", 1), ("Batterie", 2), ("Trépied", 1)])
    copy = CopyFactory(resource=resource)
    staff = UserFactory(animation=True)
    reservation = reserve(resource, coop, mandataire, today())

    services.confirm(reservation, staff)
    with pytest.raises(services.WorkflowError, match="elle est confirmée"):
        services.confirm(reservation, staff)
    with pytest.raises(services.WorkflowError, match="Vérifiez le contenu"):
        services.hand_over(
            reservation, staff, on=today(), condition=Condition.BON, contents_checked=False
        )
    services.hand_over(
        reservation, staff, on=today(), condition=Condition.USE, contents_checked=True
    )
    reservation.refresh_from_db()
    assert reservation.status == Status.HANDED_OVER
    assert (reservation.handed_over_on, reservation.handed_over_by) == (today(), staff)
    copy.refresh_from_db()
    assert copy.condition == Condition.USE

    services.take_back(
        reservation,
        staff,
        on=today(),
        condition=Condition.A_REPARER,
        missing=[("Batterie", 1)],
        damaged=[("Trépied", 1)],
        notes="Batterie oubliée à l'école",
    )
    reservation.refresh_from_db()
    assert reservation.status == Status.RETURNED and reservation.returned_on == today()
    incidents = Incident.objects.filter(copy=copy).order_by("kind")
    assert [(i.kind, i.item, i.quantity, i.reservation_id) for i in incidents] == [
        ("abime", "Trépied", 1, reservation.pk),
        ("manquant", "Batterie", 1, reservation.pk),
    ]
    assert all(i.is_open for i in incidents)
    copy.refresh_from_db()
    assert copy.condition == Condition.A_REPARER
    # Each change of condition is in the copy's history.
    conditions = list(copy.history.order_by("history_date").values_list("condition", flat=True))
    assert conditions == [Condition.BON, Condition.USE, Condition.A_REPARER]

    services.close(reservation, staff)
    reservation.refresh_from_db()
    assert reservation.status == Status.CLOSED and reservation.closed_at


def test_a_copy_back_early_is_free_sooner(coop, mandataire):
    resource = ResourceFactory(checking_delay_days=2)
    copy = CopyFactory(resource=resource)
    loan = ReservationFactory(
        copy=copy, cooperative=coop, start_date=today() - 5 * DAY, handed_over=True
    )
    assert loan.end_date == today() + 4 * DAY
    services.take_back(loan, UserFactory(secretariat=True), on=today(), condition=Condition.BON)
    loan.refresh_from_db()
    assert loan.available_again_on == today() + 2 * DAY
    assert reserve(resource, coop, mandataire, today() + 2 * DAY, copy=copy)


def test_a_return_cannot_precede_the_hand_over_nor_be_in_the_future(coop):
    loan = ReservationFactory(cooperative=coop, start_date=today() - 3 * DAY, handed_over=True)
    staff = UserFactory(secretariat=True)
    with pytest.raises(services.WorkflowError, match="ne peut pas précéder la remise"):
        services.take_back(loan, staff, on=today() - 4 * DAY, condition=Condition.BON)
    with pytest.raises(services.WorkflowError, match="futur"):
        services.take_back(loan, staff, on=today() + DAY, condition=Condition.BON)


def test_only_open_reservations_can_be_cancelled_by_their_coop(coop, mandataire):
    reservation = ReservationFactory(cooperative=coop)
    other = UserFactory(mandataire=True)
    MandateFactory(user=other)
    assert reservation.can_be_cancelled_by(mandataire)
    assert not reservation.can_be_cancelled_by(other)
    assert reservation.can_be_cancelled_by(UserFactory(animation=True))
    assert not reservation.can_be_cancelled_by(UserFactory(administrateur=True))
    handed = ReservationFactory(cooperative=coop, start_date=today(), handed_over=True)
    assert not handed.can_be_cancelled_by(mandataire)


def test_an_incident_is_resolved_once(coop):
    incident = Incident.objects.create(copy=CopyFactory(), kind="manquant", item="Batterie")
    staff = UserFactory(secretariat=True)
    with pytest.raises(services.WorkflowError, match="suite donnée"):
        services.resolve_incident(incident, staff, " ")
    services.resolve_incident(incident, staff, "Batterie rachetée")
    incident.refresh_from_db()
    assert (incident.resolved_on, incident.resolved_by, incident.resolution) == (
        today(),
        staff,
        "Batterie rachetée",
    )
    with pytest.raises(services.WorkflowError, match="déjà résolu"):
        services.resolve_incident(incident, staff, "Encore")
