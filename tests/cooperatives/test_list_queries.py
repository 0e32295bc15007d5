"""The cooperative list runs a constant number of queries, whatever the number of rows."""

import datetime

import pytest
from django.urls import reverse

from occe.core.models import SchoolYear
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import AffiliationFactory, CooperativeFactory, MandateFactory

# Session, user, MFA check, the list's count and page, the mandates' prefetch, the years switch,
# the affiliated coops' members of the list (staff only)…
SECRETARIAT_QUERIES = 9
MANDATAIRE_QUERIES = 6


def make_cooperatives(count: int, mandataire=None) -> None:
    """`count` coops, each with a principal and a co-mandataire, a past mandate, two years."""
    year = SchoolYear.objects.current()
    for i in range(count):
        coop = CooperativeFactory()
        MandateFactory(cooperative=coop, user=mandataire) if mandataire else MandateFactory(
            cooperative=coop
        )
        MandateFactory(cooperative=coop, kind="co")
        MandateFactory(
            cooperative=coop,
            start_date=datetime.date(2015, 9, 1),
            end_date=datetime.date(2020, 8, 31),
        )
        AffiliationFactory(cooperative=coop, school_year=year.previous(), validated=True)
        if i % 3:
            AffiliationFactory(cooperative=coop, school_year=year, submitted=i % 2 == 0)


@pytest.mark.parametrize("count", [5, 60])
def test_list_queries_do_not_grow_with_rows_for_the_secretariat(
    client, db, count, django_assert_num_queries
):
    make_cooperatives(count)
    client.force_login(UserFactory(secretariat=True))
    client.get(reverse("home"))  # the first request of a session also records its 2FA check
    with django_assert_num_queries(SECRETARIAT_QUERIES):
        response = client.get(reverse("cooperatives:list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 50)


@pytest.mark.parametrize("count", [5, 60])
def test_list_queries_do_not_grow_with_rows_for_a_mandataire(
    client, db, count, django_assert_num_queries
):
    mandataire = UserFactory(mandataire=True)
    make_cooperatives(count, mandataire=mandataire)
    make_cooperatives(3)  # other coops, not theirs
    client.force_login(mandataire)
    with django_assert_num_queries(MANDATAIRE_QUERIES):
        response = client.get(reverse("cooperatives:list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 50)
    assert response.context["page"].paginator.count == count
