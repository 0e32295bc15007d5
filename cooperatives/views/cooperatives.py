from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from occe.accounts import rules
from occe.accounts.access import require, role_required, secretariat_only, staff_only
from occe.core.history import history_events, newest_first
from occe.core.models import SchoolYear, year_from_request
from occe.navigation import coop_sections

from ..filters import SORTS, CooperativeFilter
from ..forms import (
    AccompanimentForm,
    CooperativeForm,
    EndMandateForm,
    MandateForm,
    StrikeOffForm,
)
from ..models import Affiliation, Cooperative, FeePayment, Mandate
from ..services import AppointmentRefused, appoint_mandataire

sees_cooperatives = role_required(rules.sees_cooperatives)
PAGE_SIZE = 50


def get_cooperative(request, pk) -> Cooperative:
    """Read: a cooperative outside the user's scope is a 404."""
    return get_object_or_404(Cooperative.objects.visible_to(request.user), pk=pk)


def get_rw_cooperative(request, pk) -> Cooperative:
    """Read-write: a 404 outside the user's scope, a 403 for a user who may only read it."""
    cooperative = get_cooperative(request, pk)
    require(cooperative.can_be_edited_by(request.user))
    return cooperative


def filtered_cooperatives(request, year):
    """The list's queryset: scoped, filtered, sorted, with what each row shows (no N+1)."""
    status = Affiliation.objects.filter(cooperative=OuterRef("pk"), school_year=year)
    queryset = (
        Cooperative.objects.visible_to(request.user)
        .select_related("circonscription")
        .annotate(
            year_status=Subquery(status.values("status")[:1]),
            year_members=Subquery(
                status.annotate(members=F("pupils") + F("adults")).values("members")[:1]
            ),
        )
        .prefetch_related(
            Prefetch(
                "mandates",
                queryset=Mandate.objects.current().select_related("user").order_by("kind"),
                to_attr="current_mandate_list",
            )
        )
    )
    cooperative_filter = CooperativeFilter(request.GET or None, queryset=queryset, year=year)
    sort = request.GET.get("tri", "numero")
    field = SORTS.get(sort.lstrip("-"), "number")
    ordering = f"-{field}" if sort.startswith("-") else field
    return cooperative_filter, cooperative_filter.qs.order_by(ordering, "pk"), sort


@sees_cooperatives
def cooperative_list(request):
    year = year_from_request(request)
    cooperative_filter, queryset, sort = filtered_cooperatives(request, year)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": cooperative_filter,
        "page": page,
        # The same figures as the home page's cards, for the coops of this list.
        "affiliated": Affiliation.objects.affiliated(year)
        .filter(cooperative__in=queryset.values("pk"))
        .totals()
        if request.user.sees_everything
        else None,
        "sort": sort,
        "year": year,
        "statuses": dict(Affiliation.Status.choices),
        "years": SchoolYear.objects.up_to_current(),
    }
    partial = request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    template = "cooperatives/includes/list_results.html" if partial else "cooperatives/list.html"
    response = render(request, template, context)
    # The same URL serves the page and its fragment: caches must tell them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


@sees_cooperatives
def cooperative_detail(request, pk):
    cooperative = get_cooperative(request, pk)
    user = request.user
    context = {
        "coop": cooperative,
        "affiliations": cooperative.affiliations.select_related("school_year").with_paid(),
        "mandates": cooperative.mandates.select_related("user").order_by("-start_date"),
        "can_edit": cooperative.can_be_edited_by(user),
        "year": year_from_request(request),
        # Other apps' sections (finances: reports and controls), each checking the rights.
        "sections": coop_sections(request, cooperative),
    }
    if user.sees_everything:
        context["accompaniments"] = cooperative.accompaniments.select_related("staff")[:50]
        context["history"] = cooperative_history(cooperative)
        context["accompaniment_form"] = AccompanimentForm()
    return render(request, "cooperatives/detail.html", context)


def cooperative_history(cooperative) -> list[dict]:
    """Changes of the cooperative, its mandates, affiliations and fee payments, newest first."""

    def ordered(records):
        return records.select_related("history_user").order_by("history_date")

    return newest_first(
        history_events(ordered(cooperative.history.all()), Cooperative, "Coopérative"),
        history_events(
            ordered(Mandate.history.filter(cooperative_id=cooperative.pk)),
            Mandate,
            lambda record: f"Mandat de {record.user}",
            exclude={"cooperative", "user"},
        ),
        history_events(
            ordered(Affiliation.history.filter(cooperative_id=cooperative.pk)).select_related(
                "school_year"
            ),
            Affiliation,
            lambda record: f"Affiliation {record.school_year}",
            exclude={"cooperative", "school_year"},
        ),
        history_events(
            ordered(
                FeePayment.history.filter(affiliation__cooperative_id=cooperative.pk)
            ).select_related("affiliation__school_year"),
            FeePayment,
            lambda record: f"Paiement de cotisation {record.affiliation.school_year}",
            exclude={"affiliation"},
        ),
    )


@secretariat_only
def cooperative_create(request):
    form = CooperativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cooperative = form.save()
        messages.success(request, f"Coopérative {cooperative.number} créée.")
        return redirect("cooperatives:detail", pk=cooperative.pk)
    return render(
        request, "cooperatives/form.html", {"form": form, "title": "Nouvelle coopérative"}
    )


@sees_cooperatives
def cooperative_edit(request, pk):
    cooperative = get_rw_cooperative(request, pk)
    form = CooperativeForm(request.POST or None, instance=cooperative)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Coopérative enregistrée.")
        return redirect("cooperatives:detail", pk=cooperative.pk)
    return render(
        request,
        "cooperatives/form.html",
        {"form": form, "coop": cooperative, "title": f"Modifier {cooperative}"},
    )


@sees_cooperatives
def cooperative_strike_off(request, pk):
    cooperative = get_rw_cooperative(request, pk)
    form = StrikeOffForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        cooperative.strike_off(form.cleaned_data["date"], form.cleaned_data["reason"])
        messages.success(request, f"Coopérative {cooperative.number} radiée.")
        return redirect("cooperatives:detail", pk=cooperative.pk)
    return render(request, "cooperatives/strike_off.html", {"form": form, "coop": cooperative})


@require_POST
@sees_cooperatives
def cooperative_reinstate(request, pk):
    cooperative = get_rw_cooperative(request, pk)
    cooperative.reinstate()
    messages.success(request, f"Coopérative {cooperative.number} réintégrée.")
    return redirect("cooperatives:detail", pk=cooperative.pk)


@sees_cooperatives
def mandate_create(request, pk):
    cooperative = get_rw_cooperative(request, pk)
    form = MandateForm(
        request.POST or None,
        cooperative=cooperative,
        initial={"start_date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                mandate = appoint_mandataire(
                    cooperative, invited_by=request.user, **form.cleaned_data
                )
        except AppointmentRefused as refused:
            form.add_error("email", refused.messages)
        else:
            messages.success(
                request, f"{mandate.user} est désormais {mandate.get_kind_display().lower()}."
            )
            return redirect("cooperatives:detail", pk=cooperative.pk)
    return render(request, "cooperatives/mandate_form.html", {"form": form, "coop": cooperative})


@sees_cooperatives
def mandate_end(request, pk, mandate_pk):
    cooperative = get_rw_cooperative(request, pk)
    mandate = get_object_or_404(cooperative.mandates.select_related("user"), pk=mandate_pk)
    form = EndMandateForm(request.POST or None, initial={"end_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            mandate.end(form.cleaned_data["end_date"], form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error("end_date", error.message_dict["end_date"])
        else:
            messages.success(request, f"Mandat de {mandate.user} terminé.")
            return redirect("cooperatives:detail", pk=cooperative.pk)
    return render(
        request,
        "cooperatives/mandate_end.html",
        {"form": form, "coop": cooperative, "mandate": mandate},
    )


@require_POST
@staff_only
def accompaniment_create(request, pk):
    cooperative = get_cooperative(request, pk)
    form = AccompanimentForm(request.POST)
    if form.is_valid():
        entry = form.save(commit=False)
        entry.cooperative = cooperative
        entry.staff = request.user
        entry.save()
        messages.success(request, "Accompagnement enregistré.")
    else:
        messages.error(
            request,
            "Accompagnement non enregistré : "
            + " ".join(error for errors in form.errors.values() for error in errors),
        )
    return redirect("cooperatives:detail", pk=cooperative.pk)
