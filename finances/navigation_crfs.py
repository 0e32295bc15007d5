"""Home cards of the CRFS and controls: work waiting for the secretariat (CRFS to examine, CRFS
not returned after the due date), for the board (their open controls, the overdue follow-ups of
those, the flags nobody examined yet), and a mandataire's CRFS to fill in and the control
letters they received. Each count is what the list it opens shows, through the same queryset
method or service; most cards appear only when there is something."""

from urllib.parse import urlencode

from django.urls import reverse

from occe.accounts import rules
from occe.core.models import SchoolYear
from occe.navigation import HomeCard

from .models import Control, ControlAction, Crfs
from .models.crfs import Reason
from .services import crfs as services


def _url(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


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
                    _url("finances:crfs_list", annee=year.label, etat="soumis"),
                    "Finances",
                    order=30,
                )
            )
        late = len(services.flagged_coops(year, Reason.NOT_RETURNED))
        if late:
            cards.append(
                HomeCard(
                    f"Comptes rendus financiers {year.label} en retard",
                    late,
                    _url("finances:crfs_flags", annee=year.label, motif=Reason.NOT_RETURNED),
                    "Finances",
                    hint="Coopératives affiliées sans compte rendu reçu après la date limite.",
                    order=29,
                )
            )
    if rules.is_board_member(user):
        cards += [
            HomeCard(
                "Contrôles qui me sont confiés",
                Control.objects.assigned_to(user).open().count(),
                _url("finances:control_list", a_moi=1, ouverts=1),
                "Finances",
                hint="Contrôles non clôturés.",
                order=31,
            ),
            HomeCard(
                "Actions de suivi en retard de mes contrôles",
                ControlAction.objects.overdue().of_controls_assigned_to(user).count(),
                _url("finances:control_overdue", a_moi=1),
                "Finances",
                order=32,
            ),
            HomeCard(
                f"Signalements {year.label} pas encore examinés",
                len(services.flagged_coops(year, unexamined=True)),
                _url("finances:crfs_flags", annee=year.label, sans_controle=1),
                "Finances",
                hint="Coopératives signalées sans contrôle ouvert.",
                order=33,
            ),
        ]
    if rules.is_mandataire(user):
        to_start = services.coops_to_start(user, year).count()
        if to_start:
            cards.append(
                HomeCard(
                    f"Comptes rendus financiers {year.label} à remplir",
                    to_start,
                    _url("finances:crfs_list", annee=year.label),
                    "Finances",
                    order=30,
                )
            )
        letters = Control.objects.visible_to(user).count()
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
