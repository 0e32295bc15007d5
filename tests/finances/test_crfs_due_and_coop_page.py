"""The CRFS due date as an association setting (who is late follows it, read once per page)
and the coop page's reports and controls, for every role."""

import datetime
import html

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from finances.models import Crfs, CrfsReminder, Reason, due_date
from finances.services import crfs as services
from occe.core.models import Association
from tests.cooperatives.factories import AffiliationFactory, CooperativeFactory
from tests.core.test_association import _form_data

from .factories_crfs import ControlActionFactory, ControlFactory, CrfsFactory, last_year

pytestmark = pytest.mark.django_db


def received_on(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


def set_due(day: int, month: int) -> Association:
    association = Association.get()
    association.crfs_due_day, association.crfs_due_month = day, month
    association.save()
    return association


def closed_year():
    """An accounting year whose due date has passed whatever the setting (by 31 December)."""
    return last_year().previous()


# --- The setting --------------------------------------------------------------------------------


def test_due_date_defaults_to_30_september(db):
    year = closed_year()
    assert due_date(year) == datetime.date(year.start_year + 1, 9, 30)


def test_secretariat_sets_the_due_date_on_the_association_page(world, client):
    client.force_login(world.users["secretariat"])
    url = reverse("core:association")
    page = client.get(url).content.decode()
    assert "Compte rendu financier à rendre au plus tard le (jour)" in page
    assert "30 septembre par défaut" in page
    response = client.post(url, _form_data(Association.get(), crfs_due_day=15, crfs_due_month=10))
    assert response.status_code == 302
    year = closed_year()
    assert due_date(year) == datetime.date(year.start_year + 1, 10, 15)


@pytest.mark.parametrize(
    ("day", "month", "message"),
    [
        (31, 9, "Le 31 septembre n'existe pas"),
        (30, 8, "Sélectionnez un choix valide"),  # before the 31 August closing
        (15, 1, "Sélectionnez un choix valide"),  # later than December
        (0, 9, "Le jour est compris entre 1 et 31."),
        (32, 10, "Le jour est compris entre 1 et 31."),
    ],
)
def test_unrealistic_due_dates_refused_in_french(world, client, day, month, message):
    client.force_login(world.users["secretariat"])
    response = client.post(
        reverse("core:association"),
        _form_data(Association.get(), crfs_due_day=day, crfs_due_month=month),
    )
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert (Association.get().crfs_due_day, Association.get().crfs_due_month) == (30, 9)


@pytest.mark.parametrize(("day", "month"), [(0, 9), (32, 9), (30, 8), (1, 13)])
def test_due_date_bounded_in_the_database(db, day, month):
    with pytest.raises(IntegrityError), transaction.atomic():
        set_due(day, month)


# --- Who is late follows the setting --------------------------------------------------------------


@pytest.fixture
def late_world(world):
    """A closed year: one coop received on 5 October, one on 29 September, one missing."""
    year = closed_year()
    coops = {name: CooperativeFactory(name=name) for name in ("Octobre", "Septembre", "Aucun")}
    for coop in coops.values():
        AffiliationFactory(cooperative=coop, school_year=year, validated=True)
    end = year.start_year + 1
    CrfsFactory(
        cooperative=coops["Octobre"],
        school_year=year,
        submitted=True,
        submitted_at=received_on(datetime.date(end, 10, 5)),
    )
    CrfsFactory(
        cooperative=coops["Septembre"],
        school_year=year,
        submitted=True,
        submitted_at=received_on(datetime.date(end, 9, 29)),
    )
    return year, coops


def late_list(client, year) -> set[str]:
    response = client.get(reverse("finances:crfs_campaign"), {"annee": year.label})
    assert response.context["late_now"]
    return {coop.name for coop in response.context["page"]}


def test_changing_the_due_date_changes_who_is_late(world, client, late_world):
    year, coops = late_world
    client.force_login(world.users["secretariat"])
    october = Crfs.objects.get(cooperative=coops["Octobre"])

    assert late_list(client, year) == {"Octobre", "Aucun"}
    assert services.campaign_figures(year)["late"] == 2
    assert october.is_late(due_date(year))

    set_due(15, 10)
    assert late_list(client, year) == {"Aucun"}
    assert services.campaign_figures(year)["late"] == 1
    assert not october.is_late(due_date(year))
    page = client.get(reverse("finances:crfs_campaign"), {"annee": year.label}).content.decode()
    assert f"15 octobre {year.start_year + 1}" in page

    # The figures page and the « CRFS non rendu » flag read it too.
    figures = client.get(reverse("finances:crfs_figures"), {"annee": year.label})
    assert figures.context["campaign"]["late"] == 1
    first_november = datetime.date(year.start_year + 1, 11, 1)
    flagged = services.flagged_coops(year, Reason.NOT_RETURNED, today=first_november)
    assert [row.cooperative.name for row in flagged] == ["Aucun"]
    set_due(15, 12)
    assert services.flagged_coops(year, Reason.NOT_RETURNED, today=first_november) == []


def test_reminder_email_gives_the_due_date_of_the_setting(world, client, mailoutbox):
    from finances.tasks.crfs import RemindCrfs
    from occe.core.models import Job

    year = closed_year()
    AffiliationFactory(cooperative=world.own_coop, school_year=year, validated=True)
    set_due(20, 10)
    job = Job.objects.create(kind=RemindCrfs.name, parameters={"year": year.pk})
    RemindCrfs().run(job)
    assert f"20 octobre {year.start_year + 1}" in mailoutbox[0].body


def test_late_list_query_count_is_constant(world, client, late_world):
    year, _ = late_world
    client.force_login(world.users["secretariat"])
    url = reverse("finances:crfs_campaign")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"annee": year.label}).status_code == 200
        return len(queries)

    count()  # the first visit records the years of the switch
    before = count()
    for n in range(8):
        coop = CooperativeFactory()
        AffiliationFactory(cooperative=coop, school_year=year, validated=True)
        if n % 2:
            CrfsFactory(
                cooperative=coop,
                school_year=year,
                submitted=True,
                submitted_at=received_on(datetime.date(year.start_year + 1, 11, 2)),
            )
        CrfsReminder.objects.create(cooperative=coop, school_year=year)
    assert len(late_list(client, year)) == 2 + 8
    assert count() == before


# --- The coop page --------------------------------------------------------------------------------


@pytest.fixture
def coop_history(world):
    """The own coop: late two years running (reminded twice the last one), on time the year
    before; a control whose letter was sent (with a follow-up action), one still in progress."""
    coop = world.own_coop
    late_year = closed_year()
    years = [late_year, late_year.previous(), late_year.previous().previous()]
    days = [datetime.date(1, 10, 20), datetime.date(1, 11, 3), None]  # late, late, on time
    for year, day in zip(years, days, strict=True):
        AffiliationFactory(cooperative=coop, school_year=year, validated=True)
        submitted = day.replace(year=year.start_year + 1) if day else year.end_date
        CrfsFactory(
            cooperative=coop,
            school_year=year,
            accepted=True,
            submitted_at=received_on(submitted),
        )
    for sent in (datetime.date(late_year.start_year + 1, 10, 1), datetime.date.today()):
        CrfsReminder.objects.create(cooperative=coop, school_year=late_year, sent_on=sent)
    sent = ControlFactory(
        cooperative=coop,
        school_year=late_year,
        letter_sent_at=timezone.now(),
        findings="Relevés incomplets",
    )
    sent.letter_pdf.save("lettre.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    ControlActionFactory(control=sent, description="Envoyer les relevés manquants")
    running = ControlFactory(cooperative=coop, school_year=late_year.previous())
    elsewhere = ControlFactory(cooperative=world.other_coop, letter_sent_at=timezone.now())
    return {"sent": sent, "running": running, "elsewhere": elsewhere, "late_year": late_year}


def coop_page(client, world, role):
    client.force_login(world.users[role])
    return client.get(reverse("cooperatives:detail", args=[world.own_coop.pk]))


def control_url(control) -> str:
    return reverse("finances:control_detail", args=[control.pk])


@pytest.mark.parametrize("role", ["secretariat", "administrateur"])
def test_staff_and_board_see_the_reports_history_and_every_control(
    world, client, coop_history, role
):
    page = coop_page(client, world, role).content.decode()
    assert "Comptes rendus financiers" in page
    assert "Retards répétés" in page and "en retard 2 années sur les 3 dernières" in page
    history = page.split('id="crfs-historique"')[1].split("</table>")[0]
    assert history.count("En retard") == 2
    late_row = history.split(coop_history["late_year"].label)[1].split("</tr>")[0]
    assert '<td class="num">2</td>' in late_row  # the two reminders it needed
    assert control_url(coop_history["sent"]) in page
    assert control_url(coop_history["running"]) in page  # letter not sent yet: staff see it
    assert control_url(coop_history["elsewhere"]) not in page
    assert reverse("finances:control_letter_pdf", args=[coop_history["sent"].pk]) in page
    assert "Répondre" not in page
    assert ("Ouvrir un contrôle" in page) is (role == "administrateur")


def test_mandataire_sees_their_history_and_the_letters_sent_to_them(world, client, coop_history):
    page = coop_page(client, world, "mandataire").content.decode()
    assert "Comptes rendus financiers" in page and "Retards répétés" in page
    assert control_url(coop_history["sent"]) in page
    assert reverse("finances:control_letter_pdf", args=[coop_history["sent"].pk]) in page
    assert "Envoyer les relevés manquants" in page and "Répondre" in page
    assert control_url(coop_history["running"]) not in page  # no letter yet
    assert control_url(coop_history["elsewhere"]) not in page
    assert "Ouvrir un contrôle" not in page


def test_mandataire_without_controls_sees_no_controls_section(world, client):
    page = coop_page(client, world, "mandataire").content.decode()
    assert "Comptes rendus financiers" in page
    assert "Contrôles des comptes" not in page


@pytest.mark.parametrize(("role", "status"), [("autre_mandataire", 404), ("enseignant", 403)])
def test_others_never_see_the_coop_reports(world, client, coop_history, role, status):
    response = coop_page(client, world, role)
    assert response.status_code == status
    assert 'id="comptes-rendus"' not in response.content.decode()


@pytest.mark.parametrize("role", ["secretariat", "mandataire"])
def test_coop_page_query_count_is_constant(world, client, coop_history, role):
    url = reverse("cooperatives:detail", args=[world.own_coop.pk])
    client.force_login(world.users[role])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    count()  # the first visit records the years of the switch
    before = count()
    year = coop_history["late_year"].previous().previous().previous()
    AffiliationFactory(cooperative=world.own_coop, school_year=year, validated=True)
    CrfsFactory(cooperative=world.own_coop, school_year=year, submitted=True)
    CrfsReminder.objects.create(cooperative=world.own_coop, school_year=year)
    for _ in range(3):
        control = ControlFactory(
            cooperative=world.own_coop, school_year=year, letter_sent_at=timezone.now()
        )
        ControlActionFactory.create_batch(2, control=control)
    assert count() == before


def test_mandataire_home_card_gives_the_due_date_of_the_setting(world, client):
    year = last_year()
    AffiliationFactory(cooperative=world.own_coop, school_year=year, validated=True)
    set_due(25, 11)
    client.force_login(world.users["mandataire"])
    cards = {card.label: card for card in client.get(reverse("home")).context["cards"]}
    card = next(card for label, card in cards.items() if label.startswith("Comptes rendus"))
    assert card.value == 1
    assert f"25 novembre {year.start_year + 1}" in card.hint
    CrfsFactory(cooperative=world.own_coop, school_year=year, submitted=True)
    cards = client.get(reverse("home")).context["cards"]
    assert not any(card.label.startswith("Comptes rendus") for card in cards)


def test_control_page_keeps_its_history_for_staff(world, client, coop_history):
    control = coop_history["sent"]
    control.status = control.Status.FINDINGS
    control.save()
    client.force_login(world.users["secretariat"])
    page = client.get(control_url(control)).content.decode()
    assert "Historique du contrôle" in page
    assert "état : « Ouvert » → « Constats »" in html.unescape(page)
    client.force_login(world.users["mandataire"])
    assert "Historique du contrôle" not in client.get(control_url(control)).content.decode()
