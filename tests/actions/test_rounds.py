"""Remote rounds (Défimaths): a teacher answers for their class (file checked by content),
staff score it, a personalised e-mail per class announces the round once."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions.models import ClassRegistration, Submission
from tests.accounts.factories import UserFactory

from .factories import ClassRegistrationFactory, RoundFactory, in_days

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_teacher_answers_a_round_and_staff_score_it(client):
    round_ = RoundFactory()
    teacher = UserFactory()
    mine = ClassRegistrationFactory(
        edition=round_.edition, teacher=teacher, levels=["CM2"], class_name="CM2 A"
    )
    ClassRegistrationFactory(edition=round_.edition, teacher=teacher, levels=["CP"])  # cycle 2
    client.force_login(teacher)
    url = reverse("actions:round_detail", args=[round_.pk])

    page = client.get(url).content.decode()
    assert "CM2 A" in page and "CP" not in page.split("Envoyer la réponse")[1]
    empty = client.post(url, {"registration": mine.pk})
    assert "Écrivez la réponse" in empty.content.decode()
    fake = SimpleUploadedFile("reponse.png", b"MZ\x90\x00 not an image", "image/png")
    refused = client.post(url, {"registration": mine.pk, "file": fake})
    assert "Envoyez une image (PNG, JPEG) ou un PDF" in refused.content.decode()

    image = SimpleUploadedFile("reponse.png", PNG, "image/png")
    response = client.post(url, {"registration": mine.pk, "text": "64 carrés", "file": image})
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.registration == mine and submission.text == "64 carrés"

    staff = UserFactory(animation=True)
    client.force_login(staff)
    score = reverse("actions:submission_score", args=[submission.pk])
    client.post(score, {"score": "25"})
    submission.refresh_from_db()
    assert submission.score is None
    client.post(score, {"score": "18", "comment": "Bravo"})
    submission.refresh_from_db()
    assert (submission.score, submission.scored_by) == (18, staff)

    client.force_login(teacher)
    assert "note 18/20" in client.get(url).content.decode()
    other = UserFactory()
    client.force_login(other)
    file_url = reverse("actions:submission_file", args=[submission.pk])
    assert client.get(file_url).status_code == 404
    assert client.post(url, {"registration": mine.pk, "text": "x"}).status_code == 403


def test_a_closed_round_takes_no_answer(client):
    round_ = RoundFactory(opens_on=in_days(-10), closes_on=in_days(-1))
    teacher = UserFactory()
    mine = ClassRegistrationFactory(edition=round_.edition, teacher=teacher)
    client.force_login(teacher)
    client.post(
        reverse("actions:round_detail", args=[round_.pk]), {"registration": mine.pk, "text": "x"}
    )
    assert not Submission.objects.exists()


def test_the_round_is_announced_once_to_each_class_of_its_cycle(
    client, django_capture_on_commit_callbacks
):
    round_ = RoundFactory(number=2)
    ClassRegistrationFactory(
        edition=round_.edition, teacher__email="a@exemple.fr", class_name="CM1 A"
    )
    ClassRegistrationFactory(
        edition=round_.edition, teacher__email="b@exemple.fr", class_name="CM2 B", levels=["CM2"]
    )
    ClassRegistrationFactory(edition=round_.edition, teacher__email="c@exemple.fr", levels=["CE1"])
    ClassRegistrationFactory(
        edition=round_.edition,
        teacher__email="d@exemple.fr",
        status=ClassRegistration.Status.NON_RETENUE,
    )
    client.force_login(UserFactory(animation=True))
    url = reverse("actions:round_announce", args=[round_.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert sorted(m.to[0] for m in mail.outbox) == ["a@exemple.fr", "b@exemple.fr"]
    subjects = sorted(m.subject for m in mail.outbox)
    assert "manche 2 pour la classe CM1 A" in subjects[0]
    assert "CM2 B" in mail.outbox[[m.to[0] for m in mail.outbox].index("b@exemple.fr")].body
