from django.urls import reverse
from django.utils import timezone

from occe.accounts import rules
from occe.navigation import HomeCard, MenuItem

from .models import Order, Reservation

GROUP = "Prêts et ventes"


MENU = [
    MenuItem("Catalogue des prêts", "prets:catalogue", rules.is_authenticated, GROUP, order=10),
    MenuItem("Réservations", "prets:reservation_list", rules.sees_loans, GROUP, order=20),
    MenuItem("Remises et retours du jour", "prets:today", rules.sees_everything, GROUP, order=30),
    MenuItem("Prêts en retard", "prets:overdue", rules.sees_everything, GROUP, order=40),
    MenuItem("Commandes", "prets:order_list", rules.sees_loans, GROUP, order=50),
    MenuItem("Produits en vente", "prets:product_list", rules.sees_everything, GROUP, order=60),
    MenuItem("Chiffres des prêts et ventes", "prets:figures", rules.sees_everything, GROUP, 70),
]


def home_cards(request) -> list[HomeCard]:
    """Work waiting: for staff, requests to confirm, today's hand-overs and returns, overdue
    loans, orders to prepare; for a mandataire, their coops' loans in progress."""
    user = request.user
    today = timezone.localdate()
    cards = []
    if rules.is_staff_member(user):
        reservations = reverse("prets:reservation_list")
        cards += [
            HomeCard(
                "Réservations à confirmer",
                Reservation.objects.awaiting_confirmation().count(),
                f"{reservations}?status={Reservation.Status.REQUESTED}",
                GROUP,
                order=50,
            ),
            HomeCard(
                "Remises et retours du jour",
                Reservation.objects.handovers_due(today).count()
                + Reservation.objects.returns_due(today).count(),
                reverse("prets:today"),
                GROUP,
                order=51,
            ),
            HomeCard(
                "Prêts en retard",
                Reservation.objects.overdue(today).count(),
                reverse("prets:overdue"),
                GROUP,
                order=52,
            ),
        ]
    if rules.is_secretariat(user):
        cards.append(
            HomeCard(
                "Commandes à préparer",
                Order.objects.to_prepare().count(),
                f"{reverse('prets:order_list')}?status={Order.Status.ORDERED}",
                GROUP,
                order=53,
            )
        )
    if rules.is_mandataire(user):
        cards += [
            HomeCard(
                "Prêts en cours de ma coopérative",
                Reservation.objects.visible_to(user).in_progress().count(),
                f"{reverse('prets:reservation_list')}?etat=en_cours",
                GROUP,
                order=50,
            ),
            HomeCard(
                "Commandes prêtes à retirer",
                Order.objects.visible_to(user).filter(status=Order.Status.PREPARED).count(),
                f"{reverse('prets:order_list')}?status={Order.Status.PREPARED}",
                GROUP,
                order=51,
            ),
        ]
    return cards
