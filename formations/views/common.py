"""Scoped look-ups shared by the trainings' views."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from cooperatives.models import Cooperative, TeacherSchool
from occe.accounts import rules
from occe.accounts.access import role_required

from ..models import Registration, Session, SessionPart, can_manage

# Everyone who logs in is a teacher, a mandataire, staff or board: all read the catalogue.
reads_catalogue = role_required(lambda user: rules.is_teacher(user) or user.sees_everything)
teachers_only = role_required(rules.is_teacher)
staff_only = role_required(can_manage)
staff_or_board = role_required(lambda user: user.sees_everything)


def sessions_for(user):
    return (
        Session.objects.visible_to(user)
        .select_related("training__theme")
        .prefetch_related(Prefetch("parts", queryset=SessionPart.objects.order_by("date")))
    )


def get_session(request, pk) -> Session:
    return get_object_or_404(sessions_for(request.user), pk=pk)


def get_registration(request, pk) -> Registration:
    """The user's own registration (staff and board: any); another teacher's is a 404."""
    queryset = Registration.objects.visible_to(request.user).select_related(
        "user", "cooperative", "session__training"
    )
    return get_object_or_404(queryset, pk=pk)


def default_cooperative(user) -> Cooperative | None:
    """The school proposed when registering: a mandataire's own coop; a teacher's school
    (« Mon école », chosen at sign-up); else the school of their last registration."""
    if rules.is_mandataire(user):
        return Cooperative.objects.visible_to(user).active().order_by("number").first()
    school = (
        TeacherSchool.objects.filter(user=user, cooperative__status=Cooperative.Status.ACTIVE)
        .select_related("cooperative")
        .first()
    )
    if school is not None:
        return school.cooperative
    last = (
        Registration.objects.filter(user=user, cooperative__status=Cooperative.Status.ACTIVE)
        .select_related("cooperative")
        .order_by("-registered_at")
        .first()
    )
    return last.cooperative if last else None
