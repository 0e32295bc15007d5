"""The actions' pages in the URL walk: everyone reads the editions; teachers and mandataires
register classes and reach their own registrations (another teacher's is a 404); staff manage;
the board reads."""

from django.core.files.base import ContentFile

from actions.models import ClassRegistration, Diploma, Production, Submission
from tests.access import EVERYONE, STAFF_AND_BOARD, Route, as_post, expect

from .factories import (
    BudgetLineFactory,
    ClassRegistrationFactory,
    EditionFactory,
    IntervenantFactory,
    InterventionFactory,
    RoundFactory,
)

TEACHERS = expect(enseignant=200, mandataire=200, autre_mandataire=200)
STAFF_WRITE = expect(secretariat=200, animation=200)
# A class of the enseignant: theirs to read, staff's and board's too; other teachers get a 404.
OWN_READ = expect(200, mandataire=404, autre_mandataire=404)
# Registering a class: teachers and staff; the board 403.
REGISTER = expect(200, administrateur=403)


class ActionsWorld:
    def __init__(self, world):
        teacher = world.users["enseignant"]
        self.edition = EditionFactory()
        self.action = self.edition.action
        self.registration = ClassRegistrationFactory(
            edition=self.edition, teacher=teacher, cooperative=world.own_coop
        )
        self.intervention = InterventionFactory(registration=self.registration)
        self.intervenant = self.intervention.intervenant
        self.budget_line = BudgetLineFactory(edition=self.edition)
        self.other_intervenant = IntervenantFactory()
        # A participating class of the enseignant with its diploma.
        self.participating = ClassRegistrationFactory(
            edition=self.edition,
            teacher=teacher,
            cooperative=world.own_coop,
            status=ClassRegistration.Status.PARTICIPANTE,
        )
        diploma = Diploma(registration=self.participating)
        diploma.pdf.save(diploma.filename(), ContentFile(b"%PDF-1.4 test"))
        # A round of the classes' cycle, answered by the enseignant's class with a file.
        self.round = RoundFactory(edition=self.edition, cycle=3)
        self.round.document.save("enonce.pdf", ContentFile(b"%PDF-1.4 test"))
        self.submission = Submission(round=self.round, registration=self.registration, text="42")
        self.submission.file.save("reponse.pdf", ContentFile(b"%PDF-1.4 test"))
        self.production = Production(
            edition=self.edition, registration=self.registration, title="Le vent", text="…"
        )
        self.production.file.save("poeme.pdf", ContentFile(b"%PDF-1.4 test"))


def build(world) -> ActionsWorld:
    return ActionsWorld(world)


EDITION = {"pk": "actions.edition.pk"}
REGISTRATION = {"pk": "actions.registration.pk"}
INTERVENTION = {"pk": "actions.intervention.pk"}
ROUTES = [
    Route("actions:catalogue", EVERYONE),
    Route("actions:my_classes", TEACHERS),
    Route("actions:registrations", STAFF_AND_BOARD),
    Route("actions:figures", STAFF_AND_BOARD),
    Route("actions:figures_export", STAFF_AND_BOARD),
    Route("actions:action_list", STAFF_AND_BOARD),
    Route("actions:action_create", STAFF_WRITE),
    Route("actions:action_edit", STAFF_WRITE, {"pk": "actions.action.pk"}),
    Route("actions:edition_create", STAFF_WRITE, {"pk": "actions.action.pk"}),
    Route("actions:edition_detail", EVERYONE, EDITION),
    Route("actions:edition_edit", STAFF_WRITE, EDITION),
    Route("actions:edition_copy", as_post(STAFF_WRITE), EDITION, "post"),
    Route("actions:register", REGISTER, EDITION),
    Route("actions:selection", STAFF_AND_BOARD, EDITION),
    Route("actions:intervention_create", STAFF_WRITE, EDITION),
    Route("actions:budget", STAFF_AND_BOARD, EDITION),
    Route("actions:budget_export", STAFF_AND_BOARD, EDITION),
    Route("actions:registrations_export", STAFF_AND_BOARD, EDITION),
    Route(
        "actions:budget_line_delete",
        as_post(STAFF_WRITE),
        {"pk": "actions.budget_line.pk"},
        "post",
    ),
    Route("actions:registration_detail", OWN_READ, REGISTRATION),
    Route("actions:rounds", EVERYONE, EDITION),
    Route("actions:productions", EVERYONE, EDITION),
    Route("actions:book", as_post(STAFF_WRITE), EDITION, "post"),
    Route(
        "actions:production_review",
        as_post(STAFF_WRITE),
        {"pk": "actions.production.pk"},
        "post",
        {"status": "=acceptee"},
    ),
    Route("actions:production_file", OWN_READ, {"pk": "actions.production.pk"}),
    Route("actions:round_detail", EVERYONE, {"pk": "actions.round.pk"}),
    # The round's document: the classes taking part in the edition (the enseignant's), staff
    # and board; the other teachers get a 404.
    Route("actions:round_document", OWN_READ, {"pk": "actions.round.pk"}),
    Route("actions:round_announce", as_post(STAFF_WRITE), {"pk": "actions.round.pk"}, "post"),
    Route(
        "actions:submission_score",
        as_post(STAFF_WRITE),
        {"pk": "actions.submission.pk"},
        "post",
        {"score": "=15"},
    ),
    Route("actions:submission_file", OWN_READ, {"pk": "actions.submission.pk"}),
    Route("actions:diploma", OWN_READ, {"pk": "actions.participating.pk"}),
    Route("actions:diplomas", as_post(STAFF_WRITE), EDITION, "post"),
    Route(
        "actions:registration_status",
        as_post(expect(secretariat=200, animation=200, mandataire=404, autre_mandataire=404)),
        REGISTRATION,
        "post",
        {"status": "=retenue"},
    ),
    Route("actions:interventions", STAFF_AND_BOARD),
    Route("actions:intervention_create_other", STAFF_WRITE),
    Route("actions:intervention_edit", STAFF_WRITE, INTERVENTION),
    Route(
        "actions:intervention_status",
        as_post(STAFF_WRITE),
        INTERVENTION,
        "post",
        {"status": "=realisee"},
    ),
    Route("actions:intervenants", STAFF_AND_BOARD),
    Route("actions:intervenant_edit", STAFF_WRITE, {"pk": "actions.intervenant.pk"}),
    Route("actions:intervenant_ics", STAFF_AND_BOARD, {"pk": "actions.other_intervenant.pk"}),
]
