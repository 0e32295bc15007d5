"""Diplomas: one background job per edition makes a PDF per participating class (read back by
its text), e-mails it once, and the teacher downloads their own."""

import io

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from actions.models import ClassRegistration, Diploma
from occe.core.models import Job
from tests.accounts.factories import UserFactory

from .factories import ClassRegistrationFactory, EditionFactory

pytestmark = pytest.mark.django_db


def text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_diplomas_are_made_in_one_job_sent_once_and_downloaded(
    client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    edition = EditionFactory(action__title="Porté disparu")
    teacher = UserFactory(email="prof@exemple.fr")
    mine = ClassRegistrationFactory(
        edition=edition,
        teacher=teacher,
        class_name="CM2 B",
        cooperative__name="École Jean Macé",
        status=ClassRegistration.Status.PARTICIPANTE,
    )
    other = ClassRegistrationFactory(edition=edition, status=ClassRegistration.Status.TERMINEE)
    ClassRegistrationFactory(edition=edition, status=ClassRegistration.Status.ATTENTE)
    client.force_login(UserFactory(animation=True))
    url = reverse("actions:diplomas", args=[edition.pk])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    job = Job.objects.get()
    assert job.status == Job.Status.DONE and (job.done, job.total) == (2, 2)
    assert Diploma.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([teacher.email, other.teacher.email])
    assert mail.outbox[0].attachments[0][2] == "application/pdf"
    page = client.get(reverse("actions:edition_detail", args=[edition.pk])).content.decode()
    assert "2 diplômes délivrés" in page

    # Run again: nothing made twice, nothing sent twice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert Diploma.objects.count() == 2 and len(mail.outbox) == 2

    client.force_login(teacher)
    response = client.get(reverse("actions:diploma", args=[mine.pk]))
    content = b"".join(response.streaming_content)
    words = text(content)
    for expected in [
        "Diplôme",
        "CM2 B",
        "École Jean Macé",
        "Porté disparu",
        edition.school_year.label,
    ]:
        assert expected in words
    assert client.get(reverse("actions:diploma", args=[other.pk])).status_code == 404
    assert "PDF" in client.get(reverse("actions:my_classes")).content.decode()
