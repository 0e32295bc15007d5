from occe.accounts import rules
from occe.navigation import MenuItem

MENU = [
    MenuItem("Rapport d'activité", "reports:index", rules.sees_everything, "Association", 90),
]
