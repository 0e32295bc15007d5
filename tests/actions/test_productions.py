"""Productions: a teacher sends a class's work, staff accept it, the collected book (PDF, made
in the background) holds the accepted text productions, one per page, with class and school."""

import pytest
from django.urls import reverse
from pypdf import PdfReader

from actions.models import Production
from occe.core.models import Job
from tests.accounts.factories import UserFactory

from .factories import ClassRegistrationFactory, EditionFactory

pytestmark = pytest.mark.django_db


def test_productions_accepted_make_the_collected_book(client, django_capture_on_commit_callbacks):
    edition = EditionFactory(action__title="La Picardie en poésie", mode="a_distance")
    teacher = UserFactory()
    mine = ClassRegistrationFactory(
        edition=edition, teacher=teacher, class_name="CE2 A", cooperative__name="École Victor Hugo"
    )
    other = ClassRegistrationFactory(edition=edition, class_name="CM1 B")
    Production.objects.create(edition=edition, registration=other, title="La pluie", text="Plic")
    client.force_login(teacher)
    url = reverse("actions:productions", args=[edition.pk])
    page = client.get(url).content.decode()
    assert "La pluie" not in page  # another teacher's class

    empty = client.post(url, {"registration": mine.pk, "title": "Le vent"})
    assert "Écrivez le texte ou joignez un fichier" in empty.content.decode()
    client.post(
        url, {"registration": mine.pk, "title": "Le vent", "text": "Le vent souffle\nsur l'Aisne"}
    )
    duplicate = client.post(url, {"registration": mine.pk, "title": "Le vent", "text": "x"})
    assert "déjà envoyé une production de ce titre" in duplicate.content.decode()
    mine_production = Production.objects.get(registration=mine)
    assert mine_production.status == Production.Status.PROPOSEE

    staff = UserFactory(animation=True)
    client.force_login(staff)
    review = reverse("actions:production_review", args=[mine_production.pk])
    client.post(review, {"status": "acceptee"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("actions:book", args=[edition.pk]))
    job = Job.objects.get(kind="actions.book")
    assert job.status == Job.Status.DONE and job.result == {"productions": 1}
    reader = PdfReader(job.result_file.path)
    pages = [p.extract_text() for p in reader.pages]
    assert "La Picardie en poésie" in pages[0] and edition.school_year.label in pages[0]
    assert "Sommaire" in pages[1] and "Le vent" in pages[1]
    assert "Le vent souffle" in pages[2] and "CE2 A" in pages[2] and "École Victor Hugo" in pages[2]
    assert "La pluie" not in " ".join(pages)  # not accepted
    assert "Télécharger recueil-" in client.get(url).content.decode()
