from occe.accounts import rules
from occe.navigation import MenuItem

MENU = [
    MenuItem(
        "Données d'une personne", "ops:person", rules.handles_personal_data, "Association", 96
    ),
    MenuItem("Journal des connexions", "ops:login_audit", rules.is_president, "Association", 97),
]
