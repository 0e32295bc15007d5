import io

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from cooperatives.models import Cooperative
from occe.association.models import Newsletter, NewsletterImage
from occe.core.mailings import Mailing, Recipient
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import AffiliationFactory, CooperativeFactory, MandateFactory

from .factories import NewsletterFactory


def png(size=(40, 30)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, (11, 79, 138)).save(output, "PNG")
    return output.getvalue()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (48.0, 53.0, 0.0)}  # GPSInfo: where the class photo was taken
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif)
    return output.getvalue()


def upload(name: str, content: bytes, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type)


def coop_with_mandataire(priority="", validated=True, email=None, **coop):
    cooperative = CooperativeFactory(priority_education=priority, **coop)
    mandate = MandateFactory(cooperative=cooperative, **({"user__email": email} if email else {}))
    AffiliationFactory(
        cooperative=cooperative, **({"validated": True} if validated else {"submitted": True})
    )
    return mandate.user


def test_compose_with_an_image_and_a_preview(world, login):
    client = login(world.users["secretariat"])
    response = client.post(
        reverse("association:newsletter_create"),
        {
            "subject": "Lettre de novembre",
            "body": "## Les actions\n\nInscrivez vos **classes**.",
            "image": upload("photo.jpg", jpeg_with_gps(), "image/jpeg"),
            "image_alt": "Une classe au théâtre",
        },
    )
    newsletter = Newsletter.objects.get(subject="Lettre de novembre")
    assert response.status_code == 302
    image = NewsletterImage.objects.get(newsletter=newsletter)
    assert newsletter.body.endswith(f"![Une classe au théâtre]({image.url})\n")
    assert not image.file.name.startswith("public")
    with image.file.open("rb") as handle, Image.open(handle) as stored:
        assert stored.format == "JPEG" and 0x8825 not in stored.getexif()  # GPS removed

    # The image reaches mail clients without a session, by its unguessable address only.
    client.logout()
    response = client.get(image.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client.get(reverse("association:newsletter_image", args=["devine"])).status_code == 404

    client = login(world.users["secretariat"])
    preview = client.post(
        reverse("association:newsletter_edit", args=[newsletter.pk]),
        {
            "apercu": "1",
            "subject": "x",
            "body": "**Gras** <script>alert(1)</script> ![x](https://traceur.example/p.gif)",
        },
        headers={"HX-Request": "true"},
    )
    html = preview.content.decode()
    assert "<strong>Gras</strong>" in html
    assert "<script>" not in html and "traceur" not in html
    newsletter.refresh_from_db()
    assert "Gras" not in newsletter.body  # a preview saves nothing


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("faux.png", b"%PDF-1.4 pas une image", "pas une image"),
        ("anime.gif", None, "JPEG ou PNG"),
        ("grand.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024), "2 Mo"),
    ],
)
def test_images_are_checked_by_content(world, login, name, content, message):
    if content is None:
        output = io.BytesIO()
        Image.new("RGB", (4, 4)).save(output, "GIF")
        content = output.getvalue()
    client = login(world.users["secretariat"])
    response = client.post(
        reverse("association:newsletter_create"),
        {
            "subject": "S",
            "body": "B",
            "image": upload(name, content, "image/png"),
            "image_alt": "x",
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Newsletter.objects.exists()


def test_a_test_goes_to_oneself_only(world, login, django_capture_on_commit_callbacks):
    newsletter = NewsletterFactory(subject="Rentrée", body="Bonjour **à tous**")
    client = login(world.users["secretariat"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("association:newsletter_test", args=[newsletter.pk]))
    (message,) = mail.outbox
    assert message.to == ["secretariat@exemple.fr"] and message.subject.startswith("[TEST]")
    assert "Bonjour **à tous**" in message.body  # the plain-text part
    assert "<strong>à tous</strong>" in message.alternatives[0][0]
    assert f"Version en ligne : {newsletter.web_url}" in message.body
    assert newsletter.web_url.startswith("http")
    newsletter.refresh_from_db()
    assert newsletter.is_draft and not newsletter.recipients.exists()


def test_send_to_the_mandataires_of_affiliated_rep_plus_coops(
    world, login, django_capture_on_commit_callbacks
):
    rep_plus = coop_with_mandataire("REP+", email="rep-plus@exemple.fr")
    MandateFactory(  # a co-mandataire of the same coop
        cooperative=rep_plus.mandates.get().cooperative, user__email="co@exemple.fr", kind="co"
    )
    coop_with_mandataire("REP", email="rep@exemple.fr")
    coop_with_mandataire("REP+", validated=False, email="non-validee@exemple.fr")
    struck_off = coop_with_mandataire("REP+", email="radiee@exemple.fr")
    Cooperative.objects.filter(mandates__user=struck_off).update(status="radiee")
    newsletter = NewsletterFactory(subject="Lettre REP+", body="Texte **riche**")
    client = login(world.users["secretariat"])
    url = reverse("association:newsletter_send", args=[newsletter.pk])
    filters = {"audience": "mandataires", "priorities": ["REP+"]}

    count = client.post(url, filters, headers={"HX-Request": "true"})
    assert "2 destinataires" in count.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**filters, "envoyer": "1"})
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["co@exemple.fr", "rep-plus@exemple.fr"]
    message = mail.outbox[0]
    assert message.subject.endswith("Lettre REP+")
    assert "Texte **riche**" in message.body and "Version en ligne : " in message.body
    assert "http://127.0.0.1:8000/vie-associative/lettres/" in message.body
    newsletter.refresh_from_db()
    assert newsletter.status == Mailing.Status.DONE
    assert "REP+" in newsletter.audience_label and newsletter.audience["priorities"] == ["REP+"]

    # A second click (another tab) sends nothing more: the newsletter is no longer a draft.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {**filters, "envoyer": "1"}).status_code == 403
    assert len(mail.outbox) == 2
    page = client.get(reverse("association:newsletter_recipients", args=[newsletter.pk]))
    assert page.content.decode().count(Recipient.Status.SENT.label) >= 2


def test_no_recipient_no_sending(world, login):
    newsletter = NewsletterFactory()
    client = login(world.users["secretariat"])
    url = reverse("association:newsletter_send", args=[newsletter.pk])
    response = client.post(url, {"audience": "mandataires", "types": ["lycee"], "envoyer": "1"})
    assert "Aucun destinataire" in response.content.decode()
    newsletter.refresh_from_db()
    assert newsletter.is_draft


def test_the_archive_shows_sent_newsletters_to_mandataires_and_teachers(world, login):
    sent = NewsletterFactory(subject="Lettre envoyée", status=Mailing.Status.DONE)
    draft = NewsletterFactory(subject="Brouillon secret")
    for role in ["mandataire", "enseignant"]:
        client = login(world.users[role])
        page = client.get(reverse("association:newsletter_list")).content.decode()
        assert "Lettre envoyée" in page and "Brouillon secret" not in page
        assert client.get(sent.get_absolute_url()).status_code == 200
        assert client.get(draft.get_absolute_url()).status_code == 404
    client = login(world.users["administrateur"])
    assert "Brouillon secret" in client.get(reverse("association:newsletter_list")).content.decode()


def test_a_sent_newsletter_cannot_be_edited(world, login):
    sent = NewsletterFactory(status=Mailing.Status.DONE)
    client = login(world.users["secretariat"])
    assert client.get(reverse("association:newsletter_edit", args=[sent.pk])).status_code == 403


def test_progress_and_retry_of_the_failures(world, login, django_capture_on_commit_callbacks):
    newsletter = NewsletterFactory(status=Mailing.Status.DONE)
    newsletter.add_recipients([("ok@exemple.fr", ""), ("ko@exemple.fr", "")])
    newsletter.recipients.filter(email="ok@exemple.fr").update(status=Recipient.Status.SENT)
    newsletter.recipients.filter(email="ko@exemple.fr").update(
        status=Recipient.Status.FAILED, error="Adresse refusée par le serveur : 550 inconnue"
    )
    newsletter.refresh_counts()
    client = login(world.users["secretariat"])
    progress = client.get(reverse("association:newsletter_progress", args=[newsletter.pk]))
    text = progress.content.decode()
    assert "1 envoyé" in text and "1 en échec" in text and "hx-trigger" not in text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("association:newsletter_retry", args=[newsletter.pk]))
    assert [m.to for m in mail.outbox] == [["ko@exemple.fr"]]
    newsletter.refresh_from_db()
    assert (newsletter.sent, newsletter.failed) == (2, 0)


@pytest.mark.parametrize(
    "url_name", ["association:newsletter_list", "association:newsletter_recipients"]
)
def test_lists_run_a_constant_number_of_queries(world, login, url_name):
    client = login(world.users["secretariat"])
    client.get(reverse("home"))
    main = NewsletterFactory(status=Mailing.Status.DONE)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            kwargs = {"pk": main.pk} if url_name.endswith("recipients") else {}
            assert client.get(reverse(url_name, kwargs=kwargs)).status_code == 200
        return len(context)

    main.add_recipients([("a@exemple.fr", "A")])
    few = queries()
    main.add_recipients((f"m{i}@exemple.fr", "") for i in range(60))
    for _ in range(30):
        NewsletterFactory(status=Mailing.Status.DONE, created_by=UserFactory(secretariat=True))
    assert queries() == few


def test_mail_images_are_absolute_addresses_never_attachments(world, settings):
    """Images are fetched by the mail client from their unguessable address: a message to 600
    schools stays small, and the web version shows the same files."""
    from occe.association.models import NewsletterRecipient

    settings.SITE_URL = "https://gestion.occe92.example"
    newsletter = NewsletterFactory(body="![Logo](/vie-associative/lettres/images/abc/)")
    message = newsletter.build_message(NewsletterRecipient(email="a@exemple.fr"))
    html = message.alternatives[0][0]
    assert 'src="https://gestion.occe92.example/vie-associative/lettres/images/abc/"' in html
    assert "[Image : Logo]" in message.body and not message.attachments


def test_audience_filters_by_type_and_circonscription(world):
    from occe.association.audiences import Filters, affiliated_mandataires
    from occe.core.models import SchoolYear
    from tests.cooperatives.factories import CirconscriptionFactory

    north = CirconscriptionFactory(name="Nord")
    coop_with_mandataire(email="mat-nord@exemple.fr", type="maternelle", circonscription=north)
    coop_with_mandataire(email="elem-nord@exemple.fr", circonscription=north)
    coop_with_mandataire(email="mat-sud@exemple.fr", type="maternelle")
    year = SchoolYear.objects.current()

    def emails(**filters):
        return [email for email, _ in affiliated_mandataires(year, Filters(**filters))]

    assert emails(types=("maternelle",), circonscriptions=(north.pk,)) == ["mat-nord@exemple.fr"]
    assert emails(types=("maternelle",)) == ["mat-nord@exemple.fr", "mat-sud@exemple.fr"]
    # The World's two coops are affiliated too: five mandataires in all, none out of scope.
    assert len(emails()) == 5 and emails(priorities=("aucune",)) == emails()
