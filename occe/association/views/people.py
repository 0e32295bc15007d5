"""Board, staff and representatives: read by staff and board, written by the secretariat."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render

from occe.accounts import rules
from occe.accounts.access import get_for_user, get_rw_for_user, secretariat_only, staff_or_board
from occe.core.models import SchoolYear, year_from_request

from ..forms import MandateFormSet, PersonForm, PositionFormSet, RepresentationFormSet
from ..models import BoardMandate, Person, Representation, StaffPosition, reference_date


def get_person(request, pk) -> Person:
    return get_for_user(Person.objects, request.user, pk=pk)


def get_rw_person(request, pk) -> Person:
    return get_rw_for_user(Person.objects, request.user, pk=pk)


@staff_or_board
def people(request):
    year = year_from_request(request)
    on = reference_date(year)
    mandates = list(
        BoardMandate.objects.in_office(on)
        .select_related("person")
        .order_by("person__last_name", "person__first_name")
    )
    order = [role for role, _ in BoardMandate.BureauRole.choices if role]
    bureau = sorted(
        (m for m in mandates if m.bureau_role), key=lambda m: order.index(m.bureau_role)
    )
    positions = list(StaffPosition.objects.in_office(on).select_related("person"))
    representations = list(Representation.objects.in_office(on).select_related("person"))
    current = {row.person_id for row in [*mandates, *positions, *representations]}
    context = {
        "year": year,
        "years": SchoolYear.objects.up_to_current(),
        "on": on,
        "bureau": bureau,
        "administrators": mandates,
        "administrator_count": len({m.person_id for m in mandates}),
        "positions": positions,
        "representations": representations,
        # Former members and people without a role on that day, to reach their page.
        "others": Person.objects.exclude(pk__in=current),
        "can_edit": rules.is_secretariat(request.user),
    }
    return render(request, "association/people.html", context)


@secretariat_only
def person_edit(request, pk=None):
    person = get_rw_person(request, pk) if pk else Person()
    data = request.POST or None
    form = PersonForm(data, instance=person)
    formsets = {
        "mandates": MandateFormSet(data, instance=person, prefix="mandats"),
        "positions": PositionFormSet(data, instance=person, prefix="postes"),
        "representations": RepresentationFormSet(data, instance=person, prefix="representations"),
    }
    if request.method == "POST":
        if form.is_valid() and all(f.is_valid() for f in formsets.values()):
            with transaction.atomic():
                person = form.save()
                for formset in formsets.values():
                    formset.instance = person
                    formset.save()
            messages.success(request, f"{person} enregistré(e).")
            return redirect("association:people")
        messages.error(request, "Le formulaire contient des erreurs : voir les champs signalés.")
    return render(
        request, "association/person_form.html", {"form": form, "person": person, **formsets}
    )
