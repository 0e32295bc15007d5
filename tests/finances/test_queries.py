"""Query counts of the receipts' pages, pinned as absolute numbers: a page that starts running a
query per row (or one more query per page) fails here, whatever the number of rows."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from finances.models import DonationLine, DonationRequest
from tests.finances.factories import DonationLineFactory, DonationRequestFactory, ReceiptFactory


def queries(client, url, **params) -> tuple[int, list[str]]:
    client.get(url, params)  # warm the session and the content types
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), [q["sql"] for q in captured]


@pytest.fixture
def receipts(world, association):
    """Validated requests of both coops with their receipts, a submitted one, drafts."""
    staff = world.users["secretariat"]
    for coop in (world.own_coop, world.other_coop):
        for gifts in (1, 3):
            ReceiptFactory(gifts=gifts, issued_by=staff, request__cooperative=coop)
        ReceiptFactory(
            gifts=2,
            last_name=f"Roux {coop.pk}",
            issued_by=staff,
            request__cooperative=coop,
            request__group_by_donor=True,
        )
        DonationLineFactory(request=DonationRequestFactory(cooperative=coop))
    submitted = DonationRequestFactory(cooperative=world.own_coop, submitted=True)
    DonationLine.objects.bulk_create(
        DonationLineFactory.build(request=submitted, position=i, amount=Decimal(20 + i))
        for i in range(30)
    )
    return submitted


def more_rows(world):
    for _ in range(10):
        ReceiptFactory(gifts=2, request__cooperative=world.other_coop)
        DonationLineFactory(request=DonationRequestFactory(cooperative=world.own_coop))


@pytest.mark.parametrize(("role", "expected"), [("secretariat", 6), ("mandataire", 6)])
def test_request_list(world, receipts, login, role, expected):
    client = login(world.users[role])
    count, sql = queries(client, reverse("finances:request_list"))
    more_rows(world)
    assert queries(client, reverse("finances:request_list"))[0] == count
    assert count == expected, "\n".join(sql)


def test_request_detail_of_a_submitted_request(world, receipts, login):
    client = login(world.users["secretariat"])
    url = reverse("finances:request_detail", args=[receipts.pk])
    count, sql = queries(client, url)
    assert count == 15, "\n".join(sql)


def test_request_detail_of_a_validated_request(world, receipts, login):
    validated = DonationRequest.objects.filter(
        cooperative=world.own_coop, status=DonationRequest.Status.VALIDATED
    ).first()
    url = reverse("finances:request_detail", args=[validated.pk])
    count_staff, sql = queries(login(world.users["secretariat"]), url)
    assert count_staff == 14, "\n".join(sql)
    count_own, sql = queries(login(world.users["mandataire"]), url)
    assert count_own == 6, "\n".join(sql)


@pytest.mark.parametrize("period", ["civile", "scolaire"])
def test_registers(world, receipts, login, period):
    client = login(world.users["secretariat"])
    url = reverse("finances:registers")
    count, sql = queries(client, url, period=period)
    more_rows(world)
    assert queries(client, url, period=period)[0] == count
    assert count == 18, "\n".join(sql)
