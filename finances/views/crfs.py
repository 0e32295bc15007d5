"""The CRFS pages: the list (the coop's own for a mandataire; every coop's, filtered, for staff
and board), typing in and submitting one, the secretariat's decisions, the campaign."""

import mimetypes

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cooperatives.models import Circonscription, Cooperative
from occe.accounts import rules
from occe.accounts.access import require, role_required, secretariat_only, staff_or_board
from occe.core.history import history_events, newest_first
from occe.core.jobs import launch
from occe.core.models import Association, Job, SchoolYear

from ..forms_crfs import CrfsForm, SendBackForm, SubmitForm
from ..models.controls import Control
from ..models.crfs import CRFS_REASONS, Crfs, Format, Reason, Status, due_date
from ..services import crfs as services
from ..services.errors import WorkflowError
from ..tasks.crfs import RemindCrfs, coops_to_remind

PAGE_SIZE = 50

sees_crfs = role_required(rules.sees_grants)


def crfs_year(request) -> SchoolYear:
    """The accounting year shown: `?annee=`, else the last closed one (the current campaign)."""
    return (
        SchoolYear.objects.from_label(request.GET.get("annee", ""))
        or SchoolYear.objects.current().previous()
    )


def get_crfs(request, pk) -> Crfs:
    queryset = Crfs.objects.visible_to(request.user).select_related(
        "cooperative", "school_year", "submitted_by", "decided_by"
    )
    return get_object_or_404(queryset, pk=pk)


def history(records, model, subject: str) -> list[dict]:
    return newest_first(
        history_events(
            records.select_related("history_user").order_by("history_date"),
            model,
            subject,
            exclude={"cooperative", "school_year", "statement", "answer_file"},
        )
    )


def _years():
    SchoolYear.objects.ensure_recent()
    return SchoolYear.objects.up_to_current()


@sees_crfs
def crfs_list(request):
    user = request.user
    year = crfs_year(request)
    association = Association.get()
    queryset = (
        Crfs.objects.visible_to(user)
        .with_gap()
        .select_related("cooperative", "school_year", "cooperative__circonscription")
    )
    if not user.sees_everything:
        # A mandataire sees their coops' reports of every year, and what is left to do.
        reports = list(queryset.order_by("-school_year__start_year", "cooperative__number"))
        return render(
            request,
            "finances/crfs/mine.html",
            {
                "reports": reports,
                "year": year,
                "to_do": list(services.coops_to_start(user, year)),
                "due": due_date(year),  # once per page
            },
        )
    queryset = queryset.filter(school_year=year)
    filters = {
        "etat": request.GET.get("etat", ""),
        "forme": request.GET.get("forme", ""),
        "motif": request.GET.get("motif", ""),
        "circonscription": request.GET.get("circonscription", ""),
        "q": request.GET.get("q", "").strip()[:100],
    }
    if filters["etat"] in Status.values:
        queryset = queryset.filter(status=filters["etat"])
    if filters["forme"] in Format.values:
        queryset = queryset.filter(format=filters["forme"])
    if filters["motif"] in CRFS_REASONS:
        queryset = queryset.flagged(filters["motif"], association)
    if filters["circonscription"].isdigit():
        queryset = queryset.filter(cooperative__circonscription=filters["circonscription"])
    if filters["q"]:
        queryset = queryset.filter(
            Q(cooperative__number__icontains=filters["q"])
            | Q(cooperative__name__icontains=filters["q"])
            | Q(cooperative__commune__icontains=filters["q"])
        )
    page = Paginator(queryset.order_by("cooperative__number"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for crfs in page:
        crfs.flag_list = crfs.flags(association)
    template = "finances/crfs/list.html"
    if request.htmx and not request.htmx.boosted:
        template = "finances/crfs/includes/results.html"
    return render(
        request,
        template,
        {
            "page": page,
            "year": year,
            "years": _years(),
            "filters": filters,
            "statuses": Status.choices,
            "formats": Format.choices,
            "reasons": [(r, Reason(r).label) for r in CRFS_REASONS],
            "circonscriptions": Circonscription.objects.all(),
            "can_type_in": user.is_secretariat,
        },
    )


@sees_crfs
def crfs_edit(request, coop_pk, year):
    """Type in (or go on with) the CRFS of a coop and year: its mandataire online, the
    secretariat from a paper form."""
    user = request.user
    cooperative = get_object_or_404(Cooperative.objects.visible_to(user), pk=coop_pk)
    school_year = SchoolYear.objects.from_label(year)
    if school_year is None or school_year.end_date >= timezone.localdate():
        raise Http404  # a report covers a closed accounting year
    crfs = Crfs.objects.filter(cooperative=cooperative, school_year=school_year).first()
    if crfs is None:
        crfs = Crfs(cooperative=cooperative, school_year=school_year, created_by=user)
        if user.is_secretariat:
            crfs.format = Format.PAPER
        require(user.is_secretariat or cooperative.has_mandataire(user))
    else:
        require(crfs.can_be_edited_by(user))
    form = CrfsForm(request.POST or None, request.FILES or None, instance=crfs, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                crfs = form.save()
        except IntegrityError:
            # Two first saves at once (two tabs, the mandataire and the secretariat): the
            # unique constraint keeps one report; the other is told, nothing is lost silently.
            messages.error(
                request,
                "Un compte rendu de cet exercice vient d'être créé pour cette coopérative : "
                "ouvrez-le pour le compléter.",
            )
            return redirect("finances:crfs_list")
        messages.success(request, "Compte rendu enregistré.")
        return redirect(crfs)
    previous = crfs.previous() if crfs.cooperative_id else None
    return render(
        request,
        "finances/crfs/edit.html",
        {"form": form, "crfs": crfs, "cooperative": cooperative, "previous": previous},
    )


@sees_crfs
def crfs_detail(request, pk):
    crfs = get_crfs(request, pk)
    user = request.user
    association = Association.get()
    context = {
        "crfs": crfs,
        "lines": crfs.lines.select_related("category").order_by(
            "category__kind", "category__order"
        ),
        "checks": crfs.checks(association),
        "flags": crfs.flags(association) if user.sees_everything else [],
        "can_edit": crfs.can_be_edited_by(user),
        "can_submit": crfs.can_be_submitted_by(user),
        "can_decide": crfs.can_be_decided_by(user),
        "can_open_control": user.is_board_member,
        "submit_form": SubmitForm(),
        "send_back_form": SendBackForm(),
        "controls": crfs.cooperative.controls.filter(school_year=crfs.school_year)
        if user.sees_everything
        else [],
        "events": history(crfs.history, Crfs, "Compte rendu") if user.sees_everything else [],
    }
    return render(request, "finances/crfs/detail.html", context)


@sees_crfs
def crfs_statement(request, pk):
    crfs = get_crfs(request, pk)
    if not crfs.statement:
        raise Http404
    name = crfs.statement.name.rsplit("/", 1)[-1]
    return FileResponse(
        crfs.statement.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
    )


def _perform(request, crfs, action, success, *args):
    try:
        action(crfs, request.user, *args)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(crfs)


@sees_crfs
@require_POST
def crfs_submit(request, pk):
    crfs = get_crfs(request, pk)
    require(crfs.can_be_submitted_by(request.user))
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["engagement"][0])
        return redirect(crfs)
    return _perform(request, crfs, services.submit, "Compte rendu transmis à l'association.")


@secretariat_only
@require_POST
def crfs_accept(request, pk):
    crfs = get_crfs(request, pk)
    return _perform(request, crfs, services.accept, "Compte rendu accepté.")


@secretariat_only
@require_POST
def crfs_send_back(request, pk):
    crfs = get_crfs(request, pk)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Dites ce qu'il faut corriger.")
        return redirect(crfs)
    return _perform(
        request,
        crfs,
        services.send_back,
        "Compte rendu renvoyé pour correction.",
        form.cleaned_data["reason"],
    )


@staff_or_board
def crfs_campaign(request):
    """The campaign of a year: expected, received, accepted, late, beside last year's; the
    list of coops still missing."""
    year = crfs_year(request)
    today = timezone.localdate()
    association = Association.get()  # the due date, read once for the page
    due = due_date(year, association)
    figures = {
        y: services.campaign_figures(y, today, due_date(y, association))
        for y in (year, year.previous())
    }
    late_now = today > due
    # Before the due date, the coops still to send theirs; after it, the late ones (received
    # after the due date, or still missing).
    coops = services.late_coops(year, due) if late_now else coops_to_remind(year)
    received = Crfs.objects.of_year(year).received().filter(cooperative=OuterRef("pk"))
    missing = (
        coops.select_related("circonscription")
        .annotate(
            received_at=Subquery(received.values("submitted_at")[:1]),
            reminders=Count("crfs_reminders", filter=Q(crfs_reminders__school_year=year)),
            # Repeated lateness: earlier years this coop had to be reminded.
            late_years=Count(
                "crfs_reminders__school_year",
                filter=Q(crfs_reminders__school_year__start_year__lt=year.start_year),
                distinct=True,
            ),
        )
        .order_by("number")
    )
    job = Job.objects.filter(kind=RemindCrfs.name, parameters__year=year.pk).order_by("-pk").first()
    page = Paginator(missing, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "finances/crfs/campaign.html",
        {
            "year": year,
            "years": _years(),
            "current": figures[year],
            "previous": figures[year.previous()],
            "due": due,
            "page": page,
            "late_now": late_now,
            "to_remind": coops_to_remind(year).count() if request.user.is_secretariat else 0,
            "job": job,
            "can_remind": request.user.is_secretariat,
        },
    )


@role_required(lambda user: user.is_secretariat)
@require_POST
def crfs_campaign_remind(request):
    """E-mail every coop whose CRFS of the year is missing, in the background."""
    year = SchoolYear.objects.from_label(request.POST.get("annee", "")) or crfs_year(request)
    if not coops_to_remind(year).exists():
        messages.info(request, "Aucune coopérative à relancer.")
    else:
        launch(RemindCrfs.name, user=request.user, parameters={"year": year.pk})
        messages.success(request, "Relances lancées : leur avancement s'affiche ci-dessous.")
    return redirect(reverse("finances:crfs_campaign") + f"?annee={year.label}")


@staff_or_board
def crfs_figures(request):
    """The year's figures: campaign, totals by category, municipal subsidies, flags and
    controls by reason and outcome (the functions the report and the export read)."""
    from .. import figures_crfs as figures

    year = crfs_year(request)
    association = Association.get()  # the due date, read once for the page
    by_reason = figures.controls_by_reason(year)
    outcomes = figures.controls_by_outcome(year)
    flags = figures.flag_counts(year, association)
    previous = year.previous()
    return render(
        request,
        "finances/crfs/figures.html",
        {
            "year": year,
            "years": _years(),
            "campaign": figures.campaign_figures(year, due=due_date(year, association)),
            "previous": figures.campaign_figures(previous, due=due_date(previous, association)),
            "categories": figures.totals_by_category(year),
            "subsidies": figures.municipal_subsidies(year),
            "flags": [(Reason(r).label, flags[r]) for r in CRFS_REASONS],
            "controls": [(Reason(r).label, n) for r, n in by_reason.items()],
            "outcomes": [
                (label, outcomes[value]) for value, label in Control.Outcome.choices if value
            ],
        },
    )


@staff_or_board
def crfs_figures_export(request):
    from ..figures_crfs import CrfsFiguresExporter

    return CrfsFiguresExporter(year=crfs_year(request)).response()


@staff_or_board
def crfs_categories(request):
    """The income and expense categories of the CRFS (an association setting): the
    secretariat renames, adds, orders or retires them; the others read them."""
    from ..forms_crfs import CategoryFormSet
    from ..models.crfs import CrfsCategory

    CrfsCategory.objects.ensure_defaults()
    queryset = CrfsCategory.objects.order_by("kind", "order", "pk")
    editable = request.user.is_secretariat
    formset = CategoryFormSet(
        request.POST if request.method == "POST" and editable else None, queryset=queryset
    )
    if request.method == "POST":
        require(editable)
        if formset.is_valid():
            formset.save()
            messages.success(request, "Catégories enregistrées.")
            return redirect("finances:crfs_categories")
    return render(
        request,
        "finances/crfs/categories.html",
        {"formset": formset, "categories": queryset, "editable": editable},
    )
