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
