"""Working groups (chantiers): read by staff and board, written by staff."""

from django.contrib import messages
from django.shortcuts import redirect, render

from occe.accounts import rules
from occe.accounts.access import get_for_user, get_rw_for_user, staff_only, staff_or_board
from occe.core.models import SchoolYear, year_from_request

from ..forms import WorkingGroupForm
from ..models import WorkingGroup, active_in


def get_group(request, pk) -> WorkingGroup:
    return get_for_user(WorkingGroup.objects, request.user, pk=pk)


def get_rw_group(request, pk) -> WorkingGroup:
    return get_rw_for_user(WorkingGroup.objects, request.user, pk=pk)


@staff_or_board
def group_list(request):
    year = year_from_request(request)
    groups = active_in(WorkingGroup.objects.visible_to(request.user), year).prefetch_related(
        "participants"
    )
    context = {
        "year": year,
        "years": SchoolYear.objects.up_to_current(),
        "groups": groups,
        "can_edit": rules.is_staff_member(request.user),
    }
    return render(request, "association/group_list.html", context)


@staff_only
def group_edit(request, pk=None):
    group = get_rw_group(request, pk) if pk else WorkingGroup()
    form = WorkingGroupForm(request.POST or None, instance=group)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Chantier enregistré.")
            return redirect("association:group_list")
        messages.error(request, "Le formulaire contient des erreurs : voir les champs signalés.")
    return render(request, "association/group_form.html", {"form": form, "group": group})
