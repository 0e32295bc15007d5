"""Payments of one grant recorded at the same moment: never more than granted in total (the
application's row is locked, the database checks paid ≤ granted). Meaningful on PostgreSQL;
on SQLite the writers are serialized anyway."""

from decimal import Decimal

import pytest
from django.utils import timezone

from finances.models import GrantApplication, GrantPayment
from finances.services import grants as services
from finances.services.errors import WorkflowError
from tests.accounts.factories import UserFactory
from tests.prets.concurrency import race

from .factories_grants import GrantApplicationFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_never_exceed_the_grant(monkeypatch):
    """Six payments of 40 € at once on a grant of 150 €: three pass, three are told what
    remains, 120 € paid."""
    application = GrantApplicationFactory(granted=True)  # 150 € granted
    secretary = UserFactory(secretariat=True)
    today = timezone.localdate()

    def attempt(n):
        def target():
            try:
                return services.record_payment(
                    application, secretary, today, Decimal("40"), f"VIR-{n}"
                )
            except WorkflowError as exc:
                return str(exc)

        return target

    results = race([attempt(n) for n in range(6)], monkeypatch)

    paid = [r for r in results if isinstance(r, GrantPayment)]
    refused = [r for r in results if isinstance(r, str)]
    assert len(paid) == 3 and len(refused) == 3, results
    assert set(refused) == {"Le versement dépasse le reste à verser (30,00\u00a0€)."}
    application.refresh_from_db()
    assert application.paid_amount == Decimal("120")
    assert sum(GrantPayment.objects.values_list("amount", flat=True)) == Decimal("120")


@pytest.mark.django_db(transaction=True)
def test_the_same_transfer_recorded_twice_at_once_is_kept_once(monkeypatch):
    application = GrantApplicationFactory(granted=True)
    secretary = UserFactory(secretariat=True)

    def target():
        try:
            return services.record_payment(
                application, secretary, timezone.localdate(), Decimal("10"), "VIR-DOUBLE"
            )
        except WorkflowError as exc:
            return str(exc)

    results = race([target, target, target], monkeypatch)
    assert sum(isinstance(r, GrantPayment) for r in results) == 1, results
    assert GrantApplication.objects.get(pk=application.pk).paid_amount == Decimal("10")


def outcome(call):
    """A target for race(): the call's result, or the French message it was refused with."""

    def target():
        try:
            return call()
        except WorkflowError as exc:
            return str(exc)

    return target


def assert_paid_is_the_valid_payments(application):
    """The locked total and the payments agree: what is paid is the sum of the payments not
    cancelled, and never more than granted."""
    application.refresh_from_db()
    valid = GrantPayment.objects.valid().filter(application=application)
    assert application.paid_amount == sum((p.amount for p in valid), Decimal("0"))
    assert application.paid_amount <= application.granted_amount
    return application.paid_amount


@pytest.mark.django_db(transaction=True)
def test_payments_and_a_cancellation_at_once_never_exceed_the_grant(monkeypatch):
    """120 € paid of 150 €; at the same moment one 40 € payment is cancelled and three new
    ones of 40 € are tried: at most one passes (only if the cancellation went first), the total
    never goes beyond the grant, and it always equals the valid payments."""
    application = GrantApplicationFactory(granted=True)
    secretary = UserFactory(secretariat=True)
    today = timezone.localdate()
    first, *_ = [
        services.record_payment(application, secretary, today, Decimal("40"), f"VIR-{n}")
        for n in range(3)
    ]
    cancel = outcome(lambda: services.cancel_payment(first, secretary, "Virement rejeté"))
    payments = [
        outcome(
            lambda n=n: services.record_payment(
                application, secretary, today, Decimal("40"), f"NEW-{n}"
            )
        )
        for n in range(3)
    ]

    results = race([cancel, *payments], monkeypatch)

    assert isinstance(results[0], GrantPayment) and results[0].is_cancelled, results
    passed = [r for r in results[1:] if isinstance(r, GrantPayment)]
    assert len(passed) <= 1, results
    assert all(isinstance(r, GrantPayment | str) for r in results), results
    assert assert_paid_is_the_valid_payments(application) == Decimal("80") + 40 * len(passed)


@pytest.mark.django_db(transaction=True)
def test_one_payment_cancelled_or_corrected_twice_at_once_counts_once(monkeypatch):
    """Three cancellations and three corrections of the same payment at once: exactly one
    wins, the others are told it is already cancelled; the total follows the winner."""
    application = GrantApplicationFactory(granted=True)
    secretary = UserFactory(secretariat=True)
    today = timezone.localdate()
    payment = services.record_payment(application, secretary, today, Decimal("100"), "VIR-1")
    targets = [
        outcome(lambda: services.cancel_payment(payment, secretary, "Doublon")) for _ in range(3)
    ] + [
        outcome(
            lambda n=n: services.correct_payment(
                payment, secretary, "Montant mal saisi", today, Decimal("120"), f"VIR-1-{n}"
            )
        )
        for n in range(3)
    ]

    results = race(targets, monkeypatch)

    won = [r for r in results if isinstance(r, GrantPayment)]
    refused = [r for r in results if isinstance(r, str)]
    assert len(won) == 1 and len(refused) == 5, results
    assert all(r.startswith("Ce versement a déjà été annulé le ") for r in refused), results
    payment.refresh_from_db()
    assert payment.is_cancelled
    paid = assert_paid_is_the_valid_payments(application)
    assert paid == (Decimal("120") if won[0].corrects_id == payment.pk else Decimal("0"))
