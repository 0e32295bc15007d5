"""Every page of the CRFS and the controls, with every role (collected by tests/test_access.py).

The World's own coop has a draft CRFS of last year (with its statement) and a received one of
the year before; a control of its accounts whose letter was sent, with a follow-up action the
mandataire answered. Its mandataire reads them, another coop's mandataire gets a 404, the
secretariat decides on CRFS, administrators run controls."""

import datetime
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from finances.imports_crfs import CrfsImporter
from occe.core.imports import receive_upload
from occe.core.spreadsheets import write_xlsx
from tests.access import SECRETARIAT, STAFF_AND_BOARD, Route, as_post, expect

from .factories_crfs import ControlActionFactory, ControlFactory, CrfsFactory, last_year

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

COOP_READ = expect(200, enseignant=403, autre_mandataire=404)
CRFS_EDITORS = expect(secretariat=200, mandataire=200, autre_mandataire=404)
BOARD = expect(administrateur=200, autre_mandataire=404)


def build(world) -> SimpleNamespace:
    coop = world.own_coop
    year = last_year()
    draft = CrfsFactory(cooperative=coop, school_year=year)
    draft.statement.save("releve.pdf", ContentFile(PDF))
    submitted = CrfsFactory(cooperative=coop, school_year=year.previous(), submitted=True)
    control = ControlFactory(
        cooperative=coop,
        school_year=year,
        created_by=world.users["administrateur"],
        findings="Cahier de comptabilité incomplet.",
        letter_sent_at=timezone.now(),
    )
    control.letter_pdf.save("lettre.pdf", ContentFile(PDF))
    action = ControlActionFactory(control=control, answer="Fait.")
    action.answer_file.save("reponse.pdf", ContentFile(PDF))
    batch, _ = receive_upload(
        CrfsImporter(school_year=year),
        SimpleUploadedFile("crfs.xlsx", write_xlsx([c.header for c in CrfsImporter.columns], [])),
        world.users["secretariat"],
        school_year=year,
    )
    return SimpleNamespace(
        batch=batch,
        year=year,
        draft=draft,
        submitted=submitted,
        control=control,
        action=action,
        due=(timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
    )


DRAFT = {"pk": "crfs.draft.pk"}
SUBMITTED = {"pk": "crfs.submitted.pk"}
OWN_YEAR = {"coop_pk": "own_coop.pk", "year": "crfs.year.label"}
CONTROL = {"pk": "crfs.control.pk"}
ACTION = {"pk": "crfs.action.pk"}

ROUTES = [
    Route("finances:crfs_list", expect(200, enseignant=403)),
    Route("finances:crfs_campaign", STAFF_AND_BOARD),
    Route(
        "finances:crfs_campaign_remind",
        as_post(SECRETARIAT),
        {},
        "post",
        {"annee": "crfs.year.label"},
    ),
    Route("finances:crfs_figures", STAFF_AND_BOARD),
    Route("finances:crfs_categories", STAFF_AND_BOARD),
    Route("finances:crfs_import", SECRETARIAT),
    Route("finances:crfs_import_template", SECRETARIAT),
    Route("finances:crfs_import_preview", SECRETARIAT, {"batch_pk": "crfs.batch.pk"}),
    Route("finances:crfs_figures_export", STAFF_AND_BOARD),
    Route("finances:crfs_edit", CRFS_EDITORS, OWN_YEAR),
    Route("finances:crfs_detail", COOP_READ, DRAFT),
    Route("finances:crfs_statement", COOP_READ, DRAFT),
    Route(
        "finances:crfs_submit",
        as_post(CRFS_EDITORS),
        DRAFT,
        "post",
        {"engagement": "=on"},
    ),
    Route("finances:crfs_accept", as_post(SECRETARIAT), SUBMITTED, "post"),
    Route(
        "finances:crfs_send_back",
        as_post(SECRETARIAT),
        SUBMITTED,
        "post",
        {"reason": "=Le relevé manque"},
    ),
    Route("finances:control_list", expect(200, enseignant=403)),
    Route("finances:crfs_flags", STAFF_AND_BOARD),
    Route("finances:control_overdue", STAFF_AND_BOARD),
    Route("finances:control_create", expect(administrateur=200), OWN_YEAR),
    Route("finances:control_detail", COOP_READ, CONTROL),
    Route("finances:control_edit", BOARD, CONTROL),
    Route("finances:control_letter", COOP_READ, CONTROL),
    Route("finances:control_letter_pdf", COOP_READ, CONTROL),
    Route("finances:control_send_letter", as_post(BOARD), CONTROL, "post"),
    Route(
        "finances:control_action_add",
        as_post(BOARD),
        CONTROL,
        "post",
        {"action-description": "=Joindre les relevés", "action-due_date": "crfs.due"},
    ),
    Route("finances:control_action_done", as_post(BOARD), ACTION, "post"),
    Route(
        "finances:control_action_answer",
        as_post(expect(mandataire=200, autre_mandataire=404)),
        ACTION,
        "post",
        {"reponse-answer": "=ok"},
    ),
    Route("finances:control_action_file", COOP_READ, ACTION),
]
