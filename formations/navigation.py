from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from occe.accounts import rules
from occe.navigation import HomeCard, MenuItem

from .models import Registration, Session, can_manage


def _reads_catalogue(user) -> bool:
    return rules.is_teacher(user) or rules.sees_everything(user)


MENU = [
    MenuItem("Catalogue", "formations:catalogue", _reads_catalogue, group="Formations", order=10),
    MenuItem("Mes formations", "formations:my_trainings", rules.is_teacher, "Formations", 20),
    MenuItem(
        "Formations et sessions",
        "formations:training_list",
        rules.sees_everything,
        group="Formations",
        order=30,
    ),
    MenuItem("Chiffres", "formations:figures", rules.sees_everything, "Formations", 40),
    MenuItem(
        "Formations de l'équipe",
        "formations:staff_trainings",
        rules.sees_everything,
        group="Formations",
        order=50,
    ),
]


def home_cards(request) -> list[HomeCard]:
    """Staff: sessions past their deadline below their minimum, to cancel or to keep.
    Animation: this month's sessions. A teacher: their registrations (list « Mes formations »).
    Each count is the queryset method the list it opens filters with."""
    user = request.user
    sessions = reverse("formations:session_list")
    cards = []
    if can_manage(user):
        count = Session.objects.proposed_for_cancellation().count()
        if count:
            cards.append(
                HomeCard(
                    "Sessions sous le minimum d'inscrits",
                    count,
                    f"{sessions}?proposees=true",
                    section="Formations",
                    hint="Date limite passée : annuler ou maintenir.",
                )
            )
    if rules.is_animation(user):
        month = timezone.localdate().replace(day=1)
        cards.append(
            HomeCard(
                f"Sessions de formation en {date_format(month, 'F Y')}",
                Session.objects.held_in_month(month).count(),
                f"{sessions}?mois={month:%Y-%m}",
                section="Formations",
                order=40,
            )
        )
    if rules.is_teacher(user):
        cards.append(
            HomeCard(
                "Mes inscriptions aux formations",
                Registration.objects.listed_for(user).count(),
                reverse("formations:my_trainings"),
                section="Formations",
                order=80,
            )
        )
    return cards


def home_context(request) -> dict:
    """A teacher's registrations to trainings, with their status, on the home page."""
    user = request.user
    if not rules.is_teacher(user):
        return {}
    today = timezone.localdate()
    registrations = (
        Registration.objects.listed_for(user)
        .select_related("session__training")
        .filter(first_day__gte=today)
        .order_by("first_day", "pk")
    )
    return {"my_trainings": registrations}
