"""The pedagogical actions' journey in a real browser.

A teacher registers their class to THEA (their school proposed); the animator finds it in the
filtered list of registrations, opens the selection proposal, adjusts it and confirms; plans an
intervention and marks it held; adds a round with its document uploaded; the teacher downloads
the document and answers the round; the animator scores it, makes the diplomas; the teacher
downloads theirs; the figures page counts the class, its cycle and the intervention held.
"""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from actions.models import ClassRegistration, Diploma, Intervention, Round, Submission
from cooperatives.models import TeacherSchool
from tests.accounts.factories import UserFactory
from tests.actions.factories import (
    ClassRegistrationFactory,
    EditionFactory,
    IntervenantFactory,
    in_days,
)
from tests.cooperatives.factories import CirconscriptionFactory, CooperativeFactory
from tests.finances.conftest import association  # noqa: F401 - the association's identity

from .helpers import log_in, screenshot

ENONCE = b"%PDF-1.4\n% Defimaths manche 1\n%%EOF"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("association"),
]


def test_register_select_plan_answer_score_and_diploma(new_page):
    laon = CirconscriptionFactory(name="Laon")
    edition = EditionFactory(action__title="THEA", capacity=1)
    school = CooperativeFactory(name="École Lucie Aubrac", circonscription=laon)
    teacher = UserFactory(first_name="Inès", last_name="Benali")
    TeacherSchool.set_for(teacher, school)
    # Another class registered earlier, in the same sector.
    earlier = ClassRegistrationFactory(
        edition=edition,
        class_name="CE2 Jaurès",
        levels=["CE2"],
        cooperative=CooperativeFactory(name="École Jean Jaurès", circonscription=laon),
        registered_at=timezone.now() - datetime.timedelta(days=5),
    )
    intervenant = IntervenantFactory(name="Clémence Arnaud")

    # The teacher registers their class: their school is proposed.
    teacher_page = new_page()
    log_in(teacher_page, teacher)
    teacher_page.goto(f"/actions/editions/{edition.pk}/")
    teacher_page.get_by_role("link", name="Inscrire une classe").click()
    expect(teacher_page.locator("#id_cooperative")).to_have_value(str(school.pk))
    teacher_page.locator("#id_class_name").fill("CM1 B")
    teacher_page.get_by_label("CM1", exact=True).check()
    teacher_page.get_by_label("Nombre d'élèves").fill("24")
    teacher_page.get_by_label("Toute l'équipe de l'école s'engage dans l'action").check()
    teacher_page.get_by_role("button", name="Inscrire la classe").click()
    expect(teacher_page.get_by_text("Classe inscrite")).to_be_visible()
    mine = ClassRegistration.objects.get(class_name="CM1 B")

    # The animator finds it in the list of registrations, filtered by cycle and circonscription.
    animator = UserFactory(animation=True)
    staff_page = new_page()
    log_in(staff_page, animator)
    staff_page.goto("/actions/inscriptions/")
    staff_page.get_by_label("Cycle").select_option("3")
    staff_page.get_by_label("Circonscription").select_option(str(laon.pk))
    staff_page.get_by_role("button", name="Filtrer").click()
    expect(staff_page.get_by_text("1 classe", exact=True)).to_be_visible()
    expect(staff_page.get_by_role("link", name="CM1 B")).to_be_visible()

    # The proposal puts the whole-team class first and says why.
    staff_page.goto(f"/actions/editions/{edition.pk}/selection/")
    expect(staff_page.get_by_text("toute l'équipe de l'école s'engage").first).to_be_visible()
    expect(staff_page.get_by_text("règle 3")).to_be_visible()
    expect(staff_page.get_by_label("CM1 B")).to_be_checked()
    screenshot(staff_page, "actions-selection")
    staff_page.get_by_role("button", name="Confirmer la sélection").click()
    expect(staff_page.get_by_text("1 classe(s) retenue(s)")).to_be_visible()
    mine.refresh_from_db()
    earlier.refresh_from_db()
    assert (mine.status, earlier.status) == ("retenue", "attente")

    # Plans an intervention in the class, then marks it held.
    staff_page.goto(f"/actions/inscriptions/{mine.pk}/")
    staff_page.get_by_role("link", name="Planifier une intervention").click()
    staff_page.locator("#id_intervenant").select_option(str(intervenant.pk))
    staff_page.locator("#id_date").fill(in_days(3).isoformat())
    staff_page.locator("#id_start_time").fill("09:00")
    staff_page.locator("#id_end_time").fill("11:00")
    staff_page.locator("#id_subject").fill("Mise en espace")
    staff_page.get_by_role("button", name="Enregistrer").click()
    expect(staff_page.get_by_text("Intervention enregistrée.")).to_be_visible()
    staff_page.get_by_role("button", name="Réalisée").click()
    expect(staff_page.get_by_text("Intervention réalisée.")).to_be_visible()
    assert Intervention.objects.get().status == "realisee"
    staff_page.locator("#id_status").select_option("participante")
    staff_page.get_by_role("button", name="Changer", exact=True).click()
    expect(staff_page.get_by_text("Statut changé")).to_be_visible()

    # The animator adds a round of cycle 3 with its document uploaded.
    staff_page.goto(f"/actions/editions/{edition.pk}/manches/")
    staff_page.get_by_label("Cycle").select_option("3")
    staff_page.get_by_label("Manche n°").fill("1")
    staff_page.get_by_label("Défis").fill("Défi 1 : combien de carrés dans un échiquier ?")
    staff_page.get_by_label("Document", exact=True).set_input_files(
        files=[{"name": "enonce.pdf", "mimeType": "application/pdf", "buffer": ENONCE}]
    )
    staff_page.get_by_label("Ouverture").fill(in_days(-1).isoformat())
    staff_page.get_by_label("Clôture").fill(in_days(10).isoformat())
    staff_page.get_by_role("button", name="Ajouter").click()
    expect(staff_page.get_by_text("Manche ajoutée.")).to_be_visible()
    round_ = Round.objects.get()

    # The teacher downloads the round's document and answers for their class.
    teacher_page.goto(f"/actions/manches/{round_.pk}/")
    with teacher_page.expect_download() as document:
        teacher_page.get_by_role("link", name="Télécharger le document de la manche").click()
    assert Path(document.value.path()).read_bytes() == ENONCE
    teacher_page.locator("#id_text").fill("64 carrés")
    teacher_page.get_by_role("button", name="Envoyer").click()
    expect(teacher_page.get_by_text("Réponse envoyée.")).to_be_visible()
    submission = Submission.objects.get()

    # The animator scores it and makes the diplomas.
    staff_page.goto(f"/actions/manches/{round_.pk}/")
    staff_page.get_by_label("Note sur 20").fill("18")
    staff_page.get_by_role("button", name="Noter").click()
    expect(staff_page.get_by_text("Note enregistrée.")).to_be_visible()
    submission.refresh_from_db()
    assert submission.score == 18
    staff_page.goto(f"/actions/editions/{edition.pk}/")
    staff_page.get_by_role("button", name="Générer et envoyer les diplômes").click()
    expect(staff_page.get_by_text("1 diplôme délivré")).to_be_visible()
    assert Diploma.objects.filter(registration=mine).exists()

    # The teacher sees the score and downloads the diploma.
    teacher_page.goto(f"/actions/manches/{round_.pk}/")
    expect(teacher_page.get_by_text("note 18/20")).to_be_visible()
    teacher_page.goto("/actions/mes-classes/")
    with teacher_page.expect_download() as download:
        teacher_page.get_by_role("link", name="PDF").click()
    text = " ".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "CM1 B" in text and "THEA" in text

    # The figures of the year: THEA's class (cycle 3), its intervention held, its diploma.
    staff_page.goto("/actions/chiffres/")
    thea = staff_page.locator("#par-action tbody tr", has_text="THEA")
    cells = thea.locator("td")
    # Classes, cycles 1–4: the retained CM1 B and the waiting list's CE2 not counted.
    expect(cells.nth(0)).to_have_text("1")
    expect(cells.nth(3)).to_have_text("1")
    expect(cells.nth(8)).to_have_text("1")  # interventions held
    expect(cells.nth(14)).to_have_text("1")  # diplomas
