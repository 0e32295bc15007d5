from django.db.models import Count, Sum
from django.urls import reverse

from occe.accounts import rules
from occe.navigation import HomeCard, MenuItem

from .models import DonationRequest

MENU = [
    MenuItem(
        "Reçus fiscaux",
        "finances:request_list",
        rules.sees_receipts,
        group="Finances",
        order=10,
    ),
]

SECTION = "Reçus fiscaux"


def home_cards(request) -> list[HomeCard]:
    """Receipt requests waiting: the secretariat's to validate; a mandataire's to correct and
    those waiting for the association. Each card opens the request list filtered the same way."""
    user = request.user
    Status = DonationRequest.Status
    wanted = []
    if rules.is_secretariat(user):
        wanted.append(("Demandes de reçus à valider", Status.SUBMITTED))
    if rules.is_mandataire(user):
        wanted += [
            ("Demandes de reçus à corriger", Status.TO_CORRECT),
            ("Demandes de reçus en attente de validation", Status.SUBMITTED),
        ]
    cards = _signatory_cards(user) if rules.is_president(user) else []
    if not wanted:
        return cards
    counts = DonationRequest.objects.visible_to(user).status_counts()
    url = reverse("finances:request_list")
    return cards + [
        HomeCard(label, counts.get(status, 0), f"{url}?status={status}", SECTION, order=20 + n)
        for n, (label, status) in enumerate(wanted)
    ]


def _signatory_cards(user) -> list[HomeCard]:
    """The signatory (receipts are issued in their name): this school year's receipts with
    their amount, and the figures of the annual 222 bis declaration. Both read the registers'
    definitions (finances/registers.py) and open the registers page of that period."""
    from django.utils import timezone

    from occe.core.formats import euros
    from occe.core.models import SchoolYear

    from .registers import Period, declaration, issued_in

    year = SchoolYear.objects.current()
    school = Period("scolaire", year.start_year)
    issued = issued_in(school).valid().aggregate(count=Count("pk"), amount=Sum("amount"))
    civil = Period("civile", timezone.localdate().year - 1)
    registers = reverse("finances:registers")
    return [
        HomeCard(
            f"Reçus émis à votre nom en {year.label} ({euros(issued['amount'] or 0)})",
            issued["count"],
            f"{registers}?period=scolaire&year={school.year}",
            SECTION,
            hint="Reçus non annulés, par date d'émission.",
            order=18,
        ),
        HomeCard(
            f"Dons {civil.year} à déclarer (222 bis)",
            euros(declaration(civil).amount),
            f"{registers}?period=civile&year={civil.year}",
            SECTION,
            hint="Montant des dons de l'année civile ayant donné lieu à un reçu valide.",
            order=19,
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


_receipt_cards = home_cards


def home_cards(request) -> list[HomeCard]:  # noqa: F811  (receipts' cards, then the grants')
    """Work waiting: receipt requests (above), then grants (finances/navigation_grants.py)."""
    from .navigation_grants import home_cards as grants_cards

    return _receipt_cards(request) + grants_cards(request)


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


_receipt_and_grant_cards = home_cards


def home_cards(request) -> list[HomeCard]:  # noqa: F811  (then the CRFS and controls' cards)
    from .navigation_crfs import crfs_home_cards

    return _receipt_and_grant_cards(request) + crfs_home_cards(request)


def coop_sections(request, coop) -> list:
    """The coop page's CRFS history and controls (occe.navigation.coop_sections)."""
    from .navigation_crfs import crfs_coop_sections

    return crfs_coop_sections(request, coop)
