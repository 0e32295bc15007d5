from occe.accounts import rules
from occe.navigation import HomeCard, MenuItem

from .models import Session, can_manage


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
    """Staff: sessions past their deadline below their minimum, to cancel or to keep."""
    if not can_manage(request.user):
        return []
    from django.urls import reverse

    count = Session.objects.proposed_for_cancellation().count()
    if not count:
        return []
    return [
        HomeCard(
            "Sessions sous le minimum d'inscrits",
            count,
            f"{reverse('formations:session_list')}?proposees=true",
            section="Formations",
            hint="Date limite passée : annuler ou maintenir.",
        )
    ]
