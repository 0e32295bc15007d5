"""Requests for receipts: the mandataire's draft and submission, the staff's decision."""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from simple_history.utils import bulk_create_with_history

from occe.accounts import rules
from occe.accounts.access import require, role_required
from occe.core.history import history_events, newest_first
from occe.core.spreadsheets import SpreadsheetError, write_xlsx, xlsx_response

from .. import services
from ..filters import RequestFilter
from ..forms import ImportForm, LineFormSet, NewRequestForm, ReasonForm, RequestForm
from ..imports import HEADERS, read_request_file
from ..models import MAX_LINES, DonationLine, DonationRequest

sees_receipts = role_required(rules.sees_receipts)
PAGE_SIZE = 50
LINES_PER_PAGE = 100
AUDIT_SIZE = 200


def get_donation_request(request, pk) -> DonationRequest:
    """Read: a request outside the user's scope is a 404."""
    queryset = DonationRequest.objects.visible_to(request.user).select_related(
        "cooperative", "created_by", "decided_by"
    )
    return get_object_or_404(queryset, pk=pk)


def get_rw_donation_request(request, pk) -> DonationRequest:
    """Read-write: a 404 outside the user's scope, a 403 for a user who may only read it
    (whatever its status: a closed request gets a message, from `refuse_if_closed`)."""
    donation_request = get_donation_request(request, pk)
    require(donation_request.has_editor(request.user))
    return donation_request


def refuse_if_closed(request, donation_request):
    """A redirect saying why the request can no longer be changed, or None when it can."""
    if donation_request.is_editable:
        return None
    messages.error(
        request,
        f"Cette demande est {donation_request.get_status_display().lower()} : elle ne peut "
        "plus être modifiée.",
    )
    return redirect("finances:request_detail", pk=donation_request.pk)


@sees_receipts
def request_list(request):
    queryset = (
        DonationRequest.objects.visible_to(request.user)
        .select_related("cooperative")
        .annotate(
            line_count=Count("lines", distinct=True),
            total=Sum("lines__amount"),
        )
    )
    request_filter = RequestFilter(request.GET or None, queryset=queryset, user=request.user)
    page = Paginator(request_filter.qs.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = DonationRequest.objects.visible_to(request.user).status_counts()
    context = {
        "filter": request_filter,
        "page": page,
        "counts": [
            (value, label, counts.get(value, 0)) for value, label in DonationRequest.Status.choices
        ],
    }
    template = "finances/request_list.html"
    if request.htmx and not request.htmx.boosted:
        template = "finances/includes/request_results.html"
    return render(request, template, context)


@sees_receipts
def request_create(request):
    require(rules.requests_receipts(request.user))
    form = NewRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        donation_request = DonationRequest.objects.create(
            cooperative=form.cleaned_data["cooperative"], created_by=request.user
        )
        return redirect("finances:request_edit", pk=donation_request.pk)
    return render(request, "finances/request_create.html", {"form": form})


@sees_receipts
def request_edit(request, pk):
    donation_request = get_rw_donation_request(request, pk)
    closed = refuse_if_closed(request, donation_request)
    if closed:
        return closed
    form = RequestForm(
        request.POST or None,
        instance=donation_request,
        prefix="demande",
        can_certify=donation_request.cooperative.has_mandataire(request.user),
    )
    formset = LineFormSet(request.POST or None, instance=donation_request, prefix="lignes")
    if request.method == "POST" and "ajouter" in request.POST:
        # The form grows by one line and keeps what was typed (HTMX swaps the lines only).
        formset = _grown(request.POST, donation_request)
        template = "finances/includes/lines.html" if request.htmx else "finances/request_edit.html"
        return render(request, template, _edit_context(donation_request, form, formset))
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            with transaction.atomic():
                form.save()
                next_position = donation_request.lines.count()
                lines = formset.save(commit=False)
                for line in formset.deleted_objects:
                    line.delete()
                for line in lines:
                    if not line.pk:
                        line.position = next_position
                        next_position += 1
                    line.save()
            if "soumettre" in request.POST:
                try:
                    services.submit(donation_request, request.user)
                except services.WorkflowError as exc:
                    if exc.field in form.fields:
                        # Said next to its box; the lines, saved, are shown from the database.
                        form.add_error(exc.field, str(exc))
                        messages.error(request, "La demande n'est pas soumise : voir ci-dessous.")
                        formset = LineFormSet(instance=donation_request, prefix="lignes")
                        context = _edit_context(donation_request, form, formset)
                        return render(request, "finances/request_edit.html", context)
                    messages.error(request, str(exc))
                    return redirect("finances:request_edit", pk=pk)
                messages.success(request, "Demande soumise à l'association départementale.")
                return redirect("finances:request_detail", pk=pk)
            messages.success(request, "Brouillon enregistré : vous pourrez le compléter plus tard.")
            return redirect("finances:request_edit", pk=pk)
        messages.error(request, "Le formulaire contient des erreurs : voir les lignes signalées.")
    return render(
        request, "finances/request_edit.html", _edit_context(donation_request, form, formset)
    )


def _grown(data, donation_request):
    data = data.copy()
    try:
        total = int(data.get("lignes-TOTAL_FORMS", "0") or 0)
    except ValueError:
        total = 0
    if total >= MAX_LINES:
        # Not one more form: the bound formset says why (a forged count builds none).
        formset = LineFormSet(data, instance=donation_request, prefix="lignes")
        formset.is_valid()
        return formset
    data["lignes-TOTAL_FORMS"] = str(total + 1)
    data[f"lignes-{total}-country"] = "France"
    data[f"lignes-{total}-donor_type"] = "particulier"
    data[f"lignes-{total}-form"] = "don_manuel"
    data[f"lignes-{total}-nature"] = "numeraire"
    formset = LineFormSet(data, instance=donation_request, prefix="lignes")
    formset.is_bound = True
    formset.errors  # noqa: B018 - binds the forms so each keeps its typed values
    for line_form in formset.forms:
        line_form._errors = {}
    return formset


def _edit_context(donation_request, form, formset):
    lines = list(donation_request.lines.all())
    problems = services.line_problems(donation_request, lines)
    return {
        "donation_request": donation_request,
        "form": form,
        "formset": formset,
        "problems": {line.pk: messages_ for line, messages_ in problems.items()},
        "import_form": ImportForm(),
        "max_lines": MAX_LINES,
    }


@sees_receipts
def request_detail(request, pk):
    donation_request = get_donation_request(request, pk)
    user = request.user
    # Eligibility needs every line (totals per donor and year); only one page is shown.
    lines = list(donation_request.lines.select_related("receipt"))
    page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    receipts = list(
        donation_request.receipts.select_related(
            "replaces", "cancelled_by", "replaced_by"
        ).order_by("sequence")
    )
    open_statuses = (
        DonationRequest.Status.DRAFT,
        DonationRequest.Status.SUBMITTED,
        DonationRequest.Status.TO_CORRECT,
    )
    problems = (
        services.line_problems(donation_request, lines)
        if donation_request.status in open_statuses
        else {}
    )
    warnings = services.staff_warnings(donation_request, lines) if user.sees_everything else {}
    for line in page.object_list:
        line.problems = problems.get(line, [])
        line.warnings = warnings.get(line, [])
    context = {
        "donation_request": donation_request,
        "lines": page.object_list,
        "page": page,
        "line_count": len(lines),
        "receipts": receipts,
        "total": sum((line.amount or 0) for line in lines),
        "can_edit": donation_request.can_be_edited_by(user),
        "can_delete": donation_request.can_be_deleted_by(user),
        "can_decide": donation_request.can_be_decided_by(user)
        and donation_request.status == DonationRequest.Status.SUBMITTED,
        "can_reject": donation_request.can_be_decided_by(user)
        and donation_request.status
        in (DonationRequest.Status.SUBMITTED, DonationRequest.Status.TO_CORRECT),
        "job": donation_request.render_job(),
        "reason_form": ReasonForm(),
        "history": [],
        "audit": [],
    }
    if user.sees_everything:
        context["history"] = (
            DonationRequest.objects.filter(cooperative=donation_request.cooperative_id)
            .exclude(pk=donation_request.pk)
            .annotate(total=Sum("lines__amount"), line_count=Count("lines"))
            .order_by("-created_at")[:10]
        )
        context["audit"] = audit_trail(donation_request)
    return render(request, "finances/request_detail.html", context)


def audit_trail(donation_request) -> list[dict]:
    """Who changed what and when on the request and its lines, newest first (staff only)."""
    request_records = donation_request.history.select_related("history_user").order_by(
        "history_date"
    )
    line_records = (
        DonationLine.history.filter(request_id=donation_request.pk)
        .select_related("history_user")
        .order_by("history_date")
    )
    return newest_first(
        history_events(request_records, DonationRequest, "Demande"),
        history_events(
            line_records,
            DonationLine,
            lambda record: f"Ligne {record.last_name or record.company_name}".strip(),
            exclude={"request", "donor_index"},
        ),
        limit=AUDIT_SIZE,
    )


@sees_receipts
def request_progress(request, pk):
    donation_request = get_donation_request(request, pk)
    job = donation_request.render_job()
    return render(
        request,
        "finances/includes/progress.html",
        {"donation_request": donation_request, "job": job},
    )


@require_POST
@sees_receipts
def request_import(request, pk):
    donation_request = get_rw_donation_request(request, pk)
    closed = refuse_if_closed(request, donation_request)
    if closed:
        return closed
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("file", ["Choisissez un fichier .xlsx."]):
            messages.error(request, error)
        return redirect("finances:request_edit", pk=pk)
    try:
        gifts, errors = read_request_file(form.cleaned_data["file"].read())
    except SpreadsheetError as exc:
        messages.error(request, str(exc))
        return redirect("finances:request_edit", pk=pk)
    if errors:
        for error in errors[:20]:
            messages.error(request, error)
        messages.error(request, "Aucune ligne n'a été importée : corrigez le fichier.")
        return redirect("finances:request_edit", pk=pk)
    start = donation_request.lines.count()
    if start + len(gifts) > MAX_LINES:
        messages.error(
            request,
            f"Une demande compte au plus {MAX_LINES} dons : celle-ci en a {start}, le fichier "
            f"en apporte {len(gifts)}. Répartissez-les en plusieurs demandes.",
        )
        return redirect("finances:request_edit", pk=pk)
    bulk_create_with_history(
        [
            DonationLine(request=donation_request, position=start + i, **gift)
            for i, gift in enumerate(gifts)
        ],
        DonationLine,
        default_user=request.user,
    )
    messages.success(
        request,
        f"{len(gifts)} don{'s' if len(gifts) > 1 else ''} importé{'s' if len(gifts) > 1 else ''}.",
    )
    return redirect("finances:request_edit", pk=pk)


@sees_receipts
def import_template(request):
    # Dated this year and never in the future: the example passes the checks as it is.
    today = timezone.localdate()
    example = {
        "Nom": "Martin",
        "Prénom": "Claire",
        "Adresse": "3 rue des Lilas",
        "Code postal": "92000",
        "Commune": "Nanterre",
        "Pays": "France",
        "Courriel": "claire.martin@exemple.fr",
        "Montant": 50,
        "Date du don": max(today - datetime.timedelta(days=7), datetime.date(today.year, 1, 1)),
        "Mode de versement": "Chèque",
    }
    company = {
        "Raison sociale": "Boulangerie du Marché",
        "Forme juridique": "SARL",
        "SIREN": "552081317",
        "Adresse": "3 place du Marché",
        "Code postal": "92700",
        "Commune": "Colombes",
        "Pays": "France",
        "Montant": 300,
        "Date du don": example["Date du don"],
        "Mode de versement": "Virement",
    }
    rows = [[row.get(header, "") for header in HEADERS] for row in (example, company)]
    return xlsx_response(write_xlsx(list(HEADERS), rows, "Dons"), "modele-demande-recus.xlsx")


@sees_receipts
def request_delete(request, pk):
    """A draft is deleted by its editors, after a confirmation page; nothing else ever is."""
    donation_request = get_rw_donation_request(request, pk)
    if donation_request.status != DonationRequest.Status.DRAFT:
        messages.error(
            request,
            "Seul un brouillon peut être supprimé : cette demande est "
            f"{donation_request.get_status_display().lower()}.",
        )
        return redirect("finances:request_detail", pk=pk)
    if request.method == "POST":
        with transaction.atomic():
            locked = DonationRequest.objects.select_for_update().get(pk=pk)
            if locked.status == DonationRequest.Status.DRAFT:
                locked.delete()
        messages.success(request, f"Brouillon n° {pk} supprimé.")
        return redirect("finances:request_list")
    return render(
        request,
        "finances/request_delete.html",
        {"donation_request": donation_request, "line_count": donation_request.lines.count()},
    )


@require_POST
@sees_receipts
def request_validate(request, pk):
    donation_request = get_donation_request(request, pk)
    require(donation_request.can_be_decided_by(request.user))
    try:
        receipts = services.validate(donation_request.pk, request.user)
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Demande validée : {len(receipts)} reçu{'s' if len(receipts) > 1 else ''} émis, "
            "PDF en cours de production.",
        )
    return redirect("finances:request_detail", pk=pk)


def _decide(request, pk, action, done_message):
    donation_request = get_donation_request(request, pk)
    require(donation_request.can_be_decided_by(request.user))
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez le motif.")
        return redirect("finances:request_detail", pk=pk)
    try:
        with transaction.atomic():
            action(donation_request, request.user, form.cleaned_data["reason"])
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done_message)
    return redirect("finances:request_detail", pk=pk)


@require_POST
@sees_receipts
def request_send_back(request, pk):
    return _decide(
        request, pk, services.send_back, "Demande renvoyée au mandataire pour correction."
    )


@require_POST
@sees_receipts
def request_reject(request, pk):
    return _decide(request, pk, services.reject, "Demande rejetée ; le mandataire est prévenu.")
