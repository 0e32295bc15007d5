"""The association's figures for the report: values on known data, one query each."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from occe.association import indicators, navigation
from occe.association.models import Contribution, Level, Meeting, Representation
from occe.core.indicators import registry
from occe.core.mailings import Mailing
from occe.core.models import SchoolYear
from occe.navigation import menu_items

from .factories import (
    BoardMandateFactory,
    MeetingFactory,
    NewsletterFactory,
    PartnerFactory,
    PersonFactory,
    StaffPositionFactory,
    WorkingGroupFactory,
)

pytestmark = pytest.mark.django_db
KEYS = [
    "association.administrateurs",
    "association.bureau",
    "association.salaries",
    "association.salaries.employeur.*",
    "association.detaches",
    "association.representants.*",
    "reunions.*",
    "association.chantiers",
    "partenaires.*",
    "partenaires.contributions.montant",
    "communication.lettres",
]


def figures(year) -> dict:
    values = {}
    for key in KEYS:
        values.update(registry()[key].compute(year))
    return values


def test_nothing_recorded_is_not_zero():
    year = SchoolYear.objects.current().previous()
    assert all(value is None for value in figures(year).values())


def test_figures_of_a_past_year(django_assert_num_queries):
    year = SchoolYear.objects.current().previous()
    day = datetime.date(year.start_year, 6, 1)  # elected before the year began
    in_year = datetime.datetime(year.start_year, 11, 13, 18, tzinfo=datetime.UTC)
    for role in ["president", "tresorier", ""]:
        BoardMandateFactory(bureau_role=role, start_date=day)
    # Left before the end of the year, and elected after it: neither counts.
    BoardMandateFactory(start_date=day, end_date=year.end_date - datetime.timedelta(days=30))
    BoardMandateFactory(start_date=year.end_date + datetime.timedelta(days=1))
    StaffPositionFactory(start_date=day, employer="association")
    StaffPositionFactory(start_date=day, employer="federation", detached=True)
    Representation.objects.create(
        person=PersonFactory(), level=Level.REGIONAL, body="CA de l'UR", start_date=day
    )
    MeetingFactory(starts_at=in_year, kind=Meeting.Kind.CA)
    MeetingFactory(starts_at=in_year, kind=Meeting.Kind.CA)
    MeetingFactory(starts_at=in_year, level=Level.NATIONAL, kind=Meeting.Kind.COMMISSION_STATUTS)
    MeetingFactory(starts_at=in_year - datetime.timedelta(days=400))  # the year before
    WorkingGroupFactory(start_date=day)
    WorkingGroupFactory(start_date=day, end_date=year.start_date - datetime.timedelta(days=1))
    partner = PartnerFactory(kind="culturel")
    PartnerFactory(kind="commune")
    PartnerFactory(kind="commune", active=False)
    Contribution.objects.create(
        partner=partner, school_year=year, amount=Decimal("5500"), purpose="THEA"
    )
    Contribution.objects.create(
        partner=partner, school_year=year.previous(), amount=Decimal("99"), purpose="x"
    )
    sent = NewsletterFactory(status=Mailing.Status.DONE)
    type(sent).objects.filter(pk=sent.pk).update(started_at=in_year)
    NewsletterFactory()  # a draft

    for key in KEYS:
        with django_assert_num_queries(1):
            registry()[key].compute(year)
    assert figures(year) == {
        "association.administrateurs": 3,
        "association.bureau": 2,
        "association.salaries": 2,
        "association.salaries.employeur.association": 1,
        "association.salaries.employeur.federation": 1,
        "association.detaches": 1,
        "association.representants.regional": 1,
        "reunions.departemental.ca": 2,
        "reunions.national.commission_statuts": 1,
        "association.chantiers": 1,
        "partenaires.culturel": 1,
        "partenaires.commune": 1,
        "partenaires.contributions.montant": Decimal("5500"),
        "communication.lettres": 1,
    }


def test_a_planned_meeting_is_not_counted_as_held():
    year = SchoolYear.objects.current()
    MeetingFactory(starts_at=timezone.now() + datetime.timedelta(minutes=5))
    assert indicators.meetings(year) is None


def test_the_demo_reproduces_the_seed_report():
    """OCCE 92, 2024-2025: 20 administrators, 8 at the bureau, 3 employees, the meetings by level
    and kind, 4 working groups, partners in four kinds, three newsletters."""
    call_command("demo_data", "--force", "--scale", "test", "--seed", "2", stdout=io.StringIO())
    values = figures(SchoolYear.objects.current().previous())
    assert values == {
        "association.administrateurs": 20,
        "association.bureau": 8,
        "association.salaries": 3,
        "association.salaries.employeur.association": 2,
        "association.salaries.employeur.federation": 1,
        "association.detaches": 1,
        "association.representants.regional": 3,
        "association.representants.national": 2,
        "reunions.departemental.ag": 1,
        "reunions.departemental.ca": 6,
        "reunions.departemental.bureau": 6,
        "reunions.departemental.commission_aap": 1,
        "reunions.regional.ag": 1,
        "reunions.regional.ca": 4,
        "reunions.regional.bureau": 4,
        "reunions.regional.instance_regionale": 2,
        "reunions.regional.reunion_animateurs": 8,
        "reunions.national.ag": 1,
        "reunions.national.commission_statuts": 1,
        "reunions.national.commission_aide_ad": 1,
        "association.chantiers": 4,
        "partenaires.pedagogique": 6,
        "partenaires.culturel": 6,
        "partenaires.juridique_financier": 3,
        "partenaires.commune": 4,
        "partenaires.contributions.montant": Decimal("7200"),
        "communication.lettres": 3,
    }


@pytest.mark.parametrize(
    ("role", "labels"),
    [
        (
            "secretariat",
            [
                "Conseil et équipe",
                "Réunions",
                "Chantiers",
                "Partenaires",
                "Lettres d'information",
                "Flyers",
            ],
        ),
        (
            "administrateur",
            [
                "Conseil et équipe",
                "Réunions",
                "Chantiers",
                "Partenaires",
                "Lettres d'information",
                "Flyers",
            ],
        ),
        ("mandataire", ["Lettres d'information"]),
        ("enseignant", ["Lettres d'information"]),
    ],
)
def test_the_menu_shows_the_association_to_whom_may_read_it(world, role, labels):
    mine = {item.label for item in navigation.MENU}
    shown = [item.label for item in menu_items(world.users[role]) if item.label in mine]
    assert shown == labels
