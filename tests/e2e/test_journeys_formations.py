"""The trainings' journeys in a real browser.

A teacher signs up with an academic address, follows the link from the e-mail and registers to
a session, their school proposed. A teacher registers to a full session (waiting list); the
seated teacher cancels and the first one is promoted (and told by e-mail); on the day, the
animator records attendance with one click; the teacher downloads the certificate of attendance.
"""

import io
import re

import pytest
from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from formations import services
from formations.models import Registration, Session
from occe.accounts.models import User
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory
from tests.finances.conftest import association  # noqa: F401 - the association's identity
from tests.formations.factories import SessionFactory, in_days

from .helpers import log_in, screenshot

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("association"),
]


def test_a_teacher_signs_up_then_registers_with_their_school(page, association):  # noqa: F811
    association.signup_domains = "ac-versailles.fr"
    association.email = "secretariat@occe92.fr"
    association.save()
    school = CooperativeFactory(name="École Lucie Aubrac", commune="Bagneux")
    CooperativeFactory(name="École Jean Jaurès", commune="Clamart")
    session = SessionFactory(training__title="THEA, le théâtre à l'école")

    # From the login page to the sign-up: a non-academic address is refused, saying whom to ask.
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Créez votre compte").click()
    expect(page.get_by_role("heading", name="Créer un compte enseignant")).to_be_visible()
    page.get_by_label("Prénom").fill("Inès")
    page.get_by_label(re.compile(r"^Nom")).fill("Benali")
    page.get_by_label("Adresse électronique académique").fill("ines.benali@gmail.com")
    page.get_by_label(re.compile(r"^Mot de passe \*")).fill("Craie-Tableau-Cartable-92")
    page.get_by_label("Mot de passe (confirmation)").fill("Craie-Tableau-Cartable-92")
    page.get_by_label("Rechercher l'école").fill("aubrac")
    expect(page.locator("#id_cooperative option")).to_have_count(2)  # the prompt, the school
    page.get_by_label("Votre école").select_option(str(school.pk))
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_text("Seules les adresses académiques (@ac-versailles.fr)")).to_be_visible()
    expect(page.get_by_text("secretariat@occe92.fr").first).to_be_visible()
    screenshot(page, "inscription-refusee")

    # With the academic address: the school stays chosen, the passwords are typed again.
    page.get_by_label("Adresse électronique académique").fill("ines.benali@ac-versailles.fr")
    page.get_by_label(re.compile(r"^Mot de passe \*")).fill("Craie-Tableau-Cartable-92")
    page.get_by_label("Mot de passe (confirmation)").fill("Craie-Tableau-Cartable-92")
    expect(page.get_by_label("Votre école")).to_have_value(str(school.pk))
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", name="Confirmez votre adresse")).to_be_visible()
    assert not User.objects.get(email="ines.benali@ac-versailles.fr").email_verified

    # The link from the e-mail, then the button: the account opens.
    (message,) = [m for m in mail.outbox if m.to == ["ines.benali@ac-versailles.fr"]]
    link = re.search(r"http://\S+", message.body).group(0)
    page.goto(re.sub(r"^http://[^/]+", "", link))
    page.get_by_role("button", name="Confirmer mon adresse").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    teacher = User.objects.get(email="ines.benali@ac-versailles.fr")
    assert teacher.email_verified and teacher.role == "enseignant"

    # « Mon école » says which school; registering proposes it.
    page.get_by_role("link", name="Mon école").click()
    expect(page.get_by_text("rattaché·e à École Lucie Aubrac")).to_be_visible()
    page.goto(f"/formations/sessions/{session.pk}/")
    page.get_by_role("link", name="S'inscrire", exact=True).click()
    expect(page.get_by_role("combobox", name="École")).to_have_value(str(school.pk))
    page.get_by_role("button", name="Confirmer l'inscription").click()
    expect(page.get_by_text("Inscription confirmée").first).to_be_visible()
    registration = Registration.objects.get(user=teacher)
    assert registration.cooperative == school and registration.status == "confirmed"
    screenshot(page, "inscription-enseignant-session")


def test_waiting_list_promotion_attendance_and_certificate(new_page):
    session = SessionFactory(
        capacity=1,
        training__title="Réaliser un film avec sa classe",
        training__hours=3,
        training__trainer="Marilou Peral",
    )
    paul_user = UserFactory(first_name="Paul")
    seated = services.register(session.pk, paul_user, CooperativeFactory(), by=paul_user)
    school = CooperativeFactory(name="École Lucie Aubrac", commune="Bagneux")
    ines = UserFactory(first_name="Inès", last_name="Benali")
    animator = UserFactory(animation=True)

    # Inès finds the session in the catalogue: it is full, she joins the waiting list.
    teacher = new_page()
    log_in(teacher, ines)
    teacher.locator("nav summary", has_text="Formations").click()
    teacher.get_by_role("link", name="Catalogue", exact=True).click()
    expect(teacher.get_by_role("heading", name="Catalogue des formations")).to_be_visible()
    teacher.get_by_label("Lieu").select_option("presentiel")
    expect(teacher).to_have_url(re.compile(r"mode=presentiel"))
    teacher.get_by_role("link", name="Réaliser un film avec sa classe").click()
    teacher.get_by_role("link", name="S'inscrire sur la liste d'attente").click()
    teacher.get_by_label("Rechercher votre école").fill("aubrac")
    expect(teacher.locator("#id_cooperative option")).to_have_count(2)  # the prompt, the school
    teacher.get_by_role("combobox", name="École").select_option(str(school.pk))
    teacher.get_by_role("button", name="Confirmer l'inscription").click()
    expect(teacher.get_by_text("vous êtes sur la liste d'attente").first).to_be_visible()
    mine = Registration.objects.get(user=ines)
    assert mine.status == "waiting" and mine.cooperative == school

    # Paul cancels from « Mes formations »: Inès gets the seat and an e-mail.
    paul = new_page()
    log_in(paul, seated.user)
    paul.goto("/formations/mes-formations/")
    paul.get_by_role("link", name="Réaliser un film avec sa classe").click()
    paul.once("dialog", lambda dialog: dialog.accept())
    paul.get_by_role("button", name="Annuler mon inscription").click()
    expect(paul.get_by_text("Votre inscription est annulée.")).to_be_visible()
    mine.refresh_from_db()
    assert mine.status == "confirmed"
    (message,) = [m for m in mail.outbox if m.to == [ines.email]]
    assert "Une place s'est libérée" in message.body
    assert message.attachments[0][0] == "formation.ics"
    teacher.reload()
    expect(teacher.get_by_text("Votre place est confirmée.")).to_be_visible()

    # The day comes: the animator records attendance, one click per person (HTMX).
    session.parts.update(date=in_days(0))
    office = new_page()
    log_in(office, animator)
    office.goto(f"/formations/sessions/{session.pk}/")
    office.get_by_role("link", name="Présences").click()
    row = office.locator(f"#presence-{mine.pk}")
    expect(row).to_contain_text("non renseigné")
    row.get_by_role("button", name="Présent").click()
    expect(office.locator(f"#presence-{mine.pk}")).to_contain_text("présent")
    assert Session.objects.get(pk=session.pk).status == Session.Status.TENUE
    screenshot(office, "formations-presences")

    # Inès downloads her certificate.
    teacher.goto("/formations/mes-formations/")
    with teacher.expect_download() as download_info:
        teacher.get_by_role("link", name="Télécharger l'attestation de présence").click()
    content = download_info.value.path().read_bytes()
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split()
    )
    assert "Attestation de présence" in text
    assert "Inès Benali" in text and "« Réaliser un film avec sa classe »" in text
    assert "3,00 heures de présence" in text
    screenshot(teacher, "formations-mes-formations")
