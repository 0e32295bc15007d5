"""`bulk_create_recorded` records what simple_history's `bulk_create_with_history` records."""

import pytest
from simple_history.utils import bulk_create_with_history

from cooperatives.models import Cooperative
from occe.core.history import bulk_create_recorded
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CirconscriptionFactory, CooperativeFactory

pytestmark = pytest.mark.django_db


def _unsaved(prefix: str, count: int) -> list[Cooperative]:
    built = CooperativeFactory.build_batch(count, circonscription=CirconscriptionFactory())
    for n, coop in enumerate(built):
        coop.number = f"{prefix}{n:04d}"
        coop.name = f"École {prefix}-{n}"
    return built


def _records(coops) -> list:
    return list(
        Cooperative.history.filter(id__in=[c.pk for c in coops]).order_by("number").values()
    )


def test_records_match_simple_history():
    user = UserFactory(secretariat=True)
    ours = bulk_create_recorded(_unsaved("71", 3), Cooperative, user=user, reason="Import")
    theirs = bulk_create_with_history(
        _unsaved("72", 3), Cooperative, default_user=user, default_change_reason="Import"
    )
    mine, reference = _records(ours), _records(theirs)
    assert len(mine) == len(reference) == 3
    for record, expected in zip(mine, reference, strict=True):
        assert record["history_user_id"] == expected["history_user_id"] == user.pk
        assert record["history_change_reason"] == expected["history_change_reason"] == "Import"
        assert record["id"] in {c.pk for c in ours}
        for key in ("type", "commune", "history_type"):
            assert record[key] == expected[key]
        assert set(record) == set(expected)
    # Each record is a copy of its row as written, dated like the others.
    by_pk = {c.pk: c for c in ours}
    for record in mine:
        assert record["name"] == by_pk[record["id"]].name
        assert record["circonscription_id"] == by_pk[record["id"]].circonscription_id
    assert len({record["history_date"] for record in mine}) == 1


def test_batches_and_no_user():
    coops = bulk_create_recorded(_unsaved("73", 7), Cooperative, batch_size=3)
    records = _records(coops)
    assert [r["id"] for r in records] == [c.pk for c in sorted(coops, key=lambda c: c.number)]
    assert {r["history_user_id"] for r in records} == {None}
