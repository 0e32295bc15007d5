"""Every page of the grants, with every role (collected by tests/test_access.py).

The World's own coop has an application in each state; its mandataire reads them and edits
the draft, another coop's mandataire gets a 404; administrators give opinions and decide, the
secretariat records payments, the other staff read."""

from decimal import Decimal
from types import SimpleNamespace

from django.core.files.base import ContentFile

from finances.models import GrantApplication, GrantDocument, InsuranceClaimDocument
from tests.access import SECRETARIAT, STAFF_AND_BOARD, Route, as_post, expect

from .factories_grants import (
    GrantApplicationFactory,
    GrantPaymentFactory,
    GrantSessionFactory,
    InsuranceClaimFactory,
    TroussePaybackFactory,
)

# Reading one coop's application: staff, board and its own mandataire.
READERS = expect(200, enseignant=403, autre_mandataire=404)
OWNER = expect(mandataire=200, autre_mandataire=404)
# Deciding and paying: a role's decorator answers before any lookup, a 403 for every other.
BOARD_ONLY = expect(administrateur=200)
COOPS = expect(200, enseignant=403)
SESSION_MANAGERS = expect(secretariat=200, administrateur=200)


def build(world) -> SimpleNamespace:
    coop, mandataire = world.own_coop, world.users["mandataire"]
    session = GrantSessionFactory()
    built = SimpleNamespace(
        session=session,
        draft=GrantApplicationFactory(session=session, cooperative=coop, requested_by=mandataire),
        review=GrantApplicationFactory(cooperative=coop, requested_by=mandataire, review=True),
        granted=GrantApplicationFactory(cooperative=coop, requested_by=mandataire, granted=True),
        claim=InsuranceClaimFactory(cooperative=coop),
        payback=TroussePaybackFactory(cooperative=coop),
    )
    built.payment = GrantPaymentFactory(application=built.granted, amount=Decimal("50"))
    GrantApplication.objects.filter(pk=built.granted.pk).update(paid_amount=Decimal("50"))
    built.claim_document = InsuranceClaimDocument.objects.create(
        claim=built.claim,
        kind=InsuranceClaimDocument.Kind.PHOTO,
        file=ContentFile(b"\x89PNG\r\n\x1a\n0000", name="vitre.png"),
        name="vitre.png",
        uploaded_by=world.users["secretariat"],
    )
    built.document = GrantDocument.objects.create(
        application=built.granted,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="devis.pdf"),
        name="devis.pdf",
        uploaded_by=mandataire,
    )
    return built


DRAFT = {"pk": "grants.draft.pk"}
REVIEW = {"pk": "grants.review.pk"}
GRANTED = {"pk": "grants.granted.pk"}
SESSION = {"pk": "grants.session.pk"}

ROUTES = [
    Route("finances:grant_application_list", COOPS),
    Route("finances:grant_application_create", expect(mandataire=200, autre_mandataire=200)),
    Route("finances:grant_application_detail", READERS, GRANTED),
    Route("finances:grant_application_detail", READERS, DRAFT),
    Route("finances:grant_application_edit", OWNER, DRAFT),
    Route("finances:grant_application_edit", expect(autre_mandataire=404), GRANTED),
    Route("finances:grant_application_submit", as_post(OWNER), DRAFT, "post"),
    Route("finances:grant_document_add", as_post(OWNER), DRAFT, "post"),
    Route("finances:grant_document", READERS, {"pk": "grants.document.pk"}),
    Route("finances:grant_letter", READERS, GRANTED),
    Route("finances:grant_opinion", as_post(BOARD_ONLY), REVIEW, "post"),
    Route("finances:grant_decide", as_post(BOARD_ONLY), REVIEW, "post"),
    Route("finances:grant_pay", as_post(SECRETARIAT), GRANTED, "post"),
    # Cancelling or correcting a payment: the secretariat; the grant's readers get a 403.
    Route("finances:grant_payment_cancel", SECRETARIAT, {"pk": "grants.payment.pk"}),
    Route("finances:grant_report", OWNER, GRANTED),
    Route("finances:grant_session_list", STAFF_AND_BOARD),
    Route("finances:grant_session_create", SESSION_MANAGERS),
    Route("finances:grant_session_detail", STAFF_AND_BOARD, SESSION),
    Route("finances:grant_session_edit", SESSION_MANAGERS, SESSION),
    Route("finances:grant_session_advance", as_post(SESSION_MANAGERS), SESSION, "post"),
    Route("finances:grant_minutes_pdf", STAFF_AND_BOARD, SESSION),
    Route("finances:grant_minutes_xlsx", STAFF_AND_BOARD, SESSION),
    Route("finances:payback_list", COOPS),
    Route("finances:payback_create", SECRETARIAT),
    Route("finances:payback_import", SECRETARIAT),
    # Another kind of upload's id: not found, even for the secretariat.
    Route(
        "finances:payback_import_preview", expect(403, secretariat=404), {"batch_pk": "own_coop.pk"}
    ),
    Route("finances:claim_list", COOPS),
    Route("finances:claim_create", SECRETARIAT),
    Route("finances:claim_edit", SECRETARIAT, {"pk": "grants.claim.pk"}),
    Route("finances:claim_detail", READERS, {"pk": "grants.claim.pk"}),
    Route("finances:claim_document_add", as_post(SECRETARIAT), {"pk": "grants.claim.pk"}, "post"),
    Route("finances:claim_document", READERS, {"pk": "grants.claim_document.pk"}),
    Route("finances:subsidy_list", COOPS),
    Route("finances:subsidy_create", SECRETARIAT),
    Route("finances:grant_figures", STAFF_AND_BOARD),
    Route("finances:grant_figures_export", STAFF_AND_BOARD),
]
