"""The association's pages in the URL walk (tests/test_access.py)."""

from types import SimpleNamespace

from django.core.files.base import ContentFile

from occe.association.models import Attendance, Flyer, NewsletterImage
from occe.core.mailings import Mailing
from occe.core.models import SchoolYear
from tests.access import EVERYONE, SECRETARIAT, STAFF, STAFF_AND_BOARD, Route, as_post, expect

from .factories import (
    MeetingDocumentFactory,
    MeetingFactory,
    NewsletterFactory,
    PartnerFactory,
    PersonFactory,
    WorkingGroupFactory,
)

PUBLIC = expect(200, anonyme=200)


def build(world) -> SimpleNamespace:
    person = PersonFactory()
    meeting = MeetingFactory()
    Attendance.objects.create(meeting=meeting, person=person)
    draft = NewsletterFactory(created_by=world.users["secretariat"])
    sent = NewsletterFactory(created_by=world.users["secretariat"], status=Mailing.Status.DONE)
    sent.add_recipients([("a@exemple.fr", "A")])
    image = NewsletterImage(
        newsletter=draft, content_type="image/png", alt="Logo", uploaded_by=draft.created_by
    )
    image.file.save("logo.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=False)
    image.save()
    return SimpleNamespace(
        person=person,
        meeting=meeting,
        document=MeetingDocumentFactory(meeting=meeting),
        group=WorkingGroupFactory(),
        partner=PartnerFactory(),
        flyer=Flyer.objects.create(title="THEA", school_year=SchoolYear.objects.current()),
        draft=draft,
        sent=sent,
        image=image,
    )


PERSON = {"pk": "association.person.pk"}
MEETING = {"pk": "association.meeting.pk"}
DRAFT = {"pk": "association.draft.pk"}
SENT = {"pk": "association.sent.pk"}
ROUTES = [
    Route("association:people", STAFF_AND_BOARD),
    Route("association:person_create", SECRETARIAT),
    Route("association:person_edit", SECRETARIAT, PERSON),
    Route("association:meeting_list", STAFF_AND_BOARD),
    Route("association:meeting_create", SECRETARIAT),
    Route("association:meeting_detail", STAFF_AND_BOARD, MEETING),
    Route("association:meeting_edit", SECRETARIAT, MEETING),
    Route("association:meeting_convoke", as_post(SECRETARIAT), MEETING, "post"),
    Route("association:meeting_document_upload", as_post(SECRETARIAT), MEETING, "post"),
    Route("association:meeting_document", STAFF_AND_BOARD, {"pk": "association.document.pk"}),
    Route("association:group_list", STAFF_AND_BOARD),
    Route("association:group_create", STAFF),
    Route("association:group_edit", STAFF, {"pk": "association.group.pk"}),
    Route("association:flyer_list", STAFF_AND_BOARD),
    Route("association:flyer_create", STAFF),
    Route("association:flyer_edit", STAFF, {"pk": "association.flyer.pk"}),
    Route("association:partner_list", STAFF_AND_BOARD),
    Route("association:partner_create", STAFF),
    Route("association:partner_detail", STAFF_AND_BOARD, {"pk": "association.partner.pk"}),
    Route("association:partner_edit", STAFF, {"pk": "association.partner.pk"}),
    Route("association:newsletter_list", EVERYONE),
    Route("association:newsletter_create", SECRETARIAT),
    Route("association:newsletter_detail", EVERYONE, SENT),
    Route("association:newsletter_edit", SECRETARIAT, DRAFT),
    Route("association:newsletter_test", as_post(SECRETARIAT), DRAFT, "post"),
    Route("association:newsletter_send", SECRETARIAT, DRAFT),
    Route("association:newsletter_progress", STAFF_AND_BOARD, SENT),
    Route("association:newsletter_retry", as_post(SECRETARIAT), SENT, "post"),
    Route("association:newsletter_recipients", STAFF_AND_BOARD, SENT),
    Route("association:newsletter_image", PUBLIC, {"token": "association.image.token"}),
]
