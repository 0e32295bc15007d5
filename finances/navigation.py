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

# Grants (AAP, solidarity, Trousse à projets pay-backs, subsidies, insurance claims).
MENU += [
    MenuItem(
        "Aides aux projets",
        "finances:grant_application_list",
        rules.sees_cooperatives,
        "Finances",
        order=40,
    ),
    MenuItem(
        "Commission des aides",
        "finances:grant_session_list",
        rules.sees_everything,
        "Finances",
        order=41,
    ),
    MenuItem(
        "Reversements Trousse à projets",
        "finances:payback_list",
        rules.sees_cooperatives,
        "Finances",
        order=42,
    ),
    MenuItem("Sinistres", "finances:claim_list", rules.sees_cooperatives, "Finances", order=43),
    MenuItem(
        "Subventions communales",
        "finances:subsidy_list",
        rules.sees_everything,
        "Finances",
        order=44,
    ),
    MenuItem(
        "Chiffres des aides", "finances:grant_figures", rules.sees_everything, "Finances", order=45
    ),
]


def home_cards(request) -> list:
    """Work waiting (one function per part of finances; grants for now)."""
    from .navigation_grants import home_cards as grants_cards

    return grants_cards(request)
