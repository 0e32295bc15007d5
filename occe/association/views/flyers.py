"""Flyers the association made (the annual report's « Communication »): read by staff and
board, written by staff."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from occe.accounts import rules
from occe.accounts.access import get_rw_for_user, staff_only, staff_or_board
from occe.core.models import SchoolYear, year_from_request

from ..forms import FlyerForm
from ..models import Flyer


@staff_or_board
def flyer_list(request):
    year = year_from_request(request)
    context = {
        "year": year,
        "years": SchoolYear.objects.up_to_current(),
        "flyers": Flyer.objects.visible_to(request.user).filter(school_year=year),
        "can_edit": rules.is_staff_member(request.user),
    }
    return render(request, "association/flyer_list.html", context)


@staff_only
def flyer_edit(request, pk=None):
    flyer = get_rw_for_user(Flyer.objects, request.user, pk=pk) if pk else Flyer()
    form = FlyerForm(request.POST or None, instance=flyer)
    if request.method == "POST":
        if form.is_valid():
            flyer = form.save()
            messages.success(request, "Flyer enregistré.")
            return redirect(f"{reverse('association:flyer_list')}?annee={flyer.school_year.label}")
        messages.error(request, "Le formulaire contient des erreurs : voir les champs signalés.")
    return render(request, "association/flyer_form.html", {"form": form, "flyer": flyer})
