"""Choosing one's school: the picker's search (also on the sign-up page, before any login)
and a teacher's « Mon école »."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from occe.accounts import rules
from occe.accounts.access import role_required

from ..forms import MySchoolForm
from ..models import Cooperative, TeacherSchool


@require_GET
@login_not_required
def school_options(request):
    """The picker's options for a search (HTMX swaps them into the list). Public: teachers
    search their school while signing up. It shows what the school directory publishes
    (name, commune, UAI) of active coops, 30 at most, from 2 characters typed."""
    choices = list(Cooperative.objects.schools_matching(request.GET.get("q", "")))
    return render(
        request,
        "cooperatives/includes/school_options.html",
        {"choices": choices, "selected": None},
    )


@role_required(rules.is_enseignant)
def my_school(request):
    school = TeacherSchool.objects.filter(user=request.user).select_related("cooperative").first()
    current = school.cooperative if school else None
    form = MySchoolForm(request.POST or None, initial={"cooperative": current})
    if request.method == "POST" and form.is_valid():
        TeacherSchool.set_for(request.user, form.cleaned_data["cooperative"])
        messages.success(
            request, "École enregistrée : elle sera proposée à vos inscriptions aux formations."
        )
        return redirect("cooperatives:my_school")
    context = {"form": form, "school": school, "periods": school.periods() if school else []}
    return render(request, "cooperatives/my_school.html", context)
