"""Reservations and loans: the coop's request, the staff's decisions, hand-over and return,
today's work and the overdue loans."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from occe.accounts.access import require, staff_only, staff_or_board

from .. import services
from ..filters import ReservationFilter
from ..forms import HandOverForm, ReservationForm, ResolveForm, ReturnForm
from ..models import Incident, Reservation, Status
from . import perform, sees_coop_requests
from .catalogue import get_resource

PAGE_SIZE = 50


def get_reservation(request, pk) -> Reservation:
    """Read: outside the user's scope (another coop's reservation), a 404."""
    queryset = Reservation.objects.visible_to(request.user).select_related(
        "resource", "copy", "cooperative", "requested_by", "decided_by"
    )
    return get_object_or_404(queryset, pk=pk)


def get_rw_reservation(request, pk) -> Reservation:
    """Read-write: a 404 outside the user's scope, a 403 for a user who may only read it."""
    reservation = get_reservation(request, pk)
    require(reservation.can_be_edited_by(request.user))
    return reservation


@sees_coop_requests
def reserve(request, pk):
    resource = get_resource(request, pk)
    require(resource.can_be_reserved_by(request.user))
    form = ReservationForm(request.POST or None, resource=resource, user=request.user)
    proposals = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reservation = services.reserve(
                resource=resource,
                cooperative=data["cooperative"],
                user=request.user,
                start=data["start_date"],
                end=data["end_date"],
                copy=data["copy"],
                note=data["note"],
            )
        except services.Unavailable as exc:
            form.add_error(None, str(exc))
            proposals = exc.proposals
        except services.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"Réservation demandée (exemplaire {reservation.copy.inventory_number}) : "
                "l'association va la confirmer.",
            )
            return redirect("prets:reservation_detail", pk=reservation.pk)
    return render(
        request,
        "prets/reserve.html",
        {"resource": resource, "form": form, "proposals": proposals},
    )


@sees_coop_requests
def reservation_list(request):
    queryset = Reservation.objects.visible_to(request.user).select_related(
        "resource", "copy", "cooperative"
    )
    reservation_filter = ReservationFilter(
        request.GET or None, queryset=queryset, user=request.user
    )
    page = Paginator(reservation_filter.qs.order_by("-start_date", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    template = "prets/reservation_list.html"
    if request.htmx and not request.htmx.boosted:
        template = "prets/includes/reservation_results.html"
    context = {"filter": reservation_filter, "page": page, "today": timezone.localdate()}
    return render(request, template, context)


@sees_coop_requests
def reservation_detail(request, pk):
    reservation = get_reservation(request, pk)
    user = request.user
    staff = reservation.can_be_edited_by(user)
    context = {
        "reservation": reservation,
        "today": timezone.localdate(),
        "can_decide": staff and reservation.status == Status.REQUESTED,
        "can_refuse": staff and reservation.status in (Status.REQUESTED, Status.CONFIRMED),
        "can_hand_over": staff and reservation.status == Status.CONFIRMED,
        "can_take_back": staff and reservation.status == Status.HANDED_OVER,
        "can_close": staff and reservation.status == Status.RETURNED,
        "can_cancel": reservation.can_be_cancelled_by(user),
        "incidents": list(reservation.incidents.all()),
        "reminders": list(reservation.reminders.all()),
    }
    return render(request, "prets/reservation_detail.html", context)


@sees_coop_requests
@require_POST
def reservation_confirm(request, pk):
    reservation = get_rw_reservation(request, pk)
    return perform(request, services.confirm, reservation, "Réservation confirmée.")


@sees_coop_requests
@require_POST
def reservation_refuse(request, pk):
    reservation = get_rw_reservation(request, pk)
    reason = request.POST.get("reason", "")
    return perform(request, services.refuse, reservation, "Réservation refusée.", reason)


@sees_coop_requests
@require_POST
def reservation_cancel(request, pk):
    reservation = get_reservation(request, pk)
    require(reservation.can_be_cancelled_by(request.user))
    reason = request.POST.get("reason", "")
    return perform(request, services.cancel, reservation, "Réservation annulée.", reason)


@sees_coop_requests
@require_POST
def reservation_close(request, pk):
    reservation = get_rw_reservation(request, pk)
    return perform(request, services.close, reservation, "Prêt clôturé.")


@sees_coop_requests
def hand_over(request, pk):
    reservation = get_rw_reservation(request, pk)
    form = HandOverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.hand_over(
                reservation,
                request.user,
                on=data["on"],
                condition=data["condition"],
                contents_checked=data["contents_checked"],
                notes=data["notes"],
            )
        except services.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Remise enregistrée.")
            return redirect("prets:reservation_detail", pk=reservation.pk)
    context = {
        "reservation": reservation,
        "form": form,
        "contents": list(reservation.resource.contents.all()),
    }
    return render(request, "prets/hand_over.html", context)


@sees_coop_requests
def take_back(request, pk):
    reservation = get_rw_reservation(request, pk)
    contents = list(reservation.resource.contents.all())
    form = ReturnForm(request.POST or None, contents=contents)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.take_back(
                reservation,
                request.user,
                on=data["on"],
                condition=data["condition"],
                missing=form.missing(),
                damaged=form.damaged(),
                notes=data["notes"],
            )
        except services.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            incidents = len(form.missing()) + len(form.damaged())
            message = "Retour enregistré."
            if incidents:
                message += f" {incidents} incident{'s' if incidents > 1 else ''} ouvert"
                message += f"{'s' if incidents > 1 else ''} sur l'exemplaire."
            messages.success(request, message)
            return redirect("prets:reservation_detail", pk=reservation.pk)
    return render(request, "prets/take_back.html", {"reservation": reservation, "form": form})


@staff_only
@require_POST
def incident_resolve(request, pk):
    incident = get_object_or_404(Incident, pk=pk)
    form = ResolveForm(request.POST)
    try:
        if not form.is_valid():
            raise services.WorkflowError("Indiquez la suite donnée (remplacé, réparé, facturé…).")
        services.resolve_incident(incident, request.user, form.cleaned_data["resolution"])
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Incident résolu.")
    return redirect("prets:copy_detail", pk=incident.copy_id)


def _with_next_booking(queryset):
    """Each loan with the start of the next reservation of the same copy (one subquery)."""
    following = (
        Reservation.objects.holding()
        .filter(copy=OuterRef("copy"), start_date__gt=OuterRef("start_date"))
        .order_by("start_date")
        .values("start_date")[:1]
    )
    return queryset.annotate(next_booking=Subquery(following))


@staff_or_board
def today(request):
    """The day's work at the association: loans to hand over (late ones too) and to take back."""
    day = timezone.localdate()
    related = ("resource", "copy", "cooperative")
    context = {
        "today": day,
        "handovers": list(
            Reservation.objects.handovers_due(day).select_related(*related).order_by("start_date")
        ),
        "returns": list(
            _with_next_booking(Reservation.objects.returns_due(day)).select_related(*related)
        ),
        "awaiting": Reservation.objects.awaiting_confirmation().count(),
    }
    return render(request, "prets/today.html", context)


@staff_or_board
def overdue(request):
    day = timezone.localdate()
    loans = (
        _with_next_booking(Reservation.objects.overdue(day))
        .select_related("resource", "copy", "cooperative")
        .annotate(reminder_count=Count("reminders"), last_reminder=Max("reminders__sent_on"))
        .order_by("end_date", "pk")
    )
    page = Paginator(loans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "prets/overdue.html", {"page": page, "today": day})
