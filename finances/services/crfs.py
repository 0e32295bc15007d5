"""The CRFS workflow (submit, send back, accept), the flags of a year and the controls opened
from them (open, send the letter, answer a follow-up action)."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from cooperatives.models import Cooperative
from occe.core.models import Association, SchoolYear

from ..models.controls import REASON_FIELDS, Control, ControlAction
from ..models.crfs import CRFS_REASONS, RECEIVED, Crfs, Flag, Reason, Status, due_date
from .errors import WorkflowError


def _locked(crfs: Crfs) -> Crfs:
    return Crfs.objects.select_for_update().get(pk=crfs.pk)


@transaction.atomic
def submit(crfs: Crfs, user) -> Crfs:
    """The mandataire sends their CRFS (or the secretariat records a paper one as received)."""
    crfs = _locked(crfs)
    if not crfs.can_be_submitted_by(user):
        raise WorkflowError("Ce compte rendu ne peut pas être transmis dans son état actuel.")
    if not user.is_secretariat and not crfs.statement:
        raise WorkflowError("Joignez le relevé bancaire au 31 août.", field="statement")
    if not (crfs.verifier1_name and crfs.verifier2_name):
        raise WorkflowError("Indiquez les deux vérificateurs aux comptes.")
    if not crfs.approval_date:
        raise WorkflowError("Indiquez la date d'approbation par le conseil de coopérative.")
    crfs.status = Status.SUBMITTED
    crfs.submitted_at = timezone.now()
    crfs.submitted_by = user
    crfs.correction_reason = ""
    crfs.save()
    return crfs


@transaction.atomic
def accept(crfs: Crfs, user) -> Crfs:
    crfs = _locked(crfs)
    if not crfs.can_be_decided_by(user):
        raise WorkflowError("Seul un compte rendu reçu peut être accepté.")
    crfs.status = Status.ACCEPTED
    crfs.decided_at, crfs.decided_by = timezone.now(), user
    crfs.save()
    return crfs


@transaction.atomic
def send_back(crfs: Crfs, user, reason: str) -> Crfs:
    crfs = _locked(crfs)
    if not crfs.can_be_decided_by(user):
        raise WorkflowError("Seul un compte rendu reçu peut être renvoyé pour correction.")
    if not reason.strip():
        raise WorkflowError("Dites ce qu'il faut corriger.", field="reason")
    crfs.status = Status.TO_CORRECT
    crfs.correction_reason = reason.strip()
    crfs.decided_at, crfs.decided_by = timezone.now(), user
    crfs.save()
    return crfs


@dataclass
class FlaggedCoop:
    cooperative: Cooperative
    crfs: Crfs | None
    flags: list[Flag] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [flag.reason for flag in self.flags]


def flagged_coops(
    year: SchoolYear,
    reason: str = "",
    circonscription=None,
    today=None,
    unexamined: bool = False,
) -> list[FlaggedCoop]:
    """Every coop flagged for the year, with its flags and the controls already opened on it
    (a constant number of queries). `reason` and `circonscription` filter the list;
    `unexamined` keeps the coops without a control for the year. After the
    due date, an expected coop (affiliated that year) without a received CRFS is flagged
    « CRFS non rendu »."""
    association = Association.get()
    today = today or timezone.localdate()
    crfs_list = (
        Crfs.objects.of_year(year)
        .received()
        .any_flag(association)
        .select_related("cooperative", "cooperative__circonscription")
    )
    if circonscription is not None:
        crfs_list = crfs_list.filter(cooperative__circonscription=circonscription)
    rows = [FlaggedCoop(crfs.cooperative, crfs, crfs.flags(association)) for crfs in crfs_list]
    if today > due_date(year, association):
        missing = (
            Cooperative.objects.affiliated(year)
            .exclude(pk__in=Crfs.objects.of_year(year).received().values("cooperative"))
            .select_related("circonscription")
        )
        if circonscription is not None:
            missing = missing.filter(circonscription=circonscription)
        rows += [
            FlaggedCoop(
                coop,
                None,
                [Flag(Reason.NOT_RETURNED, Reason.NOT_RETURNED.label, "Aucun compte rendu reçu")],
            )
            for coop in missing
        ]
    if reason:
        rows = [row for row in rows if reason in row.reasons]
    controls = {}
    for control in Control.objects.of_year(year).filter(
        cooperative__in=[row.cooperative.pk for row in rows]
    ):
        controls.setdefault(control.cooperative_id, []).append(control)
    for row in rows:
        row.controls = controls.get(row.cooperative.pk, [])
    if unexamined:
        # Flags not examined yet: no control opened on the coop for the year.
        rows = [row for row in rows if not row.controls]
    rows.sort(key=lambda row: row.cooperative.number)
    return rows


def coops_to_start(user, year: SchoolYear):
    """A mandataire's active coops without a CRFS of the year yet (not even a draft): the
    « à rendre » box of their CRFS page and their home card."""
    return (
        Cooperative.objects.visible_to(user)
        .active()
        .exclude(pk__in=Crfs.objects.of_year(year).values("cooperative"))
        .order_by("number")
    )


def flag_counts(year: SchoolYear, association: Association | None = None) -> dict[str, int]:
    """How many received CRFS of the year raise each of the four flags (one query each)."""
    association = association or Association.get()
    base = Crfs.objects.of_year(year)
    return {reason: base.flagged(reason, association).count() for reason in CRFS_REASONS}


@transaction.atomic
def open_control(
    cooperative: Cooperative,
    year: SchoolYear,
    user,
    reasons: list[str],
    assigned: list,
    note: str = "",
) -> Control:
    if not user.is_board_member:
        raise WorkflowError("Seuls les administrateurs ouvrent un contrôle.")
    control = Control(cooperative=cooperative, school_year=year, created_by=user, note=note)
    for reason in reasons:
        setattr(control, REASON_FIELDS[reason], True)
    control.save()
    control.assigned.set(assigned)
    return control


def proposed_reasons(cooperative: Cooperative, year: SchoolYear) -> list[str]:
    """The reasons a new control on this coop starts with: its flags of the year."""
    crfs = Crfs.objects.of_year(year).filter(cooperative=cooperative, status__in=RECEIVED).first()
    if crfs is None:
        return [Reason.NOT_RETURNED] if timezone.localdate() > due_date(year) else []
    return [flag.reason for flag in crfs.flags()]


@transaction.atomic
def send_letter(control: Control, user) -> Control:
    control = Control.objects.select_for_update().get(pk=control.pk)
    if not control.can_be_run_by(user):
        raise WorkflowError("Seuls les administrateurs envoient la lettre.")
    if not control.findings.strip():
        raise WorkflowError("Enregistrez les constats avant d'envoyer la lettre.")
    if control.letter_sent_at is None:
        from occe.core.jobs import launch

        control.letter_sent_at = timezone.now()
        control.save(update_fields=["letter_sent_at"])
        launch(
            "finances.control_letter", user=user, obj=control, parameters={"control": control.pk}
        )
    return control


@transaction.atomic
def answer_action(action: ControlAction, user, answer: str, file=None) -> ControlAction:
    action = ControlAction.objects.select_for_update().select_related("control").get(pk=action.pk)
    if not action.control.can_answer(user):
        raise WorkflowError("Seul le mandataire de la coopérative répond aux actions demandées.")
    if action.status == ControlAction.Status.DONE:
        raise WorkflowError("Cette action est déjà close.")
    action.answer = answer
    if file:
        action.answer_file = file
    action.answered_at = timezone.now()
    action.status = ControlAction.Status.ANSWERED
    action.save()
    return action


def late_coops(year: SchoolYear, due):
    """THE definition of a late coop: expected that year (affiliated) and whose CRFS was not
    received by `due` (the year's `due_date`): received after it, or still missing."""
    on_time = Crfs.objects.of_year(year).received().filter(submitted_at__date__lte=due)
    return Cooperative.objects.affiliated(year).exclude(pk__in=on_time.values("cooperative"))


def campaign_figures(year: SchoolYear, today=None, due=None) -> dict:
    """Expected (coops affiliated that year), received, accepted and late CRFS of a year.

    Late: an expected coop whose CRFS was not received by the due date (received after it, or
    still missing), counted once the due date (`due`, else the association's) has passed."""
    today = today or timezone.localdate()
    expected = Cooperative.objects.affiliated(year)
    received = Crfs.objects.of_year(year).received()
    due = due or due_date(year)
    late = late_coops(year, due).count() if today > due else None
    return {
        "expected": expected.count(),
        "received": received.count(),
        "accepted": received.accepted().count(),
        "late": late,
    }
