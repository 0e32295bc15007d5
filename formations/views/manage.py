"""What staff do: trainings, sessions and their parts, cancellation, attendance, sheets,
certificates; the board reads the lists."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from occe.accounts.access import require

from .. import services
from ..documents import attendance_sheet
from ..filters import SessionListFilter
from ..forms import CancelSessionForm, PartFormSet, SessionForm, ThemeForm, TrainingForm
from ..models import Attendance, Registration, Session, SessionPart, Theme, Training, can_manage
from .common import get_session, sessions_for, staff_only, staff_or_board

PAGE_SIZE = 50


@staff_or_board
def training_list(request):
    trainings = Training.objects.select_related("theme").annotate(
        session_count=Count("sessions", distinct=True)
    )
    return render(
        request,
        "formations/training_list.html",
        {"trainings": trainings, "can_manage": can_manage(request.user)},
    )


@staff_only
def training_create(request):
    return _training_form(request, Training())


@staff_only
def training_edit(request, pk):
    return _training_form(request, get_object_or_404(Training, pk=pk))


def _training_form(request, training):
    form = TrainingForm(request.POST or None, instance=training)
    if request.method == "POST" and form.is_valid():
        training = form.save()
        messages.success(request, f"Formation « {training} » enregistrée.")
        return redirect("formations:training_detail", pk=training.pk)
    title = f"Modifier « {training} »" if training.pk else "Nouvelle formation"
    return render(
        request, "formations/form.html", {"form": form, "title": title, "training": training}
    )


@staff_only
def session_create(request, pk):
    training = get_object_or_404(Training, pk=pk)
    return _session_form(request, Session(training=training))


@staff_only
def session_edit(request, pk):
    return _session_form(request, get_session(request, pk))


def _session_form(request, session):
    form = SessionForm(request.POST or None, instance=session)
    parts = PartFormSet(request.POST or None, instance=session, prefix="parties")
    if request.method == "POST" and form.is_valid() and parts.is_valid():
        with transaction.atomic():
            session = form.save()
            parts.instance = session
            parts.save()
        services.session_saved(session.pk)  # more places: the waiting list moves up
        messages.success(request, "Session enregistrée.")
        return redirect("formations:session_detail", pk=session.pk)
    return render(
        request,
        "formations/session_form.html",
        {"form": form, "parts": parts, "session": session, "training": session.training},
    )


@staff_or_board
def session_list(request):
    queryset = sessions_for(request.user).with_figures().order_by("-first_day", "-pk")
    session_filter = SessionListFilter(request.GET or None, queryset=queryset)
    page = Paginator(session_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "formations/session_list.html", {"filter": session_filter, "page": page})


@staff_only
def session_cancel(request, pk):
    session = get_session(request, pk)
    form = CancelSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_session(session.pk, form.cleaned_data["reason"])
        except services.RegistrationError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, "Session annulée : chaque inscrit reçoit un courriel avec le motif."
            )
        return redirect("formations:session_detail", pk=session.pk)
    return render(request, "formations/session_cancel.html", {"session": session, "form": form})


@require_POST
@staff_only
def session_close(request, pk):
    session = get_session(request, pk)
    closing = request.POST.get("action") != "rouvrir"
    services.set_closed(session.pk, closing)
    messages.success(request, "Inscriptions closes." if closing else "Inscriptions rouvertes.")
    return redirect("formations:session_detail", pk=session.pk)


def _part(request, pk) -> SessionPart:
    return get_object_or_404(SessionPart.objects.select_related("session__training"), pk=pk)


def _attendees(part):
    """The confirmed participants of the part's session, each with their attendance there."""
    return (
        Registration.objects.confirmed()
        .filter(session_id=part.session_id)
        .select_related("user", "cooperative")
        .prefetch_related(
            Prefetch("attendances", queryset=Attendance.objects.filter(part=part), to_attr="here")
        )
        .order_by("user__last_name", "user__first_name", "pk")
    )


@staff_only
def attendance(request, pk):
    part = _part(request, pk)
    rows = [(registration, _state(registration)) for registration in _attendees(part)]
    parts = list(part.session.parts.order_by("date", "start_time", "pk"))
    context = {
        "part": part,
        "session": part.session,
        "rows": rows,
        "parts": parts,
        "open": not part.session.is_cancelled and part.date <= timezone.localdate(),
    }
    return render(request, "formations/attendance.html", context)


def _state(registration) -> bool | None:
    return registration.here[0].present if registration.here else None


@require_POST
@staff_only
def attendance_mark(request, pk, registration_pk):
    """One click per person: present or absent at this part (HTMX swaps the row)."""
    part = _part(request, pk)
    registration = get_object_or_404(_attendees(part), pk=registration_pk)
    # Attendance is recorded on the day or after, never for a session still to come.
    require(not part.session.is_cancelled and part.date <= timezone.localdate())
    present = request.POST.get("present") == "1"
    services.record_attendance(part, registration, present, request.user)
    if request.htmx:
        return render(
            request,
            "formations/includes/attendance_row.html",
            {"registration": registration, "state": present, "part": part, "open": True},
        )
    return redirect("formations:attendance", pk=part.pk)


@staff_or_board
def attendance_sheet_pdf(request, pk):
    part = _part(request, pk)
    part.session = (
        Session.objects.select_related("training")
        .prefetch_related(Prefetch("parts", queryset=SessionPart.objects.order_by("date")))
        .get(pk=part.session_id)
    )
    pdf = attendance_sheet(part, list(_attendees(part)))
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"emargement-{part.session.training.slug}-{part.date:%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@staff_only
def send_certificates(request, pk):
    session = get_session(request, pk)
    if not session.is_held:
        messages.error(request, "Les attestations s'envoient une fois la présence enregistrée.")
    else:
        services.request_certificates(session.pk)
        messages.success(
            request, "Les attestations partent en arrière-plan vers chaque participant présent."
        )
    return redirect("formations:session_detail", pk=session.pk)


@staff_or_board
def themes(request):
    form = ThemeForm(request.POST or None)
    if request.method == "POST":
        require(can_manage(request.user))
        if form.is_valid():
            form.save()
            messages.success(request, f"Thème « {form.instance} » ajouté.")
            return redirect("formations:themes")
    return render(
        request,
        "formations/themes.html",
        {
            "form": form,
            "themes": Theme.objects.annotate(n=Count("trainings")),
            "can_manage": can_manage(request.user),
        },
    )


@staff_only
def theme_edit(request, pk):
    theme = get_object_or_404(Theme, pk=pk)
    form = ThemeForm(request.POST or None, instance=theme)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Thème renommé.")
        return redirect("formations:themes")
    return render(
        request,
        "formations/form.html",
        {"form": form, "title": f"Renommer le thème « {theme} »", "back": "formations:themes"},
    )
