"""A round's document is an uploaded file (PDF, image, office document), checked by its
content and size with the project's shared check, downloaded only by the classes taking part
in the edition and by staff and board (a scoped query: 404 for anyone else); a link stays
possible."""

import io
import zipfile

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions.models import ClassRegistration, Round
from tests.accounts.factories import UserFactory

from .factories import ClassRegistrationFactory, EditionFactory, RoundFactory, in_days

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
OLE_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100


def round_data(number, upload=None, **extra):
    data = {
        "cycle": "3",
        "number": str(number),
        "challenges": "Défi 1 : les carrés de l'échiquier.",
        "opens_on": in_days(-1).isoformat(),
        "closes_on": in_days(10).isoformat(),
    } | extra
    if upload is not None:
        data["document"] = upload
    return data


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("enonce.pdf", PDF),
        ("figure.png", PNG),
        ("enonce.docx", DOCX),
        ("enonce.odt", ODT),
        ("ancien.doc", OLE_DOC),
    ],
)
def test_staff_upload_a_pdf_an_image_or_an_office_document(client, settings, name, content):
    edition = EditionFactory(mode="a_distance")
    client.force_login(UserFactory(animation=True))
    url = reverse("actions:rounds", args=[edition.pk])
    response = client.post(url, round_data(1, SimpleUploadedFile(name, content)))
    assert response.status_code == 302, response.content.decode()[:3000]
    round_ = Round.objects.get()
    assert round_.document_name() == name
    assert round_.document.read() == content


def test_a_file_is_judged_by_its_content_and_its_size(client, settings):
    edition = EditionFactory(mode="a_distance")
    client.force_login(UserFactory(animation=True))
    url = reverse("actions:rounds", args=[edition.pk])
    disguised = SimpleUploadedFile("enonce.pdf", b"MZ\x90\x00 an executable", "application/pdf")
    page = client.post(url, round_data(1, disguised)).content.decode()
    assert "Ce fichier n&#x27;est pas accepté" in page and "document bureautique" in page
    # A ZIP that is not an office document is not one either.
    archive = SimpleUploadedFile("enonce.docx", zipped({"virus.exe": b"MZ"}))
    assert "pas accepté" in client.post(url, round_data(1, archive)).content.decode()
    settings.MAX_UPLOAD_SIZE = 1024
    big = SimpleUploadedFile("enonce.pdf", PDF + b"0" * 2048, "application/pdf")
    assert "Le fichier dépasse" in client.post(url, round_data(1, big)).content.decode()
    assert not Round.objects.exists()
    # The challenges typed are still there after the refusal.
    assert "les carrés de l&#x27;échiquier" in client.post(url, round_data(1, big)).content.decode()


def test_a_link_remains_possible(client):
    edition = EditionFactory(mode="a_distance")
    client.force_login(UserFactory(animation=True))
    url = reverse("actions:rounds", args=[edition.pk])
    data = round_data(2, document_url="padlet.com/occe/defimaths")
    assert client.post(url, data).status_code == 302
    round_ = Round.objects.get()
    assert round_.document_url == "https://padlet.com/occe/defimaths" and not round_.document
    page = client.get(reverse("actions:round_detail", args=[round_.pk])).content.decode()
    assert "https://padlet.com/occe/defimaths" in page
    assert reverse("actions:round_document", args=[round_.pk]) not in page
    assert client.get(reverse("actions:round_document", args=[round_.pk])).status_code == 404


def test_only_the_edition_s_classes_and_staff_download_it(
    client, django_capture_on_commit_callbacks
):
    round_ = RoundFactory()
    round_.document.save("enonce.pdf", ContentFile(PDF))
    url = reverse("actions:round_document", args=[round_.pk])
    taking_part = ClassRegistrationFactory(edition=round_.edition, levels=["CM1"]).teacher
    waiting = ClassRegistrationFactory(
        edition=round_.edition, status=ClassRegistration.Status.ATTENTE
    ).teacher
    elsewhere = ClassRegistrationFactory().teacher  # a class of another edition
    for user in (taking_part, UserFactory(animation=True), UserFactory(administrateur=True)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == PDF
        assert 'filename="enonce.pdf"' in response["Content-Disposition"]
    client.force_login(taking_part)
    page = client.get(reverse("actions:round_detail", args=[round_.pk])).content.decode()
    assert "Télécharger le document de la manche" in page
    for user in (waiting, elsewhere, UserFactory()):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
        page = client.get(reverse("actions:round_detail", args=[round_.pk])).content.decode()
        assert url not in page
    client.logout()
    assert client.get(url).status_code == 302  # to the login page

    # The round's e-mail gives the page and the document's address (behind the login).
    client.force_login(UserFactory(animation=True))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("actions:round_announce", args=[round_.pk]))
    assert len(mail.outbox) == 1 and url in mail.outbox[0].body


@pytest.mark.parametrize(
    ("content", "kinds", "expected"),
    [
        (PDF, ("pdf",), "application/pdf"),
        (b"GIF89a" + b"\x00" * 20, ("image",), "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", ("image",), "image/webp"),
        (
            DOCX,
            ("office",),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (ODT, ("office",), "application/vnd.oasis.opendocument.text"),
    ],
)
def test_the_shared_check_reads_the_type_from_the_content(content, kinds, expected):
    from occe.core.validators import check_upload

    assert check_upload(SimpleUploadedFile("sans-extension", content), kinds) == expected


def test_the_shared_check_names_what_it_accepts():
    from django.core.exceptions import ValidationError

    from occe.core.validators import check_upload

    with pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile("a.docx", DOCX), ("pdf", "image"))
    assert refused.value.messages == [
        "Ce fichier n'est pas accepté : envoyez un fichier de type PDF ou image (PNG, JPEG, "
        "GIF, WebP)."
    ]
