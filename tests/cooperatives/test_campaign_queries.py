"""The affiliation campaign page runs a fixed number of queries, whatever the number of rows
and in every state of its tabs (pinned as absolute numbers)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperatives.models import Affiliation
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import FeePaymentFactory
from tests.cooperatives.test_list_queries import make_cooperatives

# Session, user, 2FA check, the tabs' counts, the active coops, the amount to collect, the
# members of both years (affiliated and struck off), the page and its rows' prefetches, the
# reminder batches, the years switch.
CAMPAIGN_QUERIES = {"non_commencees": 20, "validees": 19, "a_encaisser": 19}


def campaign_queries(client, state: str) -> tuple[int, str]:
    url = reverse("cooperatives:campaign")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"etat": state})
    assert response.status_code == 200
    return len(captured), "\n".join(q["sql"] for q in captured)


@pytest.mark.parametrize("state", CAMPAIGN_QUERIES)
def test_campaign_queries_are_pinned(client, db, state):
    make_cooperatives(6)
    client.force_login(UserFactory(secretariat=True))
    client.get(reverse("home"))  # the first request of a session also records its 2FA check
    few, sql = campaign_queries(client, state)
    make_cooperatives(20)
    for affiliation in Affiliation.objects.filter(status="validated")[:5]:
        FeePaymentFactory(affiliation=affiliation)
    assert campaign_queries(client, state)[0] == few
    assert few == CAMPAIGN_QUERIES[state], sql
