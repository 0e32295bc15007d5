from occe.accounts import rules
from occe.navigation import MenuItem

MENU = [
    MenuItem(
        "Reçus fiscaux",
        "finances:request_list",
        rules.sees_receipts,
        group="Finances",
        order=10,
    ),
]
