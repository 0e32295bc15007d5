"""The actions' pages: editions (everyone reads), class registrations (a teacher's own; staff
all), the selection proposal, interventions, the intervenants' calendar (.ics) and budgets."""

import calendar
import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cooperatives.forms import school_choices
from cooperatives.models import Cooperative, TeacherSchool
from occe.accounts import rules
from occe.accounts.access import require, role_required
from occe.core.exports import DECIMAL, MONEY
from occe.core.models import SchoolYear, year_from_request

from . import selection, services
from .calendar import intervenant_calendar
from .exports import (
    FIGURE_COLUMNS,
    BudgetExporter,
    FiguresExporter,
    RegistrationExporter,
    figure_rows,
    theme_rows,
)
from .filters import RegistrationFilter
from .forms import (
    ActionForm,
    BudgetLineForm,
    EditionForm,
    IntervenantForm,
    InterventionForm,
    ProductionForm,
    RegistrationForm,
    RoundForm,
    ScoreForm,
    StaffRegistrationForm,
    StatusForm,
    SubmissionForm,
)
from .models import (
    Action,
    BudgetLine,
    ClassRegistration,
    Diploma,
    Edition,
    Intervenant,
    Intervention,
    Production,
    Round,
    Submission,
    can_manage,
)
from .tasks import BOOK, DIPLOMAS, announce_round

PAGE_SIZE = 50
reads_actions = role_required(lambda user: rules.is_teacher(user) or user.sees_everything)
teachers_only = role_required(rules.is_teacher)
staff_or_board = role_required(lambda user: user.sees_everything)
staff_only = role_required(can_manage)


def get_edition(request, pk) -> Edition:
    queryset = Edition.objects.visible_to(request.user).select_related("action", "school_year")
    return get_object_or_404(queryset, pk=pk)


def get_registration(request, pk) -> ClassRegistration:
    """The teacher's own class (staff and board: any); another teacher's is a 404."""
    queryset = ClassRegistration.objects.visible_to(request.user).select_related(
        "edition__action", "edition__school_year", "cooperative__circonscription", "teacher"
    )
    return get_object_or_404(queryset, pk=pk)


def default_cooperative(user) -> Cooperative | None:
    """A mandataire's own coop; a teacher's school (« Mon école »)."""
    if rules.is_mandataire(user):
        return Cooperative.objects.visible_to(user).active().order_by("number").first()
    school = (
        TeacherSchool.objects.filter(user=user, cooperative__status=Cooperative.Status.ACTIVE)
        .select_related("cooperative")
        .first()
    )
    return school.cooperative if school else None


# --- Editions ---


@reads_actions
def catalogue(request):
    """This year's editions (and later ones), with the user's own classes' count on each."""
    year_start = timezone.localdate().year - (0 if timezone.localdate().month >= 9 else 1)
    editions = (
        Edition.objects.visible_to(request.user)
        .filter(school_year__start_year__gte=year_start)
        .select_related("action", "school_year")
        .annotate(
            mine=Count("registrations", filter=Q(registrations__teacher=request.user)),
            registered=Count("registrations"),
        )
        .order_by("school_year__start_year", "action__title")
    )
    context = {"editions": editions, "can_manage": can_manage(request.user)}
    return render(request, "actions/catalogue.html", context)


# The filters of the editions list (home cards link to them): key -> (title, queryset method).
EDITION_FILTERS = {
    "a_selectionner": ("Éditions avec des classes à sélectionner", "awaiting_selection"),
    "a_noter": (
        "Éditions avec des productions à relire ou des réponses à noter",
        "with_work_to_score",
    ),
}


@staff_or_board
def action_list(request):
    """The actions with their editions; `?editions=<filter>` lists the editions with work
    waiting instead (classes to select, productions to review)."""
    context = {"can_manage": can_manage(request.user)}
    chosen = EDITION_FILTERS.get(request.GET.get("editions", ""))
    if chosen is not None:
        title, method = chosen
        editions = getattr(Edition.objects, method)().select_related("action", "school_year")
        context["filtered"] = {
            "title": title,
            "editions": editions.annotate(
                to_select=Count(
                    "registrations",
                    filter=Q(registrations__status=ClassRegistration.Status.INSCRITE),
                )
            ).order_by("-school_year__start_year", "action__title", "pk"),
        }
        return render(request, "actions/action_list.html", context)
    context["actions"] = Action.objects.annotate(edition_count=Count("editions")).prefetch_related(
        Prefetch("editions", queryset=Edition.objects.select_related("school_year"))
    )
    return render(request, "actions/action_list.html", context)


@staff_only
def action_create(request):
    return _action_form(request, Action())


@staff_only
def action_edit(request, pk):
    return _action_form(request, get_object_or_404(Action, pk=pk))


def _action_form(request, action):
    form = ActionForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Action enregistrée.")
        return redirect("actions:action_list")
    return render(
        request, "actions/form.html", {"form": form, "title": action.title or "Nouvelle action"}
    )


@staff_only
def edition_create(request, pk):
    action = get_object_or_404(Action, pk=pk)
    return _edition_form(request, Edition(action=action))


@staff_only
def edition_edit(request, pk):
    edition = get_object_or_404(Edition.objects.editable_by(request.user), pk=pk)
    return _edition_form(request, edition)


def _edition_form(request, edition):
    form = EditionForm(request.POST or None, instance=edition)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                edition = form.save()
        except IntegrityError:
            form.add_error("school_year", "Cette action a déjà une édition cette année-là.")
        else:
            messages.success(request, "Édition enregistrée.")
            return redirect(edition)
    title = f"Édition de {edition.action.title}"
    return render(request, "actions/form.html", {"form": form, "title": title})


@require_POST
@staff_only
def edition_copy(request, pk):
    edition = get_object_or_404(Edition.objects.editable_by(request.user), pk=pk)
    try:
        with transaction.atomic():
            copy = edition.copy_to_next_year()
    except IntegrityError:
        messages.error(request, "L'édition de l'année suivante existe déjà.")
        return redirect(edition)
    messages.success(request, f"Édition {copy.school_year.label} préparée à partir de celle-ci.")
    return redirect("actions:edition_edit", pk=copy.pk)


@reads_actions
def edition_detail(request, pk):
    edition = get_edition(request, pk)
    user = request.user
    mine = ClassRegistration.objects.filter(edition=edition, teacher=user).select_related(
        "cooperative"
    )
    context = {
        "edition": edition,
        "mine": mine,
        "is_teacher": rules.is_teacher(user),
        "can_manage": can_manage(user),
    }
    if user.sees_everything:
        registrations = (
            ClassRegistration.objects.filter(edition=edition)
            .select_related("cooperative", "teacher")
            .annotate(
                planned=Count("interventions", filter=~Q(interventions__status="annulee")),
            )
            .order_by("status", "registered_at", "pk")
        )
        figures = ClassRegistration.objects.filter(edition=edition).aggregate(
            classes=Count("pk"),
            pupils=Sum("pupils"),
            schools=Count("cooperative", distinct=True),
        )
        page = Paginator(registrations, PAGE_SIZE).get_page(request.GET.get("page"))
        context |= {
            "registrations": page,
            "page": page,
            "figures": figures,
            "budget": edition.budget(),
            "intervention_count": edition.interventions.holding().count(),
            "diploma_job": _diploma_job(edition),
            "diploma_count": Diploma.objects.filter(registration__edition=edition).count(),
        }
    return render(request, "actions/edition_detail.html", context)


# --- Registrations ---


@reads_actions
def register(request, pk):
    """A teacher registers a class (their school proposed); staff register on a teacher's
    behalf (by e-mail address)."""
    edition = get_edition(request, pk)
    staff = can_manage(request.user)
    require(staff or rules.is_teacher(request.user))
    if not staff and not edition.accepts_registrations():
        messages.error(request, "Les inscriptions à cette action sont closes.")
        return redirect(edition)
    form_class = StaffRegistrationForm if staff else RegistrationForm
    default = None if staff else default_cooperative(request.user)
    form = form_class(request.POST or None, edition=edition, initial={"cooperative": default})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration = services.register_class(
                edition,
                teacher=form.teacher if staff else request.user,
                cooperative=data["cooperative"],
                by=request.user,
                class_name=data["class_name"],
                levels=data["levels"],
                pupils=data["pupils"],
                other_teachers=data["other_teachers"],
                motivation=data["motivation"],
                whole_team=data["whole_team"],
            )
        except services.ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                "Classe inscrite : un courriel le confirme ; vous serez prévenu·e quand la "
                "sélection sera faite.",
            )
            return redirect(registration)
    return render(request, "actions/register.html", {"edition": edition, "form": form})


@staff_or_board
def registrations(request):
    """Every class registration, filtered (year, edition, status, cycle, circonscription,
    school, priority education); a constant number of queries whatever the page holds."""
    queryset = ClassRegistration.objects.select_related(
        "edition__action", "edition__school_year", "cooperative__circonscription", "teacher"
    ).order_by("-edition__school_year__start_year", "edition__action__title", "registered_at", "pk")
    registration_filter = RegistrationFilter(request.GET or None, queryset=queryset)
    page = Paginator(registration_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": registration_filter, "page": page}
    return render(request, "actions/registrations.html", context)


@teachers_only
def my_classes(request):
    registrations = (
        ClassRegistration.objects.of_teacher(request.user)
        .select_related("edition__action", "edition__school_year", "cooperative")
        .annotate(planned=Count("interventions", filter=~Q(interventions__status="annulee")))
        .annotate(has_diploma=Exists(Diploma.objects.filter(registration=OuterRef("pk"))))
        .order_by("-edition__school_year__start_year", "edition__action__title", "pk")
    )
    return render(request, "actions/my_classes.html", {"registrations": registrations})


@reads_actions
def registration_detail(request, pk):
    registration = get_registration(request, pk)
    interventions = registration.interventions.select_related("intervenant").order_by("starts_at")
    context = {
        "registration": registration,
        "interventions": interventions,
        "can_manage": can_manage(request.user),
        "status_form": StatusForm(),
        "diploma": Diploma.objects.filter(registration=registration).first(),
    }
    return render(request, "actions/registration_detail.html", context)


@require_POST
@reads_actions
def registration_status(request, pk):
    registration = get_registration(request, pk)
    require(can_manage(request.user))
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_status(registration.pk, form.cleaned_data["status"])
        except services.ActionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Statut changé : l'enseignant est prévenu par courriel.")
    return redirect(registration)


# --- Selection ---


@staff_or_board
def selection_view(request, pk):
    edition = get_edition(request, pk)
    proposal = selection.propose(edition)
    if request.method == "POST":
        require(can_manage(request.user))
        chosen = {int(v) for v in request.POST.getlist("retenue") if v.isdigit()}
        known = {c.registration.pk for c in proposal.candidates}
        excluded = {c.registration.pk for c in proposal.candidates if c.excluded}
        counts = services.confirm_selection(edition, chosen & known, excluded - chosen)
        messages.success(
            request,
            f"Sélection confirmée : {counts['retenue']} classe(s) retenue(s), "
            f"{counts['attente']} en liste d'attente, {counts['non_retenue']} non retenue(s). "
            "Les enseignants sont prévenus par courriel.",
        )
        return redirect(edition)
    context = {"edition": edition, "proposal": proposal, "can_manage": can_manage(request.user)}
    return render(request, "actions/selection.html", context)


# --- Interventions ---


@staff_only
def intervention_create(request, pk):
    edition = get_edition(request, pk)
    initial = {}
    registration_pk = request.GET.get("classe", "")
    if registration_pk.isdigit():
        initial["registration"] = int(registration_pk)
    return _intervention_form(request, Intervention(edition=edition), edition, initial)


@staff_only
def intervention_create_other(request):
    return _intervention_form(request, Intervention(), None, {})


@staff_only
def intervention_edit(request, pk):
    intervention = get_object_or_404(
        Intervention.objects.select_related("edition__action", "edition__school_year"), pk=pk
    )
    return _intervention_form(request, intervention, intervention.edition, {})


def _intervention_form(request, intervention, edition, initial):
    form = InterventionForm(
        request.POST or None, instance=intervention, edition=edition, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        intervention = form.save()
        try:
            intervention.full_clean(exclude=["starts_at", "ends_at"], validate_constraints=False)
            services.save_intervention(intervention)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        except services.ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Intervention enregistrée.")
            if intervention.registration_id:
                return redirect("actions:registration_detail", pk=intervention.registration_id)
            return redirect("actions:interventions")
    context = {"form": form, "edition": edition, "intervention": intervention}
    if edition is None:
        chosen = form.cleaned_data.get("cooperative") if form.is_bound and form.is_valid() else None
        current = intervention.cooperative if intervention.cooperative_id else None
        context["school_choices"] = school_choices(request.POST.get("q", ""), chosen, current)
        context["selected_school"] = chosen or current
    return render(request, "actions/intervention_form.html", context)


@require_POST
@staff_only
def intervention_status(request, pk):
    intervention = get_object_or_404(Intervention, pk=pk)
    status = request.POST.get("status", "")
    if status not in Intervention.Status.values:
        raise Http404
    try:
        services.set_intervention_status(intervention, status)
    except services.ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Intervention {Intervention.Status(status).label.lower()}.")
    if intervention.registration_id:
        return redirect("actions:registration_detail", pk=intervention.registration_id)
    return redirect("actions:interventions")


@staff_or_board
def interventions(request):
    """Interventions of the month, all intervenants (or one), and those outside actions."""
    month = _month(request.GET.get("mois", ""))
    intervenants = list(Intervenant.objects.all())
    chosen = request.GET.get("intervenant", "")
    intervenant = next((i for i in intervenants if str(i.pk) == chosen), None)
    queryset = Intervention.objects.in_month(month).select_related(
        "intervenant", "cooperative", "edition__action", "registration"
    )
    if intervenant is not None:
        queryset = queryset.filter(intervenant=intervenant)
    holding = request.GET.get("maintenues") == "1"
    if holding:
        queryset = queryset.holding()
    days: dict = {}
    for intervention in queryset:
        days.setdefault(intervention.local_start.date(), []).append(intervention)
    weeks = [
        [(day, days.get(day, [])) for day in week]
        for week in calendar.Calendar().monthdatescalendar(month.year, month.month)
    ]
    context = {
        "month": month,
        "previous": _previous_month(month),
        "next": _next_month(month),
        "weeks": weeks,
        "interventions": queryset,
        "intervenants": intervenants,
        "intervenant": intervenant,
        "holding": holding,
        "can_manage": can_manage(request.user),
    }
    return render(request, "actions/interventions.html", context)


def _month(text: str) -> datetime.date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return datetime.date(year, month, 1)
    except (ValueError, TypeError):
        today = timezone.localdate()
        return today.replace(day=1)


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _previous_month(month: datetime.date) -> datetime.date:
    return (month - datetime.timedelta(days=1)).replace(day=1)


@staff_or_board
def intervenant_ics(request, pk):
    intervenant = get_object_or_404(Intervenant, pk=pk)
    response = HttpResponse(intervenant_calendar(intervenant), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="interventions-{intervenant.pk}.ics"'
    return response


@staff_or_board
def intervenants(request):
    form = IntervenantForm(request.POST or None)
    if request.method == "POST":
        require(can_manage(request.user))
        if form.is_valid():
            form.save()
            messages.success(request, "Intervenant ajouté.")
            return redirect("actions:intervenants")
    rows = Intervenant.objects.annotate(
        count=Count("interventions", filter=~Q(interventions__status="annulee"))
    )
    context = {"form": form, "intervenants": rows, "can_manage": can_manage(request.user)}
    return render(request, "actions/intervenants.html", context)


@staff_only
def intervenant_edit(request, pk):
    intervenant = get_object_or_404(Intervenant, pk=pk)
    form = IntervenantForm(request.POST or None, instance=intervenant)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Intervenant enregistré.")
        return redirect("actions:intervenants")
    return render(request, "actions/form.html", {"form": form, "title": intervenant.name})


# --- Budget ---


@staff_or_board
def budget(request, pk):
    edition = get_edition(request, pk)
    form = BudgetLineForm(request.POST or None)
    if request.method == "POST":
        require(can_manage(request.user))
        if form.is_valid():
            line = form.save(commit=False)
            line.edition = edition
            line.save()
            messages.success(request, "Ligne ajoutée.")
            return redirect("actions:budget", pk=edition.pk)
    lines = edition.budget_lines.all()
    context = {
        "edition": edition,
        "form": form,
        "expenses": [line for line in lines if line.kind == BudgetLine.Kind.DEPENSE],
        "contributions": [line for line in lines if line.kind == BudgetLine.Kind.CONTRIBUTION],
        "budget": edition.budget(),
        "can_manage": can_manage(request.user),
    }
    return render(request, "actions/budget.html", context)


@require_POST
@staff_only
def budget_line_delete(request, pk):
    line = get_object_or_404(BudgetLine, pk=pk)
    line.delete()
    messages.success(request, "Ligne supprimée.")
    return redirect("actions:budget", pk=line.edition_id)


@staff_or_board
def budget_export(request, pk):
    edition = get_edition(request, pk)
    exporter = BudgetExporter(edition=edition)
    return exporter.response(exporter.get_filename())


@staff_or_board
def registrations_export(request, pk):
    edition = get_edition(request, pk)
    exporter = RegistrationExporter(edition=edition)
    return exporter.response(exporter.get_filename())


# --- Figures ---


@staff_or_board
def figures(request):
    """The annual report's figures of the year: per action, all actions, and the
    interventions outside actions per theme."""
    year = year_from_request(request)
    rows, total = figure_rows(year)
    kinds = [
        "money" if fmt == MONEY else "decimal" if fmt == DECIMAL else "count"
        for _, _, fmt in FIGURE_COLUMNS
    ]

    def cells(row):
        return list(zip([row[key] for key, _, _ in FIGURE_COLUMNS], kinds, strict=True))

    context = {
        "year": year,
        "years": SchoolYear.objects.up_to_current(),
        "headers": [label for _, label, _ in FIGURE_COLUMNS],
        "rows": [(row["edition"], cells(row)) for row in rows],
        "total": cells(total) if total else None,
        "themes": theme_rows(year),
    }
    return render(request, "actions/figures.html", context)


@staff_or_board
def figures_export(request):
    exporter = FiguresExporter(year=year_from_request(request))
    return exporter.response(exporter.get_filename())


# --- Diplomas ---


def _diploma_job(edition):
    from django.contrib.contenttypes.models import ContentType

    from occe.core.models import Job

    return (
        Job.objects.filter(
            kind=DIPLOMAS,
            content_type=ContentType.objects.get_for_model(Edition),
            object_id=edition.pk,
        )
        .order_by("-pk")
        .first()
    )


@require_POST
@staff_only
def diplomas(request, pk):
    """One background job makes the diplomas of the participating classes and e-mails them."""
    from occe.core.jobs import launch

    edition = get_edition(request, pk)
    launch(DIPLOMAS, user=request.user, parameters={"edition": edition.pk}, obj=edition)
    messages.success(
        request, "Diplômes en préparation : ils seront envoyés aux enseignants par courriel."
    )
    return redirect(edition)


@reads_actions
def diploma_download(request, pk):
    registration = get_registration(request, pk)
    diploma = Diploma.objects.filter(registration=registration).first()
    if diploma is None or not diploma.pdf:
        raise Http404("Pas encore de diplôme pour cette classe.")
    return FileResponse(
        diploma.pdf.open("rb"),
        as_attachment=True,
        filename=diploma.filename(),
        content_type="application/pdf",
    )


# --- Remote rounds (Défimaths) ---


def _teacher_classes(user, edition, round_=None) -> list:
    """The user's classes in the edition that may answer (of the round's cycle)."""
    registrations = (
        ClassRegistration.objects.filter(edition=edition, teacher=user)
        .exclude(
            status__in=[ClassRegistration.Status.NON_RETENUE, ClassRegistration.Status.ATTENTE]
        )
        .select_related("cooperative")
    )
    return [r for r in registrations if round_ is None or round_.cycle in r.cycles]


@reads_actions
def rounds(request, pk):
    edition = get_edition(request, pk)
    form = RoundForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        require(can_manage(request.user))
        if form.is_valid():
            round_ = form.save(commit=False)
            round_.edition = edition
            try:
                with transaction.atomic():
                    round_.save()
            except IntegrityError:
                form.add_error("number", "Cette manche existe déjà pour ce cycle.")
            else:
                messages.success(request, "Manche ajoutée.")
                return redirect("actions:rounds", pk=edition.pk)
    rows = edition.rounds.annotate(
        answers=Count("submissions"),
        mine=Count("submissions", filter=Q(submissions__registration__teacher=request.user)),
    )
    if not request.user.sees_everything:
        cycles = {c for r in _teacher_classes(request.user, edition) for c in r.cycles}
        rows = rows.filter(cycle__in=cycles)
    context = {
        "edition": edition,
        "rounds": rows,
        "form": form,
        "can_manage": can_manage(request.user),
    }
    return render(request, "actions/rounds.html", context)


def get_round(request, pk) -> Round:
    queryset = Round.objects.filter(
        edition__in=Edition.objects.visible_to(request.user)
    ).select_related("edition__action", "edition__school_year")
    return get_object_or_404(queryset, pk=pk)


@reads_actions
def round_detail(request, pk):
    round_ = get_round(request, pk)
    user = request.user
    classes = _teacher_classes(user, round_.edition, round_) if rules.is_teacher(user) else []
    form = None
    if classes:
        form = SubmissionForm(request.POST or None, request.FILES or None, classes=classes)
        if request.method == "POST":
            if not round_.is_open():
                messages.error(request, "Cette manche n'est pas ouverte.")
                return redirect(round_)
            if form.is_valid():
                services.submit(round_, form.cleaned_data)
                messages.success(request, "Réponse envoyée.")
                return redirect(round_)
    elif request.method == "POST":
        require(False)
    mine = Submission.objects.filter(round=round_, registration__teacher=user).select_related(
        "registration"
    )
    context = {
        "round": round_,
        "form": form,
        "mine": mine,
        "can_manage": can_manage(user),
        "can_download": Round.objects.documents_for(user).filter(pk=round_.pk).exists(),
    }
    if user.sees_everything:
        context["submissions"] = (
            Submission.objects.filter(round=round_)
            .select_related("registration__cooperative", "scored_by")
            .order_by("registration__cooperative__name", "pk")
        )
    return render(request, "actions/round_detail.html", context)


@reads_actions
def round_document(request, pk):
    """The round's uploaded document: staff and board, and the teachers whose class takes part
    in the edition; anyone else gets a 404 (the query is scoped, nothing is hinted)."""
    round_ = get_object_or_404(Round.objects.documents_for(request.user), pk=pk)
    if not round_.document:
        raise Http404("Cette manche n'a pas de document téléversé.")
    return FileResponse(
        round_.document.open("rb"), as_attachment=True, filename=round_.document_name()
    )


@require_POST
@staff_only
def round_announce(request, pk):
    round_ = get_round(request, pk)
    if round_.announced_at:
        messages.info(request, "Cette manche a déjà été annoncée.")
    else:
        transaction.on_commit(lambda: announce_round.delay(round_.pk))
        messages.success(request, "Courriels en cours d'envoi aux classes du cycle.")
    return redirect(round_)


@require_POST
@staff_only
def submission_score(request, pk):
    submission = get_object_or_404(Submission.objects.select_related("round"), pk=pk)
    form = ScoreForm(request.POST, instance=submission)
    if form.is_valid():
        scored = form.save(commit=False)
        scored.scored_by = request.user
        scored.save()
        messages.success(request, "Note enregistrée.")
    else:
        errors = " ".join(e for field_errors in form.errors.values() for e in field_errors)
        messages.error(request, f"Note non enregistrée : {errors}")
    return redirect(submission.round)


@reads_actions
def submission_file(request, pk):
    submission = get_object_or_404(Submission.objects.visible_to(request.user), pk=pk)
    if not submission.file:
        raise Http404
    return FileResponse(submission.file.open("rb"), as_attachment=True)


# --- Productions and the collected book ---


def _book_job(edition):
    from django.contrib.contenttypes.models import ContentType

    from occe.core.models import Job

    return (
        Job.objects.filter(
            kind=BOOK,
            content_type=ContentType.objects.get_for_model(Edition),
            object_id=edition.pk,
        )
        .order_by("-pk")
        .first()
    )


@reads_actions
def productions(request, pk):
    """Teachers send their classes' works; staff accept or refuse them and make the book."""
    edition = get_edition(request, pk)
    user = request.user
    classes = _teacher_classes(user, edition) if rules.is_teacher(user) else []
    form = None
    if classes:
        form = ProductionForm(request.POST or None, request.FILES or None, classes=classes)
        if request.method == "POST" and form.is_valid():
            production = form.save(commit=False)
            production.edition = edition
            try:
                with transaction.atomic():
                    production.save()
            except IntegrityError:
                form.add_error("title", "Cette classe a déjà envoyé une production de ce titre.")
            else:
                messages.success(request, "Production envoyée : l'équipe la relira.")
                return redirect("actions:productions", pk=edition.pk)
    elif request.method == "POST":
        require(False)
    rows = (
        Production.objects.visible_to(user)
        .filter(edition=edition)
        .select_related("registration__cooperative")
    )
    context = {
        "edition": edition,
        "form": form,
        "productions": rows,
        "can_manage": can_manage(user),
        "book_job": _book_job(edition) if user.sees_everything else None,
    }
    return render(request, "actions/productions.html", context)


@require_POST
@staff_only
def production_review(request, pk):
    production = get_object_or_404(Production, pk=pk)
    status = request.POST.get("status", "")
    if status not in (Production.Status.ACCEPTEE, Production.Status.REFUSEE):
        raise Http404
    production.status = status
    production.save(update_fields=["status"])
    messages.success(
        request, f"« {production.title} » : {production.get_status_display().lower()}."
    )
    return redirect("actions:productions", pk=production.edition_id)


@reads_actions
def production_file(request, pk):
    production = get_object_or_404(Production.objects.visible_to(request.user), pk=pk)
    if not production.file:
        raise Http404
    return FileResponse(production.file.open("rb"), as_attachment=True)


@require_POST
@staff_only
def book(request, pk):
    from occe.core.jobs import launch

    edition = get_edition(request, pk)
    launch(BOOK, user=request.user, parameters={"edition": edition.pk}, obj=edition)
    messages.success(request, "Recueil en préparation : il sera téléchargeable ici.")
    return redirect("actions:productions", pk=edition.pk)
