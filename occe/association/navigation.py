from django.urls import reverse

from occe.accounts import rules
from occe.core.mailings import Mailing
from occe.navigation import HomeCard, MenuItem

from .models import Newsletter

GROUP = "Association"

MENU = [
    MenuItem("Conseil et équipe", "association:people", rules.sees_everything, GROUP, order=10),
    MenuItem("Réunions", "association:meeting_list", rules.sees_everything, GROUP, order=20),
    MenuItem("Chantiers", "association:group_list", rules.sees_everything, GROUP, order=30),
    MenuItem("Partenaires", "association:partner_list", rules.sees_everything, GROUP, order=40),
    MenuItem("Lettres d'information", "association:newsletter_list", group=GROUP, order=50),
    MenuItem("Flyers", "association:flyer_list", rules.sees_everything, GROUP, order=55),
]


def home_cards(request) -> list[HomeCard]:
    """The secretariat: newsletters being sent (the list filtered on that status)."""
    if not rules.is_secretariat(request.user):
        return []
    sending = Newsletter.objects.sending().count()
    if not sending:
        return []
    return [
        HomeCard(
            "Lettres d'information en cours d'envoi",
            sending,
            f"{reverse('association:newsletter_list')}?statut={Mailing.Status.SENDING}",
            GROUP,
            order=70,
        )
    ]
