"""A small department with known data in every app: each `Indicateurs` key of issue 14 (§3)
has the value counted by hand here, and the PDF carries those figures in French, in their
sections, each item under its real name (the training's title, the action's, the product's,
the kind of resource), never its slug."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time
from openpyxl import load_workbook

from actions.models import BudgetLine, ClassRegistration, Intervention
from cooperatives.models import Cooperative
from finances.models import Channel, GrantSession, MunicipalSubsidy
from formations.models import Session
from occe.association.models import BoardMandate, Flyer, Meeting
from occe.core.models import Association, SchoolYear
from occe.reports.generate import generate
from prets.models import ResourceKind
from tests.actions.factories import (
    ActionFactory,
    BudgetLineFactory,
    ClassRegistrationFactory,
    EditionFactory,
    InterventionFactory,
)
from tests.association.factories import BoardMandateFactory, MeetingFactory, StaffPositionFactory
from tests.cooperatives.factories import AffiliationFactory, CooperativeFactory
from tests.finances.factories_crfs import ControlFactory, CrfsFactory
from tests.finances.factories_grants import (
    GrantApplicationFactory,
    GrantPaymentFactory,
    GrantSessionFactory,
    InsuranceClaimFactory,
    TroussePaybackFactory,
)
from tests.formations.factories import AttendanceFactory, SessionFactory, TrainingFactory
from tests.prets.factories import (
    CopyFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    ReservationFactory,
)
from tests.reports.test_report import indicators_sheet, pdf_pages, section_page, validated_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
D = datetime.date


@pytest.fixture
def frozen():
    with freeze_time("2025-11-20 10:00"):
        yield


def year(start: int) -> SchoolYear:
    return SchoolYear.objects.get_or_create(start_year=start)[0]


def moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def cooperatives() -> dict[str, Cooperative]:
    """2024-2025: a maternelle, an élémentaire, a primaire (1st degree), a collège with a
    software licence, a SEGPA with an AssoConnect profile: 25 classes, 590 pupils, 38 adults.
    2023-2024: the first two only (213 members)."""
    kinds = {
        "A": (Cooperative.Type.MATERNELLE, 3, 70, 5),
        "B": (Cooperative.Type.ELEMENTAIRE, 6, 150, 8),
        "C": (Cooperative.Type.PRIMAIRE, 4, 90, 6),
        "D": (Cooperative.Type.COLLEGE, 10, 250, 15),
        "E": (Cooperative.Type.SEGPA, 2, 30, 4),
    }
    coops = {}
    for name, (kind, classes, pupils, adults) in kinds.items():
        coops[name] = CooperativeFactory(
            type=kind, software="BasiCompta" if name == "D" else "", assoconnect_profile=name == "E"
        )
        AffiliationFactory(
            cooperative=coops[name],
            school_year=year(2024),
            validated=True,
            classes=classes,
            pupils=pupils,
            adults=adults,
        )
    AffiliationFactory(
        cooperative=coops["A"], school_year=year(2023), validated=True, pupils=60, adults=5
    )
    AffiliationFactory(
        cooperative=coops["B"], school_year=year(2023), validated=True, pupils=140, adults=8
    )
    return coops


def association_life() -> None:
    """Three administrators (one in the bureau), two employees; in 2024-2025 two CA and an AG
    (departmental), one national AG; two flyers (500 and 300 copies)."""
    BoardMandateFactory(bureau_role=BoardMandate.BureauRole.PRESIDENT)
    BoardMandateFactory.create_batch(2)
    StaffPositionFactory.create_batch(2)
    for day, kind in ((D(2024, 10, 10), "ca"), (D(2025, 3, 10), "ca"), (D(2024, 11, 20), "ag")):
        MeetingFactory(kind=kind, starts_at=moment(day, 18))
    MeetingFactory(level="national", kind=Meeting.Kind.AG, starts_at=moment(D(2025, 6, 1)))
    MeetingFactory(kind="ca", starts_at=moment(D(2024, 6, 1)))  # 2023-2024
    Flyer.objects.create(title="THEA", school_year=year(2024), copies=500)
    Flyer.objects.create(title="Les écoles qui filment", school_year=year(2024), copies=300)


def training(coop) -> str:
    """« Premiers pas de mandataire » (3 h): one session held on 15 October 2024, three
    registered, two present (6 hours × participants); one session cancelled."""
    course = TrainingFactory(title="Premiers pas de mandataire", hours=Decimal("3"))
    held = SessionFactory(training=course, status=Session.Status.TENUE)
    SessionFactory(training=course, status=Session.Status.ANNULEE)
    for session in course.sessions.all():
        session.parts.update(date=D(2024, 10, 15))
    for present in (True, True, False):
        AttendanceFactory(
            registration__session=held, registration__cooperative=coop, present=present
        )
    return course.slug


def crfs_and_controls(coops) -> None:
    """CRFS of 2024-2025 (due 30 September 2025): A accepted on time with a high balance, B on
    paper and late, C on time without quitus, 250 € between books and bank; D and E none.
    One control of B, for its paper report without quitus."""
    CrfsFactory(
        cooperative=coops["A"],
        school_year=year(2024),
        accepted=True,
        submitted_at=moment(D(2025, 9, 15)),
        closing_balance=Decimal("19950"),
        bank_balance=Decimal("20000"),
        pending_amount=Decimal("50"),
    )
    CrfsFactory(
        cooperative=coops["B"],
        school_year=year(2024),
        submitted=True,
        submitted_at=moment(D(2025, 10, 20)),
        format="papier",
    )
    CrfsFactory(
        cooperative=coops["C"],
        school_year=year(2024),
        submitted=True,
        submitted_at=moment(D(2025, 9, 20)),
        quitus=False,
        quitus_date=None,
        bank_balance=Decimal("2050.25"),
        pending_amount=Decimal("0"),
    )
    ControlFactory(cooperative=coops["B"], school_year=year(2024), reason_no_quitus=True)


def money(coops) -> None:
    """Receipts: two requests of the coops validated (3 receipts, 300,50 €: 275,50 € in
    October 2024, 50 € in March 2025), one of the Trousse (25 €). Grants: an AAP granted and
    150 € paid, a solidarity grant and 80 € paid; a Trousse pay-back of 1 440 €; a claim; a
    commune's subsidy of 300 € typed in for C."""
    validated_request(["150.00", "100.50"], moment(D(2024, 10, 15)))
    validated_request(["50.00"], moment(D(2025, 3, 3)))
    validated_request(["25.00"], moment(D(2024, 10, 15)), channel=Channel.TROUSSE)
    for kind, paid in (("aap", "150"), ("solidarite", "80")):
        session = GrantSessionFactory(
            kind=kind,
            date=D(2024, 12, 5),
            deadline=D(2024, 11, 20),
            status=GrantSession.Status.DECIDED,
        )
        application = GrantApplicationFactory(granted=True, session=session, cooperative=coops["B"])
        GrantPaymentFactory(application=application, date=D(2025, 1, 15), amount=Decimal(paid))
    TroussePaybackFactory(cooperative=coops["A"], date=D(2025, 2, 10))
    InsuranceClaimFactory(cooperative=coops["D"], event_date=D(2025, 1, 10))
    MunicipalSubsidy.objects.create(
        cooperative=coops["C"], commune="Nanterre", school_year=year(2024), amount=Decimal("300")
    )


def loans_and_sales(coops) -> str:
    """The camera kit lent to A for 10 days in January 2025; 12 « Agenda coopératif » ordered
    at 7,50 € in November 2024."""
    copy = CopyFactory(resource__kind=ResourceKind.PRISE_DE_VUE)
    ReservationFactory(
        copy=copy,
        cooperative=coops["A"],
        returned=True,
        start_date=D(2025, 1, 6),
        end_date=D(2025, 1, 16),
    )
    product = ProductFactory(name="Agenda coopératif", price=Decimal("7.50"))
    order = OrderFactory(cooperative=coops["B"])
    OrderLineFactory(order=order, product=product, quantity=12)
    type(order).objects.filter(pk=order.pk).update(created_at=moment(D(2024, 11, 5)))
    return product.slug


def action(coops) -> str:
    """THEA 2024-2025: a CE1 of A (24 pupils) and a CM1 of B (26), a class on the waiting
    list left out; 3 interventions held (one cancelled); 1 500 € spent, 300 € from the DSDEN
    and 700 € from the Rectorat (the association's share: 500 €)."""
    edition = EditionFactory(action=ActionFactory(title="THEA"), school_year=year(2024))
    first = ClassRegistrationFactory(
        edition=edition, cooperative=coops["A"], levels=["CE1"], pupils=24
    )
    second = ClassRegistrationFactory(
        edition=edition, cooperative=coops["B"], levels=["CM1"], pupils=26
    )
    ClassRegistrationFactory(
        edition=edition, cooperative=coops["C"], status=ClassRegistration.Status.ATTENTE
    )
    for registration, status in (
        (first, Intervention.Status.REALISEE),
        (first, Intervention.Status.REALISEE),
        (second, Intervention.Status.REALISEE),
        (second, Intervention.Status.ANNULEE),
    ):
        InterventionFactory(
            registration=registration, status=status, starts_at=moment(D(2025, 1, 14), 9)
        )
    BudgetLineFactory(edition=edition, amount=Decimal("1000"))
    BudgetLineFactory(edition=edition, amount=Decimal("500"), category="transport")
    for label, amount in (("DSDEN", "300"), ("Rectorat", "700")):
        BudgetLineFactory(
            edition=edition,
            kind=BudgetLine.Kind.CONTRIBUTION,
            category=BudgetLine.Category.SUBVENTION,
            label=label,
            amount=Decimal(amount),
        )
    return edition.action.slug


@pytest.fixture
def department():
    Association.objects.update_or_create(pk=1, defaults={"name": "OCCE 99 — Test"})
    coops = cooperatives()
    association_life()
    slugs = {
        "training": training(coops["A"]),
        "product": loans_and_sales(coops),
        "action": action(coops),
    }
    crfs_and_controls(coops)
    money(coops)
    return slugs


def expected(slugs: dict) -> dict:
    """Every key of issue 14's contract, counted by hand from the data above."""
    training, product, action = slugs["training"], slugs["product"], slugs["action"]
    kit = ResourceKind.PRISE_DE_VUE.value
    return {
        "cooperatives.total": 5,
        "cooperatives.premier_degre": 3,
        "cooperatives.second_degre_et_specialises": 2,
        "cooperatives.type.maternelle": 1,
        "cooperatives.type.elementaire": 1,
        "cooperatives.type.primaire": 1,
        "cooperatives.type.college": 1,
        "cooperatives.type.segpa": 1,
        "cooperatives.type.lycee": 0,
        "cooperatives.type.etablissement_specialise": 0,
        "adherents.total": 628,  # 590 pupils + 38 adults
        "adherents.classes": 25,
        "adherents.eleves": 590,
        "adherents.adultes": 38,
        "adherents.evolution": 415,  # 628 − (65 + 148)
        "association.administrateurs": 3,
        "association.bureau": 1,
        "association.salaries": 2,
        "reunions.departemental.ca": 2,
        "reunions.departemental.ag": 1,
        "reunions.national.ag": 1,
        f"formations.{training}.sessions": 1,
        f"formations.{training}.participants": 2,
        f"formations.{training}.heures": 6,
        "crfs.attendus": 5,
        "crfs.recus": 3,
        "crfs.acceptes": 1,
        "crfs.en_retard": 3,  # B after the due date, D and E never
        "crfs.signalements.papier": 1,
        "crfs.signalements.sans_quitus": 1,
        "crfs.signalements.solde_eleve": 1,  # A: 20 000 € > 15 000 €
        "crfs.signalements.ecart_banque": 1,  # C: |1 800,25 − 2 050,25| = 250 € > 200 €
        "controles.total": 1,
        "controles.motif.papier": 1,
        "controles.motif.sans_quitus": 1,
        "controles.motif.solde_eleve": 0,
        "controles.motif.ecart_banque": 0,
        "accompagnement.licences_logiciel": 1,
        "accompagnement.profils_assoconnect": 1,
        "accompagnement.sinistres": 1,
        "recus.demandes": 2,
        "recus.montant": 300.5,
        "recus.nombre": 3,
        "recus.trousse.demandes": 1,
        "recus.trousse.montant": 25,
        "aap.dossiers_retenus": 2,
        "aap.montant": 150,
        "solidarite.montant": 80,
        "trousse.reversements.projets": 1,
        "trousse.reversements.montant": 1440,
        "subventions.communes.montant": 300,
        f"prets.{kit}.jours": 10,
        f"prets.{kit}.cooperatives": 1,
        f"ventes.{product}.quantite": 12,
        f"actions.{action}.classes": 2,
        f"actions.{action}.ecoles": 2,
        f"actions.{action}.eleves": 50,
        f"actions.{action}.interventions": 3,
        f"actions.{action}.budget.total": 1500,
        f"actions.{action}.budget.part_association": 500,
        # Beyond the contract: one line per contribution, the flyers.
        f"actions.{action}.budget.contributions.dsden": 300,
        f"actions.{action}.budget.contributions.rectorat": 700,
        "communication.flyers": 2,
        "communication.flyers.exemplaires": 800,
    }


def test_every_contract_key_has_its_exact_value(department):
    output = generate(year(2024))
    values = indicators_sheet(output.xlsx)
    wanted = expected(department)
    assert {key: values.get(key, "absent") for key in wanted} == wanted
    assert isinstance(values["recus.montant"], Decimal | float)
    assert values["recus.mois.2024_10"] == 275.5 and values["recus.mois.2025_03"] == 50
    # The sections' sheets name each item as the PDF does, never by its slug.
    book = load_workbook(io.BytesIO(output.xlsx))
    labels = [row[0] for row in book["Nos formations"].iter_rows(min_row=2, values_only=True)]
    assert "Sessions tenues — Premiers pas de mandataire" in labels
    labels = [row[0] for row in book["Ressources et prêts"].iter_rows(min_row=2, values_only=True)]
    assert "Quantité vendue par produit — Agenda coopératif" in labels
    assert not any(department["product"] in str(label) for label in labels)


def test_the_pdf_shows_each_figure_in_french_in_its_section(department):
    # The tables' first column hyphenates long names: join them again.
    pages = [page.replace("\u2010 ", "") for page in pdf_pages(generate(year(2024)).pdf)]
    coops = section_page(pages, "Nos coopératives")
    assert "5 COOPÉRATIVES SCOLAIRES affiliées, SOIT 628 ADHÉRENTS" in coops
    assert "(25 classes, 590 élèves et 38 adultes)" in coops
    assert "1 maternelles, 1 élémentaires, 1 primaires" in coops
    assert "415 de plus" in coops
    life = section_page(pages, "La vie associative")
    assert "3 ADMINISTRATEURS — 1 membres au bureau." in life
    assert "Départemental" in life and "National" in life
    trainings = section_page(pages, "Nos formations")
    assert "Premiers pas de mandataire 1 1 2 3 6" in trainings
    support = section_page(pages, "Accompagnement des coops")
    assert "1 CONTRÔLES DE COOPÉRATIVES SCOLAIRES." in support
    assert (
        "2 demandes transmises par les coopératives scolaires pour un total de 300,50 €" in support
    )
    assert "2 dossiers retenus — 150,00 € versés en AAP et 80,00 € en solidarité" in support
    assert "1 projets, soit 1 440,00 € reversés" in support
    loans = section_page(pages, "Ressources et prêts")
    assert "Matériel de prise de vue et de son 10" in loans
    assert "Agenda coopératif 12 90,00 €" in loans  # 12 × 7,50 €
    assert "Prise de vue et son" not in loans  # the chart names the kind too
    communication = section_page(pages, "Communication")
    assert "Flyers réalisés 2" in communication
    actions = section_page(pages, "Actions pédagogiques départementales")
    assert "THEA 2 2 50 3 1 500,00 € 500,00 €" in actions  # its row in the table
    assert "Thea" not in actions  # the action's name, not its slug humanised
    # Who gave how much: in the action's block (tests/reports/test_action_blocks.py).
    assert "Participations financières : 300,00 € de la DSDEN et 700,00 € du Rectorat." in actions
