from occe.accounts import rules
from occe.navigation import MenuItem

MENU = [
    MenuItem(
        "Reçus fiscaux",
        "finances:request_list",
        rules.sees_cooperatives,
        group="Finances",
        order=10,
    ),
]

# CRFS and controls (issue 8).
MENU += [
    MenuItem(
        "Comptes rendus financiers",
        "finances:crfs_list",
        rules.sees_cooperatives,
        group="Finances",
        order=20,
    ),
    MenuItem("Signalements", "finances:crfs_flags", rules.sees_everything, "Finances", 30),
    MenuItem("Contrôles", "finances:control_list", rules.sees_cooperatives, "Finances", 40),
]


def home_cards(request):
    from .navigation_crfs import crfs_home_cards

    return crfs_home_cards(request)
