from occe.accounts import rules
from occe.navigation import HomeCard, MenuItem

from .models import ClassRegistration, can_manage

GROUP = "Actions pédagogiques"


def _reads_actions(user) -> bool:
    return rules.is_teacher(user) or rules.sees_everything(user)


MENU = [
    MenuItem("Actions de l'année", "actions:catalogue", _reads_actions, GROUP, order=10),
    MenuItem("Mes classes inscrites", "actions:my_classes", rules.is_teacher, GROUP, order=20),
    MenuItem("Actions et éditions", "actions:action_list", rules.sees_everything, GROUP, 30),
    MenuItem("Classes inscrites", "actions:registrations", rules.sees_everything, GROUP, 35),
    MenuItem("Interventions", "actions:interventions", rules.sees_everything, GROUP, order=40),
    MenuItem("Intervenants", "actions:intervenants", rules.sees_everything, GROUP, order=50),
    MenuItem("Chiffres des actions", "actions:figures", rules.sees_everything, GROUP, order=60),
]


def home_cards(request) -> list[HomeCard]:
    """Staff: class registrations waiting for the selection."""
    if not can_manage(request.user):
        return []
    from django.urls import reverse

    count = ClassRegistration.objects.filter(status=ClassRegistration.Status.INSCRITE).count()
    if not count:
        return []
    return [
        HomeCard(
            "Classes inscrites à sélectionner",
            count,
            reverse("actions:registrations") + "?status=inscrite",
            section=GROUP,
            hint="La liste filtrée ; proposition de sélection sur la page de chaque édition.",
        )
    ]
