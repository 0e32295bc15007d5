"""Partners by kind and their financial contributions: read by staff and board, written by
staff (the animators work with the partners of the actions)."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Q, Sum
from django.shortcuts import redirect, render

from occe.accounts import rules
from occe.accounts.access import get_for_user, get_rw_for_user, staff_only, staff_or_board
from occe.core.models import SchoolYear, year_from_request

from ..forms import ContributionFormSet, PartnerForm
from ..models import Partner


def get_partner(request, pk) -> Partner:
    return get_for_user(Partner.objects, request.user, pk=pk)


def get_rw_partner(request, pk) -> Partner:
    return get_rw_for_user(Partner.objects, request.user, pk=pk)


@staff_or_board
def partner_list(request):
    year = year_from_request(request)
    partners = Partner.objects.visible_to(request.user).annotate(
        year_total=Sum("contributions__amount", filter=Q(contributions__school_year=year))
    )
    if request.GET.get("tous") != "1":
        partners = partners.filter(active=True)
    groups = {value: (label, []) for value, label in Partner.Kind.choices}
    for partner in partners:
        groups[partner.kind][1].append(partner)
    context = {
        "year": year,
        "years": SchoolYear.objects.up_to_current(),
        "groups": [group for group in groups.values() if group[1]],
        "year_total": sum((p.year_total or 0) for p in partners),
        "show_all": request.GET.get("tous") == "1",
        "can_edit": rules.is_staff_member(request.user),
    }
    return render(request, "association/partner_list.html", context)


@staff_or_board
def partner_detail(request, pk):
    partner = get_partner(request, pk)
    contributions = partner.contributions.select_related("school_year")
    context = {
        "partner": partner,
        "contributions": contributions,
        "can_edit": partner.can_be_edited_by(request.user),
    }
    return render(request, "association/partner_detail.html", context)


@staff_only
def partner_edit(request, pk=None):
    partner = get_rw_partner(request, pk) if pk else Partner()
    form = PartnerForm(request.POST or None, instance=partner)
    formset = ContributionFormSet(request.POST or None, instance=partner, prefix="contributions")
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            with transaction.atomic():
                partner = form.save()
                formset.instance = partner
                formset.save()
            messages.success(request, f"Partenaire « {partner} » enregistré.")
            return redirect(partner)
        messages.error(request, "Le formulaire contient des erreurs : voir les champs signalés.")
    return render(
        request,
        "association/partner_form.html",
        {"form": form, "formset": formset, "partner": partner},
    )
