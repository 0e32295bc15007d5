"""Home cards of the CRFS and controls: work waiting for the secretariat and the board, and
the control letters a mandataire received. A card appears only when there is something."""

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
        waiting = Crfs.objects.of_year(year).filter(status=Crfs.Status.SUBMITTED).count()
        if waiting:
            cards.append(
                HomeCard(
                    "Comptes rendus financiers à examiner",
                    waiting,
                    f"{reverse('finances:crfs_list')}?annee={year.label}&etat=soumis",
                    "Finances",
                    order=30,
                )
            )
    if rules.is_board_member(user):
        overdue = ControlAction.objects.overdue().count()
        if overdue:
            cards.append(
                HomeCard(
                    "Actions de suivi des contrôles en retard",
                    overdue,
                    reverse("finances:control_overdue"),
                    "Finances",
                    order=31,
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
                order=32,
            )
        )
    return cards
