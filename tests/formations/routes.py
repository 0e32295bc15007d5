"""The trainings' pages in the URL walk: everyone reads the catalogue; teachers and mandataires
register and reach their own registrations (another teacher's is a 404); staff manage; the
board reads."""

from formations.models import Session
from tests.access import EVERYONE, STAFF_AND_BOARD, Route, as_post, expect
from tests.accounts.factories import UserFactory

from .factories import (
    AttendanceFactory,
    RegistrationFactory,
    SessionFactory,
    StaffTrainingFactory,
    ThemeFactory,
    in_days,
)

TEACHERS = expect(enseignant=200, mandataire=200, autre_mandataire=200)
STAFF_WRITE = expect(secretariat=200, animation=200)
# The enseignant's own registration: theirs to read, staff's and board's too; other teachers 404.
OWN_READ = expect(200, mandataire=404, autre_mandataire=404)
OWN_CANCEL = as_post(expect(secretariat=200, animation=200, enseignant=200, administrateur=403, mandataire=404, autre_mandataire=404))  # fmt: skip


class FormationsWorld:
    def __init__(self, world):
        teacher = world.users["enseignant"]
        self.theme = ThemeFactory()
        self.session = SessionFactory(training__theme=self.theme)
        self.training = self.session.training
        self.part = self.session.parts.get()
        # The enseignant's registration to a coming session (cancellable by them).
        self.registration = RegistrationFactory(
            session=SessionFactory(training=self.training),
            user=teacher,
            cooperative=world.own_coop,
        )
        # A held session where the enseignant was present: certificate and questionnaire.
        held = SessionFactory(
            training=self.training,
            registration_deadline=in_days(-20),
            status=Session.Status.TENUE,
        )
        held.parts.update(date=in_days(-7))
        self.attended = RegistrationFactory(session=held, user=teacher, cooperative=world.own_coop)
        self.held_part = held.parts.get()
        AttendanceFactory(registration=self.attended, part=self.held_part)
        # Someone else at the held session, for the attendance toggle.
        self.other = RegistrationFactory(session=held, user=UserFactory())
        self.staff_training = StaffTrainingFactory()


def build(world) -> FormationsWorld:
    return FormationsWorld(world)


SESSION = {"pk": "formations.session.pk"}
PART = {"pk": "formations.part.pk"}
ROUTES = [
    Route("formations:catalogue", EVERYONE),
    Route("formations:my_trainings", TEACHERS),
    Route("formations:training_list", STAFF_AND_BOARD),
    Route("formations:training_create", STAFF_WRITE),
    Route("formations:training_detail", EVERYONE, {"pk": "formations.training.pk"}),
    Route("formations:training_edit", STAFF_WRITE, {"pk": "formations.training.pk"}),
    Route("formations:session_create", STAFF_WRITE, {"pk": "formations.training.pk"}),
    Route("formations:session_list", STAFF_AND_BOARD),
    Route("formations:session_detail", EVERYONE, SESSION),
    Route("formations:session_edit", STAFF_WRITE, SESSION),
    Route("formations:session_cancel", STAFF_WRITE, SESSION),
    Route("formations:session_close", as_post(STAFF_WRITE), SESSION, "post"),
    Route("formations:register", TEACHERS, SESSION),
    Route(
        "formations:register_other",
        as_post(STAFF_WRITE),
        SESSION,
        "post",
        {"email": "=enseignant@exemple.fr", "cooperative": "own_coop.pk"},
    ),
    Route(
        "formations:send_certificates",
        as_post(STAFF_WRITE),
        {"pk": "formations.attended.session_id"},
        "post",
    ),
    Route(
        "formations:registration_cancel",
        OWN_CANCEL,
        {"pk": "formations.registration.pk"},
        "post",
    ),
    Route("formations:certificate", OWN_READ, {"pk": "formations.attended.pk"}),
    Route(
        "formations:survey",
        expect(enseignant=200, mandataire=404, autre_mandataire=404),
        {"pk": "formations.attended.pk"},
    ),
    Route("formations:attendance", STAFF_WRITE, PART),
    Route(
        "formations:attendance_mark",
        as_post(STAFF_WRITE),
        {"pk": "formations.held_part.pk", "registration_pk": "formations.other.pk"},
        "post",
        {"present": "=1"},
    ),
    Route("formations:attendance_sheet", STAFF_AND_BOARD, PART),
    Route("formations:themes", STAFF_AND_BOARD),
    Route("formations:theme_edit", STAFF_WRITE, {"pk": "formations.theme.pk"}),
    Route("formations:figures", STAFF_AND_BOARD),
    Route("formations:figures_export", STAFF_AND_BOARD),
    Route("formations:staff_trainings", STAFF_AND_BOARD),
    Route("formations:staff_training_create", expect(secretariat=200)),
    Route(
        "formations:staff_training_edit",
        expect(secretariat=200),
        {"pk": "formations.staff_training.pk"},
    ),
]
