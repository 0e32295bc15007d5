"""Loans and sales in a real browser.

A mandataire reserves the camera kit; another coop's mandataire asks for the same copy over
an overlapping period and is refused with the next free dates; the staff confirm, hand the kit
over and take it back with a battery missing (an incident on the copy); the overdue reminder of
another loan goes out (time frozen for the daily task) and shows on the staff's page; a coop
orders agendas and the secretariat delivers them.
"""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from freezegun import freeze_time
from playwright.sync_api import expect
from pypdf import PdfReader

from occe.core.formats import date_fr
from prets import tasks
from prets.models import Incident, Order, Product, Reservation, ResourceKind
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory, MandateFactory
from tests.prets.factories import CopyFactory, ReservationFactory, ResourceFactory

from .helpers import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DAY = datetime.timedelta(days=1)


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def test_a_camera_kit_is_reserved_lent_and_returned_and_agendas_are_delivered(new_page):
    today = timezone.localdate()
    own = CooperativeFactory(name="École des Tilleuls", commune="Colombes")
    other = CooperativeFactory(name="École des Peupliers", commune="Sceaux")
    mandataire = UserFactory(mandataire=True, email="camille@exemple.fr")
    MandateFactory(cooperative=own, user=mandataire)
    other_mandataire = UserFactory(mandataire=True, email="leo@exemple.fr")
    MandateFactory(cooperative=other, user=other_mandataire)
    secretary = UserFactory(secretariat=True)
    kit = ResourceFactory(
        title="Kit caméra et prise de son",
        kind=ResourceKind.PRISE_DE_VUE,
        checking_delay_days=2,
        contents=[("Caméra", 1), ("Batterie", 2), ("Trépied", 1)],
    )
    CopyFactory(resource=kit, inventory_number="CAM-01")
    start, end = today + 7 * DAY, today + 20 * DAY

    # The mandataire finds the kit in the catalogue and reserves copy CAM-01.
    teacher = new_page()
    log_in(teacher, mandataire)
    teacher.get_by_text("Prêts et ventes").click()
    teacher.get_by_role("link", name="Catalogue des prêts").click()
    teacher.get_by_label("Type de ressource").select_option(
        label="Matériel de prise de vue et de son"
    )
    teacher.get_by_role("link", name="Kit caméra et prise de son").click()
    expect(teacher.get_by_text("2 × Batterie")).to_be_visible()
    teacher.get_by_label(re.compile("^Du")).fill(start.isoformat())
    teacher.get_by_label("Au (date de retour)").fill(end.isoformat())
    teacher.get_by_label("Exemplaire").select_option(label="CAM-01")
    teacher.get_by_label("Message (classe, projet)").fill("CM2 B, film sur le quartier")
    teacher.get_by_role("button", name="Demander la réservation").click()
    expect(teacher.get_by_text("Réservation demandée (exemplaire CAM-01)")).to_be_visible()
    expect(teacher.locator("#statut")).to_have_text("Demandée")
    reservation = Reservation.objects.get(cooperative=own)
    screenshot(teacher, "parcours-prets-reservation-demandee")

    # Another coop wants the same copy for an overlapping period: refused, next free dates.
    rival = new_page()
    log_in(rival, other_mandataire)
    rival.goto(f"/prets/ressources/{kit.pk}/")
    rival.get_by_label(re.compile("^Du")).fill((start + 5 * DAY).isoformat())
    rival.get_by_label("Au (date de retour)").fill((start + 9 * DAY).isoformat())
    rival.get_by_label("Exemplaire").select_option(label="CAM-01")
    rival.get_by_role("button", name="Demander la réservation").click()
    free_again = end + 2 * DAY
    expect(
        rival.get_by_text(
            f"L'exemplaire CAM-01 n'est libre du {date_fr(start + 5 * DAY)} au "
            f"{date_fr(start + 9 * DAY)}."
        )
    ).to_be_visible()
    proposals = rival.locator("#propositions li")
    expect(proposals.first).to_contain_text(
        f"Du {date_fr(free_again)} au {date_fr(free_again + 4 * DAY)}, exemplaire CAM-01"
    )
    screenshot(rival, "parcours-prets-refus-dates-libres")
    proposals.first.get_by_role("button", name="Réserver ces dates").click()
    expect(rival.locator("#statut")).to_have_text("Demandée")
    assert Reservation.objects.get(cooperative=other).start_date == free_again
    # …and never reaches the first coop's reservation.
    response = rival.goto(f"/prets/reservations/{reservation.pk}/")
    assert response is not None and response.status == 404

    # The staff confirm, hand the kit over (contents checked) and take it back.
    office = new_page()
    log_in(office, secretary)
    office.goto("/prets/reservations/?status=demandee")
    office.get_by_role("link", name=f"Réservation n° {reservation.pk}").click()
    office.get_by_role("button", name="Confirmer la réservation").click()
    expect(office.get_by_text("Réservation confirmée.")).to_be_visible()
    assert any("Réservation confirmée" in m.subject for m in mail.outbox)
    Reservation.objects.filter(pk=reservation.pk).update(start_date=today)  # the day has come
    office.goto("/prets/aujourd-hui/")
    office.locator("#remises").get_by_role("link", name=re.compile("Remettre")).click()
    checked = office.get_by_label("J'ai vérifié le contenu avec l'emprunteur")
    expect(checked).to_have_attribute("required", "")  # no hand-over without checking
    checked.check()
    office.get_by_role("button", name="Enregistrer la remise").click()
    expect(office.locator("#statut")).to_have_text("Remise")
    office.get_by_role("link", name="Enregistrer le retour").click()
    office.get_by_label("État de l'exemplaire au retour").select_option(label="Usé")
    office.get_by_label("Batterie : manquants").fill("1")
    office.get_by_label("Remarques").fill("Une batterie oubliée à l'école")
    screenshot(office, "parcours-prets-retour")
    office.get_by_role("button", name="Enregistrer le retour").click()
    expect(
        office.get_by_text("Retour enregistré. 1 incident ouvert sur l'exemplaire.")
    ).to_be_visible()
    expect(office.locator("#incidents")).to_contain_text("Élément manquant : 1 × Batterie")
    incident = Incident.objects.get()
    assert (incident.item, incident.quantity, incident.copy.inventory_number) == (
        "Batterie",
        1,
        "CAM-01",
    )
    office.get_by_role("link", name="CAM-01").click()
    expect(office.locator("#incidents")).to_contain_text("1 × Batterie")
    expect(office.get_by_text("« Bon » → « Usé »")).to_be_visible()
    office.goto(f"/prets/reservations/{reservation.pk}/")
    office.get_by_role("button", name="Clôturer le prêt").click()
    expect(office.locator("#statut")).to_have_text("Clôturée")

    # Another loan is late: the daily task (time frozen at the day after its end) reminds
    # the borrower once; the staff's page lists it with its reminder.
    games = CopyFactory(
        resource=ResourceFactory(title="Jeux coopératifs", kind=ResourceKind.JEUX),
        inventory_number="JEU-01",
    )
    late = ReservationFactory(
        copy=games,
        cooperative=other,
        requested_by=other_mandataire,
        start_date=today - 20 * DAY,
        end_date=today - 3 * DAY,
        handed_over=True,
    )
    mail.outbox.clear()
    for day in (late.end_date + DAY, late.end_date + 2 * DAY):
        with freeze_time(datetime.datetime.combine(day, datetime.time(7, 30))):
            tasks.remind_overdue_loans()
    (reminder,) = mail.outbox
    assert reminder.to == ["leo@exemple.fr"]
    assert "relance n° 1" in reminder.subject and "1 jour de retard" in reminder.body
    office.goto("/prets/en-retard/")
    row = office.locator("#retards tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("Jeux coopératifs")
    expect(row.first).to_contain_text(f"1, la dernière le {date_fr(late.end_date + DAY)}")
    screenshot(office, "parcours-prets-retards")

    # The coop orders agendas; the secretariat prepares and hands them over.
    Product.objects.create(name="Agenda coop cycle 2", price=Decimal("7.50"), stock=400)
    Product.objects.create(name="Agenda coop cycle 3", price=Decimal("7.50"), stock=50)
    teacher.goto("/prets/commandes/")
    teacher.get_by_role("link", name="Nouvelle commande").click()
    teacher.get_by_label("Agenda coop cycle 2").fill("30")
    teacher.get_by_label("Agenda coop cycle 3").fill("60")
    teacher.get_by_role("button", name="Commander").click()
    expect(
        teacher.get_by_text("Stock insuffisant pour « Agenda coop cycle 3 » : 50 disponibles")
    ).to_be_visible()
    teacher.get_by_label("Agenda coop cycle 3").fill("5")
    teacher.get_by_role("button", name="Commander").click()
    expect(teacher.locator("#statut")).to_have_text("Commandée")
    expect(teacher.locator("#lignes tfoot")).to_contain_text("262,50 €")
    order = Order.objects.get(cooperative=own)
    assert dict(Product.objects.values_list("name", "stock")) == {
        "Agenda coop cycle 2": 370,
        "Agenda coop cycle 3": 45,
    }

    office.goto("/prets/commandes/?status=commandee")
    office.get_by_role("link", name=f"Commande n° {order.pk}").click()
    office.get_by_role("button", name="Commande préparée").click()
    expect(office.locator("#statut")).to_have_text("Préparée")
    office.get_by_label("Livraison").select_option(label="Remise à la coopérative")
    office.get_by_role("button", name="Enregistrer la livraison").click()
    expect(office.get_by_text("Commande remise.")).to_be_visible()
    expect(office.locator("#statut")).to_have_text("Remise")
    with office.expect_download() as download_info:
        office.get_by_role("link", name="Bon de livraison (PDF)").click()
    note = pdf_text(download_info.value.path().read_bytes())
    assert "Bon de livraison" in note and "École des Tilleuls" in note
    assert "Agenda coop cycle 2 30" in note and "Total des articles 35" in note
    screenshot(office, "parcours-prets-commande-remise")

    teacher.reload()
    expect(teacher.locator("#statut")).to_have_text("Remise")
