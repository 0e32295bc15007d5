"""Issue 3.5: "affiliée", "active" and "adhérents" are defined once, and every count card on
the home page and the campaign opens the list it counts, which has exactly that length."""

import datetime

import pytest
from django.urls import reverse

from cooperatives.figures import home_cards
from cooperatives.models import Affiliation, Cooperative
from tests.cooperatives.factories import AffiliationFactory, CooperativeFactory, FeePaymentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def department(world):
    """This year: 2 validated (World's), 1 more validated and paid, 2 submitted, 3 drafts,
    2 not started (10 active), 1 struck-off coop with a validated affiliation, 1 without."""
    year = world.year
    paid = AffiliationFactory(school_year=year, validated=True, pupils=100, adults=5)
    FeePaymentFactory(affiliation=paid, amount=paid.fee_total)
    AffiliationFactory.create_batch(2, school_year=year, submitted=True)
    AffiliationFactory.create_batch(3, school_year=year)
    CooperativeFactory.create_batch(2)
    gone = AffiliationFactory(school_year=year, validated=True, pupils=50, adults=2)
    gone.cooperative.strike_off(datetime.date.today(), "Fermeture")
    CooperativeFactory().strike_off(datetime.date.today(), "Fusion")
    # Last year everyone was validated: it never counts for this year.
    for coop in Cooperative.objects.all():
        AffiliationFactory(cooperative=coop, school_year=year.previous(), validated=True)
    return year


def test_the_definitions(department):
    year = department
    assert Cooperative.objects.active().count() == 10
    assert Cooperative.objects.affiliated(year).count() == 3
    assert Affiliation.objects.affiliated(year).count() == 3
    totals = Affiliation.objects.affiliated(year).totals()
    assert totals["members"] == 212 + 212 + 105  # the struck-off coop's 52 are apart
    assert Affiliation.objects.struck_off(year).totals()["members"] == 52
    # The campaign's four states split the active coops.
    states = [
        Cooperative.objects.affiliated(year),
        Cooperative.objects.with_affiliation(year, Affiliation.Status.SUBMITTED),
        Cooperative.objects.with_affiliation(year, Affiliation.Status.DRAFT),
        Cooperative.objects.not_started(year),
    ]
    assert [s.count() for s in states] == [3, 2, 3, 2]
    assert sum(s.count() for s in states) == Cooperative.objects.active().count()
    assert Cooperative.objects.not_affiliated(year).count() == 7


def _list_length(client, url) -> tuple[int, object]:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count, response


@pytest.mark.parametrize("role", ["secretariat", "administrateur"])
def test_every_home_card_opens_the_list_it_counts(world, department, client, role):
    client.force_login(world.users[role])
    home = client.get(reverse("home"))
    # The cooperatives' cards; the other apps add theirs (occe/navigation.py).
    cards = [card for card in home.context["cards"] if card.section == "Coopératives"]
    page = home.content.decode()
    assert len(cards) == 7
    for card in cards:
        assert f'href="{card.url.replace("&", "&amp;")}"' in page
        length, response = _list_length(client, card.url)
        if card.label.startswith("adhérents"):
            members = sum(coop.year_members for coop in response.context["page"])
            assert card.value == members == response.context["affiliated"]["members"], card
        else:
            assert card.value == length, card
    values = {card.label.split(" (")[0]: card.value for card in cards}
    year = department
    assert values == {
        "coopératives actives": 10,
        f"coopératives affiliées en {year}": 3,
        f"adhérents {year}": 529,
        "coopératives actives pas encore affiliées": 7,
        "affiliations soumises, à valider": 2,
        "cotisations à encaisser": 3,  # the World's two and the struck-off coop's
        "coopératives radiées": 2,
    }


def test_every_campaign_card_opens_the_tab_it_counts(world, department, client):
    client.force_login(world.users["administrateur"])
    response = client.get(reverse("cooperatives:campaign"), {"annee": department.label})
    states = response.context["states"]
    assert {key: count for key, _, count, _ in states} == {
        "non_commencees": 2,
        "brouillons": 3,
        "soumises": 2,
        "validees": 3,
        "a_encaisser": 3,
        "radiees": 1,
    }
    page = response.content.decode()
    for key, _, count, url in states:
        assert f'href="{url.replace("&", "&amp;")}"' in page
        assert _list_length(client, url)[0] == count, key
    assert sum(count for key, _, count, _ in states[:4]) == response.context["active"]
    assert response.context["totals"]["members"] == 529


def test_the_list_counts_the_affiliated_members_of_its_rows(world, department, client):
    client.force_login(world.users["secretariat"])
    response = client.get(reverse("cooperatives:list"), {"annee": department.label})
    assert response.context["page"].paginator.count == 12  # struck-off coops listed too
    assert (
        f"12 coopératives — affiliation {department} : 3 affiliées, 529 adhérents"
        in response.content.decode()
    )


def test_home_cards_run_a_fixed_number_of_queries(department, django_assert_num_queries):
    with django_assert_num_queries(6):
        home_cards(department)
