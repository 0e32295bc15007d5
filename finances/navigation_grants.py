"""The grants' home cards: applications waiting for the commission and the next commission
with its applications waiting (administrators), grants
to pay (secretariat), a mandataire's drafts. A card shows only when something waits, and its
count is the length of the list it opens."""

from django.urls import reverse

from occe.accounts import rules
from occe.core.formats import date_fr
from occe.navigation import HomeCard

from .models import GrantApplication, GrantSession

GROUP = "Aides et solidarité"


def home_cards(request) -> list[HomeCard]:
    user = request.user
    applications = reverse("finances:grant_application_list")
    cards = []
    if rules.is_board_member(user):
        cards.append(
            HomeCard(
                "Demandes d'aide en examen",
                GrantApplication.objects.filter(status=GrantApplication.Status.REVIEW).count(),
                f"{applications}?statut={GrantApplication.Status.REVIEW}",
                GROUP,
                order=60,
            )
        )
    if rules.is_secretariat(user):
        cards.append(
            HomeCard(
                "Aides accordées restant à verser",
                GrantApplication.objects.to_pay().count(),
                f"{applications}?a_verser=1",
                GROUP,
                order=61,
            )
        )
    if rules.is_mandataire(user):
        cards.append(
            HomeCard(
                "Demandes d'aide en brouillon",
                GrantApplication.objects.visible_to(user)
                .filter(status=GrantApplication.Status.DRAFT)
                .count(),
                f"{applications}?statut={GrantApplication.Status.DRAFT}",
                GROUP,
                order=60,
            )
        )
    cards = [card for card in cards if card.value]  # only when something waits
    if rules.is_board_member(user):
        session = GrantSession.objects.upcoming().first()
        if session is not None:
            cards.append(  # the next commission's, even with none yet
                HomeCard(
                    f"Demandes en attente pour la commission du {date_fr(session.date)}",
                    GrantApplication.objects.waiting().filter(session=session).count(),
                    f"{applications}?session={session.pk}&en_attente=1",
                    GROUP,
                    hint=session.title,
                    order=59,
                )
            )
    return cards
