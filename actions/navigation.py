from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from occe.accounts import rules
from occe.core.models import SchoolYear
from occe.navigation import HomeCard, MenuItem

from .models import ClassRegistration, Edition, Intervention

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
    """Animation: this month's interventions, the editions with classes to select and those
    with productions to review or answers to score. A teacher: their classes registered.
    Each count is the queryset method the list it opens filters with."""
    user = request.user
    cards = []
    if rules.is_animation(user):
        month = timezone.localdate().replace(day=1)
        editions = reverse("actions:action_list")
        cards += [
            HomeCard(
                f"Interventions en {date_format(month, 'F Y')}",
                Intervention.objects.in_month(month).holding().count(),
                f"{reverse('actions:interventions')}?mois={month:%Y-%m}&maintenues=1",
                GROUP,
                hint="Planifiées ou réalisées, sans les annulées.",
                order=41,
            ),
            HomeCard(
                "Éditions avec des classes à sélectionner",
                Edition.objects.awaiting_selection().count(),
                f"{editions}?editions=a_selectionner",
                GROUP,
                hint="Proposition de sélection sur la page de chaque édition.",
                order=42,
            ),
            HomeCard(
                "Éditions avec des productions à relire ou noter",
                Edition.objects.with_work_to_score().count(),
                f"{editions}?editions=a_noter",
                GROUP,
                order=43,
            ),
        ]
    if rules.is_teacher(user):
        cards.append(
            HomeCard(
                "Mes classes inscrites aux actions",
                ClassRegistration.objects.of_teacher(user).count(),
                reverse("actions:my_classes"),
                GROUP,
                order=81,
            )
        )
    return cards


def home_context(request) -> dict:
    """A teacher's classes registered to this year's actions, with their status."""
    user = request.user
    if not rules.is_teacher(user):
        return {}
    classes = (
        ClassRegistration.objects.of_teacher(user)
        .filter(edition__school_year=SchoolYear.objects.current())
        .select_related("edition__action")
        .order_by("edition__action__title", "pk")
    )
    return {"my_classes": classes}
