"""The board's controls: the flags page, opening a control from a flag, running it (checklist,
findings, outcome, follow-up actions), the letter, and the mandataire's answers."""

import mimetypes

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cooperatives.models import Circonscription, Cooperative
from occe.accounts.access import require, role_required, staff_or_board
from occe.core.models import SchoolYear

from ..forms_crfs import ActionForm, AnswerForm, ControlForm
from ..models.controls import REASON_FIELDS, Control, ControlAction
from ..models.crfs import CRFS_REASONS, Reason
from ..services import crfs as services
from ..services.errors import WorkflowError
from .crfs import _years, crfs_year, history

PAGE_SIZE = 50

board_only = role_required(lambda user: user.is_board_member)
sees_controls = role_required(lambda user: user.sees_everything or user.is_mandataire)


def get_control(request, pk) -> Control:
    queryset = Control.objects.visible_to(request.user).select_related(
        "cooperative", "school_year", "created_by"
    )
    return get_object_or_404(queryset, pk=pk)


@staff_or_board
def flags(request):
    year = crfs_year(request)
    reason = request.GET.get("motif", "")
    if reason not in [*CRFS_REASONS, Reason.NOT_RETURNED]:
        reason = ""
    circonscription = None
    if request.GET.get("circonscription", "").isdigit():
        circonscription = Circonscription.objects.filter(pk=request.GET["circonscription"]).first()
    unexamined = request.GET.get("sans_controle") == "1"
    rows = services.flagged_coops(year, reason, circonscription, unexamined=unexamined)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "finances/crfs/flags.html",
        {
            "year": year,
            "years": _years(),
            "page": page,
            "reason": reason,
            "circonscription": circonscription,
            "circonscriptions": Circonscription.objects.all(),
            "reasons": [(r, Reason(r).label) for r in [*CRFS_REASONS, Reason.NOT_RETURNED]],
            "counts": services.flag_counts(year),
            "can_open": request.user.is_board_member,
            "unexamined": unexamined,
        },
    )


@sees_controls
def control_list(request):
    controls = (
        Control.objects.visible_to(request.user)
        .select_related("cooperative", "school_year")
        .prefetch_related("assigned")
    )
    status = request.GET.get("etat", "")
    if status in Control.Status.values:
        controls = controls.filter(status=status)
    mine = request.GET.get("a_moi") == "1" and request.user.is_board_member
    if mine:
        controls = controls.assigned_to(request.user)
    still_open = request.GET.get("ouverts") == "1"
    if still_open:
        controls = controls.open()
    page = Paginator(controls, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "finances/crfs/control_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Control.Status.choices,
            "mine": mine,
            "still_open": still_open,
        },
    )


@board_only
def control_create(request, coop_pk, year):
    cooperative = get_object_or_404(Cooperative.objects.visible_to(request.user), pk=coop_pk)
    school_year = SchoolYear.objects.from_label(year)
    if school_year is None:
        raise Http404
    initial = {REASON_FIELDS[r]: True for r in services.proposed_reasons(cooperative, school_year)}
    if request.user.role == "administrateur":
        initial["assigned"] = [request.user.pk]
    form = ControlForm(
        request.POST or None,
        instance=Control(cooperative=cooperative, school_year=school_year),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        control = form.save(commit=False)
        control.created_by = request.user
        control.save()
        form.save_m2m()
        messages.success(request, "Contrôle ouvert.")
        return redirect(control)
    return render(
        request,
        "finances/crfs/control_form.html",
        {"form": form, "cooperative": cooperative, "year": school_year, "control": None},
    )


@sees_controls
def control_detail(request, pk):
    control = get_control(request, pk)
    user = request.user
    actions = list(control.actions.all())
    return render(
        request,
        "finances/crfs/control_detail.html",
        {
            "control": control,
            "actions": actions,
            "assigned": list(control.assigned.all()),
            "can_run": control.can_be_run_by(user),
            "can_answer": control.can_answer(user),
            "action_form": ActionForm(prefix="action"),
            "answer_forms": {
                action.pk: AnswerForm(
                    instance=action, prefix="reponse", auto_id=f"id_reponse{action.pk}_%s"
                )
                for action in actions
            }
            if control.can_answer(user)
            else {},
            "today": timezone.localdate(),
            # History kept: every change of the control (state, dates, findings, outcome).
            "events": history(control.history, Control, "Contrôle") if user.sees_everything else [],
        },
    )


@sees_controls
def control_edit(request, pk):
    control = get_control(request, pk)
    require(control.can_be_run_by(request.user))
    form = ControlForm(request.POST or None, instance=control)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Contrôle enregistré.")
        return redirect(control)
    return render(
        request,
        "finances/crfs/control_form.html",
        {
            "form": form,
            "cooperative": control.cooperative,
            "year": control.school_year,
            "control": control,
        },
    )


@sees_controls
@require_POST
def action_add(request, pk):
    control = get_control(request, pk)
    require(control.can_be_run_by(request.user))
    form = ActionForm(request.POST, prefix="action")
    if form.is_valid():
        action = form.save(commit=False)
        action.control = control
        action.save()
        messages.success(request, "Action de suivi ajoutée.")
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, "Action refusée : " + " ".join(errors))
    return redirect(control)


@sees_controls
@require_POST
def action_done(request, pk):
    action = get_object_or_404(
        ControlAction.objects.filter(control__in=Control.objects.visible_to(request.user)), pk=pk
    )
    require(action.control.can_be_run_by(request.user))
    action.status = ControlAction.Status.DONE
    action.save()
    messages.success(request, "Action close.")
    return redirect(action.control)


@sees_controls
@require_POST
def control_send_letter(request, pk):
    control = get_control(request, pk)
    require(control.can_be_run_by(request.user))
    try:
        services.send_letter(control, request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Lettre envoyée : le mandataire la voit sur sa page.")
    return redirect(control)


@sees_controls
def control_letter(request, pk):
    """The letter to the mandataire, printable (the board's copy before sending)."""
    control = get_control(request, pk)
    from occe.core.models import Association

    return render(
        request,
        "finances/crfs/control_letter.html",
        {
            "control": control,
            "actions": list(control.actions.all()),
            "association": Association.get(),
        },
    )


def _get_action(request, pk) -> ControlAction:
    return get_object_or_404(
        ControlAction.objects.filter(
            control__in=Control.objects.visible_to(request.user)
        ).select_related("control", "control__cooperative"),
        pk=pk,
    )


@sees_controls
@require_POST
def action_answer(request, pk):
    action = _get_action(request, pk)
    require(action.control.can_answer(request.user))
    form = AnswerForm(request.POST, request.FILES, instance=action, prefix="reponse")
    if form.is_valid():
        try:
            services.answer_action(
                action,
                request.user,
                form.cleaned_data["answer"],
                form.cleaned_data.get("answer_file"),
            )
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Réponse envoyée à l'association.")
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, "Réponse refusée : " + " ".join(errors))
    return redirect(action.control)


@sees_controls
def action_file(request, pk):
    action = _get_action(request, pk)
    if not action.answer_file:
        raise Http404
    name = action.answer_file.name.rsplit("/", 1)[-1]
    return FileResponse(
        action.answer_file.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
    )


@staff_or_board
def overdue_actions(request):
    actions = (
        ControlAction.objects.overdue()
        .select_related("control", "control__cooperative")
        .order_by("due_date", "pk")
    )
    mine = request.GET.get("a_moi") == "1"
    if mine:
        actions = actions.of_controls_assigned_to(request.user)
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "finances/crfs/overdue_actions.html",
        {"page": page, "today": timezone.localdate(), "mine": mine},
    )


@sees_controls
def control_letter_pdf(request, pk):
    control = get_control(request, pk)
    if not control.letter_pdf:
        raise Http404
    return FileResponse(
        control.letter_pdf.open("rb"),
        as_attachment=True,
        filename=f"lettre-controle-{control.cooperative.number}.pdf",
        content_type="application/pdf",
    )
