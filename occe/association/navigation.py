from occe.accounts import rules
from occe.navigation import MenuItem

GROUP = "Association"

MENU = [
    MenuItem("Conseil et équipe", "association:people", rules.sees_everything, GROUP, order=10),
    MenuItem("Réunions", "association:meeting_list", rules.sees_everything, GROUP, order=20),
    MenuItem("Chantiers", "association:group_list", rules.sees_everything, GROUP, order=30),
    MenuItem("Partenaires", "association:partner_list", rules.sees_everything, GROUP, order=40),
    MenuItem("Lettres d'information", "association:newsletter_list", group=GROUP, order=50),
]
