"""The home page's receipt cards: each count is the length of the list it opens."""

from django.test import RequestFactory

from finances.models import DonationRequest
from finances.navigation import SECTION, home_cards
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory, MandateFactory

from .factories import DonationRequestFactory

Status = DonationRequest.Status


def cards_of(user) -> dict[str, object]:
    request = RequestFactory().get("/")
    request.user = user
    # The receipts' cards (finances also adds the grants' and the CRFS' ones).
    return {card.label: card for card in home_cards(request) if card.section == SECTION}


def listed(client, card) -> int:
    response = client.get(card.url)
    assert response.status_code == 200
    return response.context["page"].paginator.count


def department():
    """Requests in every state for two coops; the mandataire holds the first coop only."""
    mine, other = CooperativeFactory(), CooperativeFactory()
    mandataire = UserFactory(mandataire=True)
    MandateFactory(cooperative=mine, user=mandataire)
    for coop, states in (
        (mine, [Status.DRAFT, Status.SUBMITTED, Status.SUBMITTED, Status.TO_CORRECT]),
        (other, [Status.SUBMITTED, Status.TO_CORRECT, Status.VALIDATED, Status.REJECTED]),
    ):
        for status in states:
            DonationRequestFactory(cooperative=coop, status=status)
    return mandataire


def test_the_secretariat_sees_the_requests_to_validate(client, db):
    department()
    secretary = UserFactory(secretariat=True)
    client.force_login(secretary)
    cards = cards_of(secretary)

    assert set(cards) == {"Demandes de reçus à valider"}
    card = cards["Demandes de reçus à valider"]
    assert card.value == 3
    assert listed(client, card) == 3


def test_a_mandataire_sees_their_coops_requests_to_correct_and_waiting(client, db):
    mandataire = department()
    client.force_login(mandataire)
    cards = cards_of(mandataire)

    assert {label: card.value for label, card in cards.items()} == {
        "Demandes de reçus à corriger": 1,
        "Demandes de reçus en attente de validation": 2,
    }
    for card in cards.values():
        assert listed(client, card) == card.value


def test_roles_without_receipts_to_handle_get_no_receipt_card(db):
    department()
    for user in (
        UserFactory(),
        UserFactory(animation=True),
        UserFactory(administrateur=True),
    ):
        assert cards_of(user) == {}
