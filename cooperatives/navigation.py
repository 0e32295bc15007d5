from occe.accounts import rules
from occe.navigation import MenuItem


def _list_label(user) -> str:
    return "Coopératives" if user.sees_everything else "Ma coopérative"


MENU = [
    MenuItem(
        "Coopératives",
        "cooperatives:list",
        rules.sees_cooperatives,
        group="Coopératives",
        order=10,
        label_for=_list_label,
    ),
    MenuItem(
        "Campagne d'affiliation",
        "cooperatives:campaign",
        rules.sees_everything,
        group="Coopératives",
        order=20,
    ),
    MenuItem("Import", "cooperatives:import", rules.is_secretariat, group="Coopératives", order=30),
    MenuItem(
        "Mon école", "cooperatives:my_school", rules.is_enseignant, group="Coopératives", order=5
    ),
]
