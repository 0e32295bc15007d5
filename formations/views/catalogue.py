"""What teachers and mandataires use: the catalogue, a session, registering, « Mes formations »,
their certificate and the satisfaction questionnaire."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from cooperatives.forms import school_choices
from occe.accounts import rules
from occe.accounts.access import require

from .. import services
from ..documents import attended_parts, certificate, certificate_filename
from ..filters import CatalogueFilter
from ..forms import RegistrationForm, StaffRegistrationForm, SurveyForm
from ..models import (
    SURVEY_QUESTIONS,
    Attendance,
    Registration,
    Session,
    SessionPart,
    SurveyAnswer,
    Training,
    can_manage,
)
from .common import (
    default_cooperative,
    get_registration,
    get_session,
    reads_catalogue,
    sessions_for,
    teachers_only,
)

PAGE_SIZE = 30


@reads_catalogue
def catalogue(request):
    """Coming sessions (not cancelled), with the user's own registration status on each."""
    own = Registration.objects.active().filter(session=OuterRef("pk"), user=request.user)
    queryset = (
        sessions_for(request.user)
        .with_figures()
        .exclude(status=Session.Status.ANNULEE)
        .filter(first_day__gte=timezone.localdate())
        .annotate(my_status=Subquery(own.values("status")[:1]))
        .order_by("first_day", "pk")
    )
    session_filter = CatalogueFilter(request.GET or None, queryset=queryset)
    page = Paginator(session_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": session_filter, "page": page}
    partial = request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    template = (
        "formations/includes/catalogue_results.html" if partial else "formations/catalogue.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@reads_catalogue
def training_detail(request, pk):
    training = get_object_or_404(Training.objects.select_related("theme"), pk=pk)
    sessions = (
        sessions_for(request.user)
        .filter(training=training)
        .with_figures()
        .order_by("-first_day", "pk")
    )
    context = {"training": training, "sessions": sessions, "can_manage": can_manage(request.user)}
    return render(request, "formations/training_detail.html", context)


@reads_catalogue
def session_detail(request, pk):
    session = get_session(request, pk)
    user = request.user
    mine = session.registrations.active().filter(user=user).first()
    context = {
        "session": session,
        "mine": mine,
        "can_manage": can_manage(user),
        "is_teacher": rules.is_teacher(user),
        "can_cancel_mine": mine is not None and mine.can_be_cancelled_by(user),
        "confirmed_count": session.registrations.confirmed().count(),
    }
    if user.sees_everything:
        registrations = (
            session.registrations.active()
            .select_related("user", "cooperative", "registered_by")
            .order_by("status", "registered_at", "pk")
        )
        context |= {
            "registrations": registrations,
            "staff_form": StaffRegistrationForm(initial={}),
            "survey": survey_results(session),
            "proposed": Session.objects.proposed_for_cancellation().filter(pk=session.pk).exists(),
            "present_count": Registration.objects.filter(session=session, attendances__present=True)
            .distinct()
            .count(),
        }
    return render(request, "formations/session_detail.html", context)


def survey_results(session) -> dict:
    answers = SurveyAnswer.objects.filter(registration__session=session)
    figures = answers.aggregate(
        count=Count("pk"), **{name: Avg(name) for name, _ in SURVEY_QUESTIONS}
    )
    return {
        "count": figures["count"],
        "questions": [(label, figures[name]) for name, label in SURVEY_QUESTIONS],
        "comments": list(answers.exclude(comment="").values_list("comment", flat=True)[:50]),
    }


@teachers_only
def register(request, pk):
    session = get_session(request, pk)
    default = default_cooperative(request.user)
    form = RegistrationForm(request.POST or None, initial={"cooperative": default})
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.register(
                session.pk, request.user, form.cleaned_data["cooperative"], by=request.user
            )
        except services.RegistrationError as error:
            messages.error(request, str(error))
            return redirect("formations:session_detail", pk=session.pk)
        if registration.is_confirmed:
            messages.success(
                request, "Inscription confirmée : un courriel vous l'écrit, avec l'agenda (.ics)."
            )
        else:
            messages.info(
                request,
                "La session est complète : vous êtes sur la liste d'attente. Un courriel vous "
                "préviendra si une place se libère.",
            )
        return redirect("formations:session_detail", pk=session.pk)
    return render(
        request,
        "formations/register.html",
        {"session": session, "form": form, "choices": _coop_choices(request, form, default)},
    )


def _coop_choices(request, form, default) -> list:
    """The options of the school list: the search's matches, or the chosen / default coop."""
    chosen = form.cleaned_data.get("cooperative") if form.is_bound and form.is_valid() else None
    return school_choices(request.GET.get("q", ""), chosen, default)


@require_POST
@reads_catalogue
def register_other(request, pk):
    """Staff register a teacher on their behalf."""
    require(can_manage(request.user))
    session = get_session(request, pk)
    form = StaffRegistrationForm(request.POST)
    if not form.is_valid():
        errors = " ".join(e for field_errors in form.errors.values() for e in field_errors)
        messages.error(request, f"Inscription non enregistrée : {errors}")
        return redirect("formations:session_detail", pk=session.pk)
    try:
        registration = services.register(
            session.pk, form.user, form.cleaned_data["cooperative"], by=request.user
        )
    except services.RegistrationError as error:
        messages.error(request, str(error))
    else:
        where = "inscrit" if registration.is_confirmed else "sur la liste d'attente"
        messages.success(request, f"{registration.user} est {where}.")
    return redirect("formations:session_detail", pk=session.pk)


@require_POST
@reads_catalogue
def registration_cancel(request, pk):
    registration = get_registration(request, pk)
    require(registration.can_be_cancelled_by(request.user))
    promoted = services.cancel_registration(registration.pk)
    own = registration.user_id == request.user.pk
    messages.success(
        request,
        "Votre inscription est annulée." if own else f"Inscription de {registration.user} annulée.",
    )
    for other in promoted:
        if can_manage(request.user):
            messages.info(request, f"{other.user} sort de la liste d'attente : place confirmée.")
    if own:
        return redirect("formations:my_trainings")
    return redirect("formations:session_detail", pk=registration.session_id)


@teachers_only
def my_trainings(request):
    registrations = (
        Registration.objects.listed_for(request.user)
        .select_related("session__training", "cooperative")
        .annotate(answered=Exists(SurveyAnswer.objects.filter(registration=OuterRef("pk"))))
        .prefetch_related(
            Prefetch("session__parts", queryset=SessionPart.objects.order_by("date")),
            Prefetch("attendances", queryset=Attendance.objects.filter(present=True)),
        )
        .order_by("-first_day", "-pk")
    )
    today = timezone.localdate()
    coming, past = [], []
    for registration in registrations:
        upcoming = registration.first_day and registration.first_day >= today
        (coming if upcoming else past).append(registration)
    return render(
        request,
        "formations/my_trainings.html",
        {"coming": coming[::-1], "past": past, "today": today},
    )


def _present(registration) -> bool:
    return registration.attendances.filter(present=True).exists()


@reads_catalogue
def certificate_pdf(request, pk):
    registration = get_registration(request, pk)
    if registration.session.is_cancelled or not _present(registration):
        raise Http404("Pas d'attestation : aucune présence enregistrée.")
    registration = (
        Registration.objects.select_related("user", "cooperative", "session__training")
        .prefetch_related("session__parts", "attendances")
        .get(pk=registration.pk)
    )
    response = HttpResponse(certificate(registration), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate_filename(registration)}"'
    return response


@teachers_only
def survey(request, pk):
    registration = get_registration(request, pk)
    if registration.user_id != request.user.pk:
        raise Http404
    if not registration.session.is_held or not attended_parts(registration):
        messages.info(request, "Le questionnaire s'ouvre après la session, pour les participants.")
        return redirect("formations:my_trainings")
    if SurveyAnswer.objects.filter(registration=registration).exists():
        messages.info(request, "Vous avez déjà répondu au questionnaire : merci !")
        return redirect("formations:my_trainings")
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        answer = form.save(commit=False)
        answer.registration = registration
        try:
            with transaction.atomic():
                answer.save()
        except IntegrityError:  # the same answers sent twice at once: one is kept
            pass
        messages.success(request, "Merci pour vos réponses.")
        return redirect("formations:my_trainings")
    return render(request, "formations/survey.html", {"form": form, "registration": registration})
