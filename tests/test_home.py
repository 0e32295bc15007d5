"""The home page per role (issue 13, section 4): each card shows a count and links to the list it
counts; the list opened at the card's URL has exactly that many rows (one definition of each
count, shared by the card and the list). Each role sees its own cards only, and the home page
runs a bounded number of queries whatever the amount of data.

The department below has data in every state for every card: some rows match a card, others
not (another coop, another teacher, another month, another status)."""

import datetime
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from actions.models import ClassRegistration, Intervention, Production, Submission
from cooperatives.models import TeacherSchool
from finances.models import Control
from formations.models import Registration, Session
from occe.core.mailings import Mailing
from prets.models import Order
from tests.accounts.factories import UserFactory
from tests.actions.factories import (
    ClassRegistrationFactory,
    EditionFactory,
    InterventionFactory,
    RoundFactory,
)
from tests.association.factories import NewsletterFactory
from tests.cooperatives.factories import AffiliationFactory, CooperativeFactory, MandateFactory
from tests.finances.factories_crfs import ControlActionFactory, ControlFactory, CrfsFactory
from tests.finances.factories_grants import GrantApplicationFactory, GrantSessionFactory
from tests.formations.factories import RegistrationFactory, SessionFactory
from tests.prets.factories import OrderFactory

pytestmark = pytest.mark.django_db

# Mid-November: the month has days before and after today, the CRFS of last year are due
# (30 September), the next commission is in the same school year.
TODAY = datetime.date(2026, 11, 18)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _mid_november():
    with freeze_time("2026-11-18 11:00:00"):
        yield


# --- Reading the pages as a user does ---


class _Page(HTMLParser):
    """The home page's cards (href, value, label) and the rows of a list page: the rows of
    each table's body (not a calendar, not the « nothing » row), a teacher's registrations
    (« Mes formations » articles), the coops in a CRFS « à rendre » box."""

    def __init__(self):
        super().__init__()
        self.cards, self.table_rows, self.box_rows, self.has_box = [], 0, 0, False
        self._card = self._field = None
        self._tbody = self._calendar = self._box = False
        self._row = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "a" and "stat" in classes:
            self._card = {"href": attrs["href"], "value": "", "label": ""}
        elif self._card is not None and tag in ("strong", "small"):
            self._field = "value" if tag == "strong" else "label"
        elif tag == "table":
            self._calendar = "calendar" in classes
        elif tag == "tbody" and not self._calendar:
            self._tbody = True
        elif tag == "tr" and self._tbody:
            self._row = True
        elif tag == "td" and self._row and "colspan" in attrs:
            self._row = False  # « Aucune … » spanning the table
        elif tag == "article" and (attrs.get("id") or "").startswith("inscription-"):
            self.table_rows += 1
        elif tag == "section" and attrs.get("id") == "a-faire":
            self._box = self.has_box = True
        elif tag == "li" and self._box:
            self.box_rows += 1

    def handle_endtag(self, tag):
        if tag == "a" and self._card is not None:
            self.cards.append(self._card)
            self._card = None
        elif tag in ("strong", "small"):
            self._field = None
        elif tag == "tr" and self._row is not None:
            self.table_rows += bool(self._row)
            self._row = None
        elif tag == "tbody":
            self._tbody = False
        elif tag == "section":
            self._box = False

    @property
    def rows(self) -> int:
        """A CRFS page's « à rendre » box is the list when there is one (the table below it
        holds the reports already started)."""
        return self.box_rows if self.has_box else self.table_rows

    def handle_data(self, data):
        if self._card is not None and self._field:
            self._card[self._field] += data.strip()


def parse(response) -> _Page:
    assert response.status_code == 200, response
    page = _Page()
    page.feed(response.content.decode())
    return page


def home_cards(client, user) -> dict[str, dict]:
    client.force_login(user)
    return {card["label"]: card for card in parse(client.get(reverse("home"))).cards}


def list_rows(client, href: str) -> int:
    from html import unescape

    return parse(client.get(unescape(href))).rows


# --- The department ---


class Department:
    def __init__(self, world, more: bool = False):
        self.world, self.more = world, more
        users = world.users
        self.animateur = users["animation"]
        self.admin = users["administrateur"]
        self.other_admin = UserFactory(administrateur=True)
        self.signatory = UserFactory(signataire=True)
        self.teacher = users["enseignant"]
        self.mandataire = users["mandataire"]
        self.previous = world.year.previous()
        self.trainings()
        self.actions()
        self.controls_and_flags()
        self.grants()
        self.loans_and_newsletters()
        self.finance = world.finance  # receipt requests in three states and one issued receipt

    def trainings(self):
        """Sessions held this month: 2 (a cancelled one, one next month, one last month not)."""
        for day, status in [
            (TODAY + 2 * DAY, Session.Status.OUVERTE),
            (TODAY - 10 * DAY, Session.Status.TENUE),
            (TODAY + 3 * DAY, Session.Status.ANNULEE),
            (TODAY + 20 * DAY, Session.Status.OUVERTE),
            (TODAY - 30 * DAY, Session.Status.TENUE),
        ]:
            session = SessionFactory(status=status, registration_deadline=day - 7 * DAY)
            session.parts.update(date=day)
        # The teacher's registrations: 4 listed (an upcoming cancelled one stays listed, a
        # past cancelled one does not); another teacher's never.
        coming = SessionFactory()
        past = SessionFactory(status=Session.Status.TENUE, registration_deadline=TODAY - 40 * DAY)
        past.parts.update(date=TODAY - 30 * DAY)
        own = self.world.own_coop
        for session, status in [
            (coming, Registration.Status.CONFIRMED),
            (SessionFactory(), Registration.Status.WAITING),
            (SessionFactory(), Registration.Status.CANCELLED),
            (past, Registration.Status.CONFIRMED),
            (past, None),
        ]:
            if status is None:  # cancelled, session past: not listed
                RegistrationFactory(
                    session=SessionFactory(registration_deadline=TODAY - 40 * DAY),
                    user=self.teacher,
                    cooperative=own,
                    status=Registration.Status.CANCELLED,
                ).session.parts.update(date=TODAY - 20 * DAY)
            else:
                RegistrationFactory(
                    session=session, user=self.teacher, cooperative=own, status=status
                )
        RegistrationFactory(session=coming)
        TeacherSchool.set_for(self.teacher, own)

    def actions(self):
        """Interventions this month: 2 held (a cancelled one and one next month are not).
        Editions with classes to select: 2. Editions with work to score: 2."""
        Status = ClassRegistration.Status
        first = EditionFactory()
        ClassRegistrationFactory(edition=first, teacher=self.teacher, status=Status.INSCRITE)
        ClassRegistrationFactory(edition=first, status=Status.RETENUE)
        second = EditionFactory()
        ClassRegistrationFactory.create_batch(2, edition=second, status=Status.INSCRITE)
        selected = EditionFactory()
        kept = ClassRegistrationFactory(
            edition=selected, teacher=self.teacher, status=Status.RETENUE
        )
        ClassRegistrationFactory(edition=selected, status=Status.NON_RETENUE)
        last_year = EditionFactory(school_year=self.previous)
        ClassRegistrationFactory(edition=last_year, teacher=self.teacher, status=Status.TERMINEE)

        noon = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(9)))
        for when, status in [
            (noon + 2 * DAY, Intervention.Status.PLANIFIEE),
            (noon - 5 * DAY, Intervention.Status.REALISEE),
            (noon + 3 * DAY, Intervention.Status.ANNULEE),
            (noon + 20 * DAY, Intervention.Status.PLANIFIEE),
        ]:
            InterventionFactory(
                registration=kept,
                starts_at=when,
                ends_at=when + datetime.timedelta(hours=2),
                status=status,
            )

        # Productions: one proposed (to review), one accepted; answers: one not scored.
        Production.objects.create(
            edition=selected, registration=kept, title="Haïkus", status=Production.Status.PROPOSEE
        )
        Production.objects.create(
            edition=first,
            registration=first.registrations.first(),
            title="Land art",
            status=Production.Status.ACCEPTEE,
        )
        for scored in (False, True):
            round_ = RoundFactory()
            registration = ClassRegistrationFactory(
                edition=round_.edition, status=Status.PARTICIPANTE
            )
            Submission.objects.create(
                round=round_,
                registration=registration,
                text="42",
                score=15 if scored else None,
                scored_by=self.animateur if scored else None,
            )

    def controls_and_flags(self):
        """Last year's CRFS: A (paper, flagged, no control), B (paper, flagged, controlled),
        C (no flag); D and E affiliated without a received CRFS (late after 30 September);
        the World's coops affiliated this year only. The administrator's open controls: 1."""
        year = self.previous
        coop_a, coop_b, coop_c, coop_d, coop_e = CooperativeFactory.create_batch(5)
        for coop in (coop_a, coop_b, coop_c, coop_d, coop_e):
            AffiliationFactory(cooperative=coop, school_year=year, validated=True)
        CrfsFactory(cooperative=coop_a, submitted=True, format="papier")
        CrfsFactory(cooperative=coop_b, submitted=True, format="papier")
        CrfsFactory(cooperative=coop_c, submitted=True)
        CrfsFactory(cooperative=coop_e)  # a draft: not received
        mine = ControlFactory(cooperative=coop_b, school_year=year, assigned=[self.admin])
        ControlFactory(
            assigned=[self.admin],
            status=Control.Status.CLOSED,
            outcome=Control.Outcome.COMPLIANT,
            closed_on=TODAY,
        )
        theirs = ControlFactory(assigned=[self.other_admin])
        overdue = TODAY - 3 * DAY
        ControlActionFactory(control=mine, due_date=overdue)
        ControlActionFactory(control=mine, due_date=overdue, status="fait")
        ControlActionFactory(control=mine, due_date=TODAY + 3 * DAY)
        ControlActionFactory(control=theirs, due_date=overdue)
        # The mandataire: a control letter on their coop; a second coop of theirs has its CRFS.
        ControlFactory(cooperative=self.world.own_coop, letter_sent_at=timezone.now())
        if not self.more:  # a mandataire's home lists each coop of theirs (a query each)
            MandateFactory(cooperative=coop_c, user=self.mandataire)

    def grants(self):
        """The next commission (in 10 days) waits on 3 applications (a draft and another
        session's are not counted); a later one and a past one."""
        upcoming = GrantSessionFactory(date=TODAY + 10 * DAY, deadline=TODAY + 5 * DAY)
        later = GrantSessionFactory(date=TODAY + 40 * DAY, deadline=TODAY + 30 * DAY)
        GrantSessionFactory(date=TODAY - 10 * DAY, deadline=TODAY - 20 * DAY)
        GrantApplicationFactory.create_batch(2, session=upcoming, submitted=True)
        GrantApplicationFactory(session=upcoming, review=True)
        GrantApplicationFactory(session=upcoming)
        GrantApplicationFactory(session=later, submitted=True)

    def loans_and_newsletters(self):
        own, other = self.world.own_coop, self.world.other_coop
        OrderFactory(cooperative=own, status=Order.Status.PREPARED)
        OrderFactory(cooperative=own, status=Order.Status.ORDERED)
        OrderFactory(cooperative=other, status=Order.Status.PREPARED)
        NewsletterFactory(status=Mailing.Status.SENDING)
        NewsletterFactory(status=Mailing.Status.DONE)
        NewsletterFactory()


@pytest.fixture
def department(world):
    return Department(world)


# --- One test per card: its value, and the list its URL opens has that many rows ---
# (The department's figures, cooperatives/figures.py, have theirs in
# tests/cooperatives/test_figures.py: one of them counts members, not rows.)

MONTH = "novembre 2026"
LAST = "2025-2026"

CARDS = [
    # (role, label, value)
    ("animation", f"Sessions de formation en {MONTH}", 2),
    ("animation", f"Interventions en {MONTH}", 2),
    ("animation", "Éditions avec des classes à sélectionner", 2),
    ("animation", "Éditions avec des productions à relire ou noter", 2),
    ("administrateur", "Contrôles qui me sont confiés", 1),
    ("administrateur", "Actions de suivi en retard de mes contrôles", 1),
    ("administrateur", f"Signalements {LAST} pas encore examinés", 3),
    ("administrateur", "Demandes en attente pour la commission du 28 novembre 2026", 3),
    ("administrateur", "Demandes d'aide en examen", 1),
    ("secretariat", "Demandes de reçus à valider", 1),
    ("secretariat", "Comptes rendus financiers à examiner", 3),
    ("secretariat", f"Comptes rendus financiers {LAST} en retard", 2),
    ("secretariat", "Commandes à préparer", 1),
    ("secretariat", "Réservations à confirmer", 0),
    ("secretariat", "Remises et retours du jour", 0),
    ("secretariat", "Prêts en retard", 0),
    ("secretariat", "Lettres d'information en cours d'envoi", 1),
    ("enseignant", "Mes inscriptions aux formations", 4),
    ("enseignant", "Mes classes inscrites aux actions", 3),
    ("mandataire", "Demandes de reçus en attente de validation", 1),
    ("mandataire", "Demandes de reçus à corriger", 0),
    ("mandataire", f"Comptes rendus financiers {LAST} à remplir", 1),
    ("mandataire", "Lettres de contrôle reçues", 1),
    ("mandataire", "Prêts en cours de ma coopérative", 0),
    ("mandataire", "Commandes prêtes à retirer", 1),
]


@pytest.mark.parametrize(("role", "label", "value"), CARDS, ids=[c[1] for c in CARDS])
def test_the_card_counts_the_rows_of_the_list_it_opens(client, department, role, label, value):
    user = department.world.users[role]
    card = home_cards(client, user)[label]
    assert card["value"] == str(value)
    assert list_rows(client, card["href"]) == value


def test_the_signatory_sees_the_receipts_of_the_year_and_the_222_bis_figures(client, department):
    from finances.models import Receipt

    cards = home_cards(client, department.signatory)
    receipt = Receipt.objects.get()  # the World's one, issued today
    issued = next(card for label, card in cards.items() if label.startswith("Reçus émis"))
    assert issued["value"] == "1"
    assert "2026-2027" in issued["label"]
    registers = client.get(issued["href"].replace("&amp;", "&"))
    school_year = parse(registers)
    assert school_year.rows  # the registers' tables
    page = registers.content.decode()
    # The registers of the school year: the receipts delivered (date of issue), not cancelled.
    assert 'Exercice (année scolaire) 2026-2027</td><td class="num">' in page
    assert registers.context["declarations"][1].count == 1
    assert registers.context["amount"] == receipt.amount
    declaration = next(card for label, card in cards.items() if "222 bis" in label)
    assert declaration["label"].startswith("Dons 2025 à déclarer")
    registers = client.get(declaration["href"].replace("&amp;", "&"))
    civil = registers.context["declarations"][0]
    assert civil.period.year == 2025
    from occe.core.formats import euros

    assert declaration["value"] == euros(civil.amount)


# --- Each role its own cards ---

OWN_CARDS = {
    role: {label for card_role, label, _ in CARDS if card_role == role}
    for role in ["animation", "administrateur", "secretariat", "enseignant", "mandataire"]
}
# The department's figures (cooperatives/figures.py) shown to staff and board alike.
FIGURES = {
    "coopératives actives",
    "coopératives affiliées en 2026-2027",
    "coopératives actives pas encore affiliées",
    "cotisations à encaisser",
    "coopératives radiées (comptées à part)",
    "affiliations soumises, à valider",
}
# The prets cards of every staff member (loans are handed over by whoever is at the desk).
DESK = {"Réservations à confirmer", "Remises et retours du jour", "Prêts en retard"}


def test_each_role_sees_its_own_cards_only(client, department):
    seen = {
        role: {label for label in home_cards(client, department.world.users[role])}
        for role in OWN_CARDS
    }
    members = next(label for label in seen["secretariat"] if label.startswith("adhérents"))
    figures = FIGURES | {members}
    assert seen["enseignant"] == OWN_CARDS["enseignant"]
    assert seen["mandataire"] == OWN_CARDS["mandataire"] | {
        "Mes inscriptions aux formations",
        "Mes classes inscrites aux actions",
    }
    assert seen["secretariat"] == OWN_CARDS["secretariat"] | figures
    assert seen["administrateur"] == OWN_CARDS["administrateur"] | figures
    assert seen["animation"] == OWN_CARDS["animation"] | figures | DESK
    # Nobody sees another role's work.
    for role, labels in seen.items():
        for other, own in OWN_CARDS.items():
            if other != role:
                assert (
                    not (labels & own)
                    - DESK
                    - FIGURES
                    - {
                        "Mes inscriptions aux formations",
                        "Mes classes inscrites aux actions",
                    }
                ), (role, other)


def test_an_enseignant_sees_their_school_registrations_and_the_catalogue(client, department):
    client.force_login(department.teacher)
    page = client.get(reverse("home")).content.decode()
    assert department.world.own_coop.name in page
    assert page.count("<strong>Liste d&#x27;attente</strong>") == 1
    assert f'href="{reverse("formations:catalogue")}"' in page
    assert f'href="{reverse("actions:catalogue")}"' in page
    assert "Comptes rendus financiers" not in page


# --- Bounded queries: the same number with more data ---

QUERIES = {
    "administrateur": 21,
    "animation": 21,
    "enseignant": 11,
    "mandataire": 22,  # the CRFS due date (association settings) in its card
    "secretariat": 26,
}


def _home_queries(client, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", sorted(QUERIES))
def test_the_home_page_runs_a_bounded_number_of_queries(client, department, role):
    user = department.world.users[role]
    client.force_login(user)
    client.get(reverse("home"))  # the session's first request records its 2FA check
    before = _home_queries(client, user)
    Department(department.world, more=True)  # as much again of everything
    assert _home_queries(client, user) == before
    assert before == QUERIES[role], before
