"""Workflows of the actions: registering a class, changing its status (the teacher is told by
e-mail after the commit), confirming a selection, planning an intervention without double
booking."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from cooperatives.models import Cooperative
from prets.constraints import is_exclusion_violation

from . import tasks
from .models import ClassRegistration, Edition, Intervenant, Intervention

DOUBLE_BOOKING = (
    "{name} intervient déjà de {start} à {end} ({where}) : choisissez un autre créneau."
)


class ActionError(Exception):
    """A change refused, with the French reason shown to the user."""


def _notify(registration: ClassRegistration) -> None:
    pk, status = registration.pk, registration.status
    transaction.on_commit(lambda: tasks.send_status_change.delay(pk, status))


def register_class(
    edition: Edition,
    *,
    teacher,
    cooperative: Cooperative,
    by,
    class_name: str,
    levels: list[str],
    pupils: int,
    other_teachers: str = "",
    motivation: str = "",
    whole_team: bool = False,
) -> ClassRegistration:
    staff = by.pk != teacher.pk
    if not staff and not edition.accepts_registrations():
        raise ActionError("Les inscriptions à cette action sont closes.")
    class_name = " ".join(class_name.split())
    try:
        with transaction.atomic():
            if ClassRegistration.objects.filter(
                edition=edition, cooperative=cooperative, class_name__iexact=class_name
            ).exists():
                raise IntegrityError
            registration = ClassRegistration.objects.create(
                edition=edition,
                cooperative=cooperative,
                teacher=teacher,
                registered_by=by,
                class_name=class_name,
                levels=levels,
                pupils=pupils,
                other_teachers=other_teachers,
                motivation=motivation,
                whole_team=whole_team,
            )
            _notify(registration)
    except IntegrityError as error:
        raise ActionError(
            f"La classe « {class_name} » de {cooperative.name} est déjà inscrite à cette action."
        ) from error
    return registration


def change_status(registration_id: int, status: str) -> ClassRegistration:
    with transaction.atomic():
        registration = ClassRegistration.objects.select_for_update().get(pk=registration_id)
        if status == registration.status:
            return registration
        allowed = ClassRegistration.TRANSITIONS[ClassRegistration.Status(registration.status)]
        if status not in allowed:
            raise ActionError(
                f"Une inscription « {registration.get_status_display()} » ne peut pas passer à "
                f"« {ClassRegistration.Status(status).label} »."
            )
        registration.status = status
        registration.status_changed_at = timezone.now()
        registration.save(update_fields=["status", "status_changed_at"])
        _notify(registration)
    return registration


def confirm_selection(edition: Edition, chosen_ids: set[int], excluded_ids: set[int]) -> dict:
    """Staff's adjusted selection: chosen classes are retenues, the others waiting, those the
    hard rule excludes non retenues. Only registrations still open to a decision change."""
    Status = ClassRegistration.Status
    undecided = [Status.INSCRITE, Status.ATTENTE, Status.RETENUE, Status.NON_RETENUE]
    counts = {Status.RETENUE: 0, Status.ATTENTE: 0, Status.NON_RETENUE: 0}
    with transaction.atomic():
        registrations = list(
            ClassRegistration.objects.select_for_update()
            .filter(edition=edition, status__in=undecided)
            .order_by("pk")
        )
        now = timezone.now()
        for registration in registrations:
            if registration.pk in chosen_ids:
                status = Status.RETENUE
            elif registration.pk in excluded_ids:
                status = Status.NON_RETENUE
            else:
                status = Status.ATTENTE
            counts[status] += 1
            if registration.status != status:
                registration.status = status
                registration.status_changed_at = now
                registration.save(update_fields=["status", "status_changed_at"])
                _notify(registration)
    return counts


def _describe_conflict(other: Intervention) -> str:
    start, end = other.local_start, other.local_end
    return DOUBLE_BOOKING.format(
        name=other.intervenant.name,
        start=f"{start:%d/%m/%Y %H:%M}",
        end=f"{end:%H:%M}",
        where=other.cooperative.name,
    )


def save_intervention(intervention: Intervention) -> Intervention:
    """Create or update an intervention. The intervenant's row is locked so that two plannings
    at once wait for each other and the second sees the first; PostgreSQL's exclusion
    constraint refuses an overlap whatever happens (its error is turned into the same
    message)."""
    try:
        with transaction.atomic():
            Intervenant.objects.select_for_update().get(pk=intervention.intervenant_id)
            if intervention.status != Intervention.Status.ANNULEE:
                other = (
                    Intervention.objects.overlapping(
                        intervention.intervenant_id, intervention.starts_at, intervention.ends_at
                    )
                    .exclude(pk=intervention.pk)
                    .select_related("intervenant", "cooperative")
                    .first()
                )
                if other is not None:
                    raise ActionError(_describe_conflict(other))
            intervention.save()
    except IntegrityError as error:
        if is_exclusion_violation(error):
            raise ActionError(
                f"{intervention.intervenant.name} intervient déjà sur ce créneau : "
                "choisissez un autre créneau."
            ) from error
        raise
    return intervention


def set_intervention_status(intervention: Intervention, status: str) -> Intervention:
    if status == intervention.status:
        return intervention
    intervention.status = status
    return save_intervention(intervention)


def combine(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


def submit(round_, data: dict):
    """A class's answer to a round: a second sending replaces the first (one per class)."""
    from .models import Submission

    with transaction.atomic():
        submission, _ = Submission.objects.select_for_update().get_or_create(
            round=round_, registration=data["registration"]
        )
        submission.text = data.get("text", "")
        submission.video_url = data.get("video_url", "")
        if data.get("file"):
            submission.file = data["file"]
        submission.submitted_at = timezone.now()
        submission.score = None  # a new answer is scored again
        submission.save()
    return submission
