from occe.navigation import MenuItem

from .views import handles_personal_data, is_president

MENU = [
    MenuItem("Données d'une personne", "ops:person", handles_personal_data, "Association", 96),
    MenuItem("Journal des connexions", "ops:login_audit", is_president, "Association", 97),
]
