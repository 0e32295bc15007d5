"""Home cards of the CRFS and controls: work waiting for the secretariat and the board."""

from django.urls import reverse

from occe.accounts import rules
from occe.core.models import SchoolYear
from occe.navigation import HomeCard

from .models import Control, ControlAction, Crfs


def crfs_home_cards(request) -> list[HomeCard]:
    user = request.user
    cards = []
    year = SchoolYear.objects.current().previous()
    if rules.is_secretariat(user):
        cards.append(
            HomeCard(
                "Comptes rendus financiers à examiner",
                Crfs.objects.of_year(year).filter(status=Crfs.Status.SUBMITTED).count(),
                f"{reverse('finances:crfs_list')}?annee={year.label}&etat=soumis",
                "Finances",
                order=20,
            )
        )
    if rules.is_board_member(user):
        cards.append(
            HomeCard(
                "Actions de suivi des contrôles en retard",
                ControlAction.objects.overdue().count(),
                reverse("finances:control_overdue"),
                "Finances",
                order=21,
            )
        )
    letters = Control.objects.visible_to(user).count() if rules.is_mandataire(user) else 0
    if letters:
        cards.append(
            HomeCard(
                "Lettres de contrôle reçues",
                letters,
                reverse("finances:control_list"),
                "Finances",
                order=22,
            )
        )
    return cards
