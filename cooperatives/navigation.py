from occe.accounts import rules
from occe.core.models import SchoolYear
from occe.navigation import HomeCard, MenuItem

from . import figures
from .models import Affiliation, Cooperative, TeacherSchool


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


def home_cards(request) -> list[HomeCard]:
    """Staff: where the department stands this year (cooperatives/figures.py)."""
    if not rules.sees_everything(request.user):
        return []
    cards = figures.home_cards(SchoolYear.objects.current())
    return [
        HomeCard(card.label, card.value, card.url, "Coopératives", order=10 + position)
        for position, card in enumerate(cards)
    ]


def home_context(request) -> dict:
    """A mandataire's cooperatives with their affiliation of this year; a teacher's school."""
    user = request.user
    if rules.is_enseignant(user):
        school = TeacherSchool.objects.filter(user=user).select_related("cooperative").first()
        return {"my_school": school.cooperative if school else None}
    if rules.sees_everything(user) or not rules.is_mandataire(user):
        return {}
    year = SchoolYear.objects.current()
    coops = list(Cooperative.objects.visible_to(user).order_by("number"))
    affiliations = {
        a.cooperative_id: a
        for a in Affiliation.objects.filter(cooperative__in=coops, school_year=year)
    }
    return {"my_coops": [(coop, affiliations.get(coop.pk)) for coop in coops]}
