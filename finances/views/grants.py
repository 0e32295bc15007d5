"""Grants: applications by mandataires, the commission's sessions (administrators give opinions
and decide), payments by the secretariat, the bilan; Trousse à projets pay-backs, municipal
subsidies, insurance claims; the figures.

Every object is reached through a query scoped to the user (another coop's → 404); a reader
trying to act gets a 403."""

import mimetypes
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from occe.accounts import rules
from occe.accounts.access import require, role_required, secretariat_only, staff_or_board
from occe.core.import_views import ImportViews
from occe.core.models import SchoolYear, year_from_request
from occe.core.pdf import render_pdf
from occe.core.spreadsheets import write_xlsx, xlsx_response

from .. import indicators_grants as figures_of
from ..forms_grants import (
    MAX_CLAIM_DOCUMENTS,
    ApplicationEditor,
    ClaimDocumentForm,
    DecisionForm,
    GrantDocumentForm,
    GrantPaymentForm,
    GrantSessionForm,
    InsuranceClaimForm,
    MunicipalSubsidyForm,
    OpinionForm,
    PaybackImportForm,
    PaymentCancelForm,
    ReportForm,
    SubmitForm,
    TroussePaybackForm,
)
from ..imports_grants import TroussePaybackImporter
from ..models import (
    Crfs,
    GrantApplication,
    GrantDocument,
    GrantOpinion,
    GrantPayment,
    GrantSession,
    InsuranceClaim,
    InsuranceClaimDocument,
    TroussePayback,
    last_crfs_balance,
)
from ..models.grants import (
    DOUBLE_COUNT_RULE,
    MAX_DOCUMENTS,
    grants_of_last_years,
    subsidies_of_year,
)
from ..services import grants as services
from ..services.errors import WorkflowError

PAGE_SIZE = 50
Status = GrantApplication.Status

sees_grants = role_required(rules.sees_grants)
manages_sessions = role_required(rules.manages_grant_sessions)
board_only = role_required(rules.is_board_member)
mandataire_only = role_required(rules.is_mandataire)


def get_application(request, pk) -> GrantApplication:
    queryset = GrantApplication.objects.visible_to(request.user).select_related(
        "cooperative", "session", "requested_by", "decided_by"
    )
    return get_object_or_404(queryset, pk=pk)


def get_editable_application(request, pk) -> GrantApplication:
    """The application its requester may still change: a 404 outside the user's scope, a 403
    once it is filed (or for a reader)."""
    application = get_application(request, pk)
    require(application.is_editable_by(request.user))
    return application


def perform(request, target, action, success: str, *args, **kwargs):
    try:
        action(*args, **kwargs)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(target.get_absolute_url())


# --- Applications ----------------------------------------------------------------------------


@sees_grants
def application_list(request):
    queryset = (
        GrantApplication.objects.visible_to(request.user)
        .select_related("cooperative", "session")
        .order_by("-created_at", "-pk")
    )
    status = request.GET.get("statut", "")
    if status in Status.values:
        queryset = queryset.filter(status=status)
    to_pay = request.GET.get("a_verser") == "1"
    if to_pay:
        queryset = queryset.to_pay()
    waiting = request.GET.get("en_attente") == "1"
    if waiting:
        queryset = queryset.waiting()
    session = None
    if request.GET.get("session", "").isdigit():
        session = GrantSession.objects.filter(pk=request.GET["session"]).first()
        queryset = queryset.filter(session=session)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "finances/grants/application_list.html",
        {
            "page": page,
            "statuses": Status.choices,
            "status": status,
            "to_pay": to_pay,
            "waiting": waiting,
            "session": session,
            "can_apply": request.user.is_mandataire,
            "open_sessions": GrantSession.objects.open_for_applications().order_by("deadline"),
        },
    )


def _editor_page(request, editor, application=None):
    coop_balance = None
    if application is not None:
        coop_balance = last_crfs_balance(application.cooperative)
    return render(
        request,
        "finances/grants/application_form.html",
        {
            "editor": editor,
            "form": editor.form,
            "application": application,
            "crfs_balance": coop_balance,
        },
    )


@mandataire_only
def application_create(request):
    editor = ApplicationEditor(request.POST or None, user=request.user)
    if request.method == "POST" and editor.is_valid():
        with transaction.atomic():
            application = editor.form.save(commit=False)
            application.kind = application.session.kind
            application.requested_by = request.user
            application.save()
            services.save_budget(application, editor.lines())
        messages.success(
            request, "Demande enregistrée en brouillon : déposez-la quand elle est prête."
        )
        return redirect(application)
    return _editor_page(request, editor)


@sees_grants
def application_edit(request, pk):
    application = get_editable_application(request, pk)
    editor = ApplicationEditor(request.POST or None, user=request.user, instance=application)
    if request.method == "POST" and editor.is_valid():
        with transaction.atomic():
            application = editor.form.save(commit=False)
            application.kind = application.session.kind
            application.save()
            services.save_budget(application, editor.lines())
        messages.success(request, "Demande enregistrée.")
        return redirect(application)
    return _editor_page(request, editor, application)


@sees_grants
def application_detail(request, pk):
    application = get_application(request, pk)
    user = request.user
    lines = list(application.budget_lines.all())
    expenses, resources = application.budget_totals()
    editable = application.is_editable_by(user)
    context = {
        "application": application,
        "expenses": [line for line in lines if line.side == "depense"],
        "resources": [line for line in lines if line.side == "recette"],
        "expenses_total": expenses,
        "resources_total": resources,
        "documents": list(application.documents.all()),
        "payments": list(
            GrantPayment.objects.visible_to(user)
            .filter(application=application)
            .select_related("recorded_by", "cancelled_by", "corrects")
        ),
        "can_cancel_payments": user.is_secretariat,
        "payment_history": payment_history(application) if user.sees_everything else [],
        "editable": editable,
        "problems": services.submission_problems(application) if editable else [],
        "submit_form": SubmitForm(),
        "document_form": GrantDocumentForm(),
        "can_pay": user.is_secretariat
        and application.status == Status.GRANTED
        and application.remaining_to_pay > 0,
        "payment_form": GrantPaymentForm(initial={"date": timezone.localdate()}),
        "can_report": application.report_is_editable_by(user),
        "report_form": ReportForm(
            initial={"text": application.report_text, "expenses": application.report_expenses}
        ),
        # Opinions and the commission's work are the board's and staff's, not the coop's.
        "opinions": list(application.opinions.select_related("administrator"))
        if user.sees_everything
        else [],
    }
    return render(request, "finances/grants/application_detail.html", context)


@sees_grants
@require_POST
def application_submit(request, pk):
    application = get_editable_application(request, pk)
    form = SubmitForm(request.POST)
    form.is_valid()
    return perform(
        request,
        application,
        services.submit,
        "Demande déposée : elle sera examinée par la commission.",
        application,
        request.user,
        form.cleaned_data.get("engaged", False),
    )


@sees_grants
@require_POST
def document_add(request, pk):
    application = get_editable_application(request, pk)
    form = GrantDocumentForm(request.POST, request.FILES)
    if application.documents.count() >= MAX_DOCUMENTS:
        messages.error(request, f"Au plus {MAX_DOCUMENTS} pièces jointes par demande.")
    elif form.is_valid():
        file = form.cleaned_data["file"]
        GrantDocument.objects.create(
            application=application,
            file=file,
            name=file.name[:200],
            uploaded_by=request.user,
        )
        messages.success(request, "Pièce jointe ajoutée.")
    else:
        messages.error(request, " ".join(form.errors.get("file", [])))
    return redirect(application)


@sees_grants
def document(request, pk):
    document = get_object_or_404(
        GrantDocument.objects.filter(
            application__in=GrantApplication.objects.visible_to(request.user)
        ),
        pk=pk,
    )
    content_type = mimetypes.guess_type(document.name)[0] or "application/octet-stream"
    return FileResponse(
        document.file.open("rb"),
        content_type=content_type,
        as_attachment=True,
        filename=document.name,
    )


@sees_grants
def application_letter(request, pk):
    from ..tasks.grants import decision_letter_pdf

    application = get_application(request, pk)
    require(application.is_decided)
    response = HttpResponse(decision_letter_pdf(application), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="decision-{application.pk}.pdf"'
    return response


@board_only
@require_POST
def application_opinion(request, pk):
    application = get_application(request, pk)
    # The commission's page holds one form per application: their fields are prefixed.
    form = OpinionForm(request.POST, prefix=f"avis-{application.pk}")
    if not form.is_valid():
        messages.error(request, "Avis incomplet : indiquez l'avis et un montant lisible.")
        return redirect(application.session)
    data = form.cleaned_data
    try:
        services.give_opinion(
            application,
            request.user,
            data["opinion"],
            data["proposed_amount"] or Decimal("0"),
            data["comment"],
        )
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Avis enregistré sur « {application.title} ».")
    return redirect(application.session)


@board_only
@require_POST
def application_decide(request, pk):
    application = get_application(request, pk)
    form = DecisionForm(request.POST, prefix=f"decision-{application.pk}")
    if not form.is_valid():
        messages.error(request, "Décision incomplète : choisissez « accordée » ou « refusée ».")
        return redirect(application.session)
    data = form.cleaned_data
    try:
        services.decide(
            application,
            request.user,
            data["decision"] == "accordee",
            data["amount"],
            data["note"],
        )
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Décision enregistrée sur « {application.title} » ; la lettre part au mandataire.",
        )
    return redirect(application.session)


@secretariat_only
@require_POST
def application_pay(request, pk):
    application = get_application(request, pk)
    form = GrantPaymentForm(request.POST)
    if not form.is_valid():
        errors = [e for field in form.errors.values() for e in field]
        messages.error(request, "Versement non enregistré : " + " ".join(errors))
        return redirect(application)
    data = form.cleaned_data
    return perform(
        request,
        application,
        services.record_payment,
        "Versement enregistré.",
        application,
        request.user,
        data["date"],
        data["amount"],
        data["reference"],
    )


def payment_history(application) -> list[dict]:
    """Who recorded, cancelled or corrected the application's payments, and when (the audit
    history of the payments), newest first."""
    from occe.core.history import history_events, newest_first

    records = (
        GrantPayment.history.filter(application_id=application.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    events = history_events(
        records,
        GrantPayment,
        subject=lambda record: f"Versement {record.reference}",
        exclude=["application", "recorded_at", "recorded_by", "cancelled_at", "cancelled_by"],
    )
    return newest_first(events)


@secretariat_only
def payment_cancel(request, pk):
    """Cancel a payment recorded by mistake, or correct it (cancel it and record the right one):
    the secretariat only; the payment stays, marked cancelled."""
    payment = get_object_or_404(
        GrantPayment.objects.visible_to(request.user).select_related(
            "application__cooperative", "recorded_by"
        ),
        pk=pk,
    )
    application = payment.application
    if payment.is_cancelled:
        messages.error(request, "Ce versement est déjà annulé.")
        return redirect(application)
    form = PaymentCancelForm(
        request.POST or None,
        initial={"date": payment.date, "amount": payment.amount, "reference": payment.reference},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == PaymentCancelForm.CORRECT:
                services.correct_payment(
                    payment,
                    request.user,
                    data["reason"],
                    data["date"],
                    data["amount"],
                    data["reference"],
                )
                success = "Versement corrigé : l'ancien est annulé, le versement exact enregistré."
            else:
                services.cancel_payment(payment, request.user, data["reason"])
                success = "Versement annulé : il ne compte plus dans le montant versé."
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, success)
            return redirect(application)
    return render(
        request,
        "finances/grants/payment_cancel.html",
        {"form": form, "payment": payment, "application": application},
    )


@sees_grants
def application_report(request, pk):
    application = get_application(request, pk)
    require(application.report_is_editable_by(request.user))
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.submit_report(
            application, request.user, form.cleaned_data["text"], form.cleaned_data["expenses"]
        )
        messages.success(request, "Bilan remis.")
        return redirect(application)
    return render(
        request,
        "finances/grants/report_form.html",
        {"application": application, "form": form},
    )


# --- Sessions and the commission ------------------------------------------------------------


@staff_or_board
def session_list(request):
    sessions = GrantSession.objects.order_by("-date", "-pk")
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "finances/grants/session_list.html",
        {"page": page, "can_manage": request.user.is_secretariat or request.user.is_board_member},
    )


@manages_sessions
def session_create(request):
    form = GrantSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = form.save()
        messages.success(
            request, "Session créée : elle reçoit les demandes jusqu'à sa date limite."
        )
        return redirect(session)
    return render(request, "finances/grants/session_form.html", {"form": form, "session": None})


@manages_sessions
def session_edit(request, pk):
    session = get_object_or_404(GrantSession, pk=pk)
    form = GrantSessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Session enregistrée.")
        return redirect(session)
    return render(request, "finances/grants/session_form.html", {"form": form, "session": session})


@manages_sessions
@require_POST
def session_advance(request, pk):
    session = get_object_or_404(GrantSession, pk=pk)
    return perform(
        request,
        session,
        services.advance_session,
        "Session passée à l'étape suivante.",
        session,
        request.user,
    )


def commission_rows(session: GrantSession, user) -> tuple[list[dict], Decimal]:
    """The session's applications (drafts left out) with the coop's facts, the opinions, the
    proposed amount (granted, or the mean of the opinions) and the running total."""
    applications = list(
        session.applications.exclude(status=Status.DRAFT)
        .select_related("cooperative")
        .prefetch_related("opinions__administrator")
        .order_by("cooperative__number", "pk")
    )
    coops = {a.cooperative_id for a in applications}
    received = grants_of_last_years(coops, session.date)
    from cooperatives.models import Affiliation

    pupils = dict(
        Affiliation.objects.filter(
            cooperative_id__in=coops, school_year=SchoolYear.objects.for_date(session.date)
        ).values_list("cooperative_id", "pupils")
    )
    balances = Crfs.objects.last_balances({a.cooperative_id for a in applications})
    rows, running = [], Decimal("0")
    for application in applications:
        opinions = list(application.opinions.all())
        if application.status == Status.GRANTED:
            proposed = application.granted_amount
        elif application.status == Status.REFUSED:
            proposed = Decimal("0")
        elif opinions:
            proposed = (sum(o.proposed_amount for o in opinions) / len(opinions)).quantize(
                Decimal("0.01")
            )
        else:
            proposed = application.amount_requested
        running += proposed
        mine = next((o for o in opinions if o.administrator_id == user.pk), None)
        rows.append(
            {
                "application": application,
                "pupils": pupils.get(application.cooperative_id),
                "received": received.get(application.cooperative_id, Decimal("0")),
                "crfs_balance": balances.get(application.cooperative_id),
                "opinions": opinions,
                "proposed": proposed,
                "running": running,
                "over": running > session.envelope,
                "opinion_form": OpinionForm(instance=mine, prefix=f"avis-{application.pk}"),
                "decision_form": DecisionForm(
                    prefix=f"decision-{application.pk}",
                    initial={"amount": proposed or None},
                ),
            }
        )
    return rows, running


@staff_or_board
def session_detail(request, pk):
    """The commission's page: the session's applications, coop facts, opinions, decisions."""
    session = get_object_or_404(GrantSession, pk=pk)
    rows, total = commission_rows(session, request.user)
    granted = session.applications.filter(status=Status.GRANTED)
    paid = sum((a.paid_amount for a in granted), Decimal("0"))
    granted_total = sum((a.granted_amount for a in granted), Decimal("0"))
    return render(
        request,
        "finances/grants/session_detail.html",
        {
            "session": session,
            "rows": rows,
            "total": total,
            "remaining_envelope": session.envelope - total,
            "over_by": total - session.envelope,
            "granted_total": granted_total,
            "paid_total": paid,
            "to_pay": granted_total - paid,
            "is_board": request.user.is_board_member,
            "can_manage": request.user.is_secretariat or request.user.is_board_member,
            "reviewing": session.status == GrantSession.Status.REVIEW,
        },
    )


def _minutes_rows(session):
    return [
        (
            a.cooperative.number,
            a.cooperative.name,
            a.title,
            a.amount_requested,
            a.get_status_display(),
            a.granted_amount,
            a.paid_amount,
            a.decision_note,
        )
        for a in session.applications.exclude(status=Status.DRAFT)
        .select_related("cooperative")
        .order_by("cooperative__number", "pk")
    ]


MINUTES_HEADERS = [
    "Coopérative",
    "École",
    "Projet",
    "Demandé",
    "Décision",
    "Accordé",
    "Versé",
    "Note ou motif",
]


@staff_or_board
def session_minutes_pdf(request, pk):
    session = get_object_or_404(GrantSession, pk=pk)
    from occe.core.models import Association

    pdf = render_pdf(
        "finances/grants/pdf/minutes.html",
        {
            "session": session,
            "rows": _minutes_rows(session),
            "headers": MINUTES_HEADERS,
            "association": Association.get(),
            "opinions": GrantOpinion.objects.filter(application__session=session)
            .values("administrator")
            .distinct()
            .count(),
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="proces-verbal-{session.pk}.pdf"'
    return response


@staff_or_board
def session_minutes_xlsx(request, pk):
    session = get_object_or_404(GrantSession, pk=pk)
    content = write_xlsx(MINUTES_HEADERS, _minutes_rows(session), title="Procès-verbal")
    return xlsx_response(content, f"proces-verbal-{session.pk}.xlsx")


# --- Trousse à projets pay-backs, subsidies, insurance claims -------------------------------


def _year_list(request, model, template, extra=None, date_field="date"):
    year = year_from_request(request)
    queryset = model.objects.visible_to(request.user).select_related("cooperative")
    if date_field:
        queryset = queryset.of_year(year, date_field)
    else:
        queryset = queryset.filter(school_year=year)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "year": year,
        "years": SchoolYear.objects.up_to_current(),
        "can_edit": request.user.is_secretariat,
        **(extra or {}),
    }
    return render(request, template, context)


@sees_grants
def payback_list(request):
    year = year_from_request(request)
    return _year_list(
        request,
        TroussePayback,
        "finances/grants/payback_list.html",
        {"totals": figures_of.trousse_totals(year) if request.user.sees_everything else None},
    )


def _secretariat_form(request, form_class, title, success, target, instance=None):
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, success)
        return redirect(target)
    return render(
        request,
        "finances/grants/simple_form.html",
        {"form": form, "title": title, "back": reverse(target)},
    )


@secretariat_only
def payback_create(request):
    return _secretariat_form(
        request,
        TroussePaybackForm,
        "Nouveau reversement de la Trousse à projets",
        "Reversement enregistré.",
        target="finances:payback_list",
    )


@sees_grants
def claim_list(request):
    return _year_list(
        request, InsuranceClaim, "finances/grants/claim_list.html", date_field="event_date"
    )


def get_claim(request, pk) -> InsuranceClaim:
    """The claim through the user's scoped query: another coop's claim is not found."""
    return get_object_or_404(
        InsuranceClaim.objects.visible_to(request.user).select_related("cooperative"), pk=pk
    )


def attach_claim_documents(claim, user, kind: str, files) -> int:
    for file in files:
        InsuranceClaimDocument.objects.create(
            claim=claim, kind=kind, file=file, name=file.name[:200], uploaded_by=user
        )
    return len(files)


def _claim_form(request, claim=None):
    form = InsuranceClaimForm(request.POST or None, request.FILES or None, instance=claim)
    if request.method == "POST" and form.is_valid():
        files = form.cleaned_data.get("documents") or []
        present = claim.documents.count() if claim else 0
        if present + len(files) > MAX_CLAIM_DOCUMENTS:
            form.add_error("documents", f"Au plus {MAX_CLAIM_DOCUMENTS} pièces par sinistre.")
            form.files_lost = True
        else:
            with transaction.atomic():
                claim = form.save()
                added = attach_claim_documents(
                    claim, request.user, form.cleaned_data["document_kind"], files
                )
            message = "Sinistre enregistré."
            if added:
                message += (
                    f" {added} pièce{'s' if added > 1 else ''} jointe{'s' if added > 1 else ''}."
                )
            messages.success(request, message)
            return redirect(claim)
    return render(
        request,
        "finances/grants/claim_form.html",
        {
            "form": form,
            "claim": claim,
            "title": f"Sinistre : {claim}" if claim else "Nouveau sinistre",
        },
    )


@secretariat_only
def claim_create(request):
    return _claim_form(request)


@secretariat_only
def claim_edit(request, pk):
    return _claim_form(request, get_object_or_404(InsuranceClaim, pk=pk))


@sees_grants
def claim_detail(request, pk):
    claim = get_claim(request, pk)
    return render(
        request,
        "finances/grants/claim_detail.html",
        {
            "claim": claim,
            "documents": list(claim.documents.select_related("uploaded_by")),
            "can_edit": request.user.is_secretariat,
            "document_form": ClaimDocumentForm() if request.user.is_secretariat else None,
            "max_documents": MAX_CLAIM_DOCUMENTS,
        },
    )


@secretariat_only
@require_POST
def claim_document_add(request, pk):
    claim = get_claim(request, pk)
    form = ClaimDocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [e for field in form.errors.values() for e in field]
        messages.error(
            request,
            "Aucune pièce jointe : " + " ".join(errors) + " Choisissez à nouveau les fichiers.",
        )
        return redirect(claim)
    files = form.cleaned_data["documents"]
    with transaction.atomic():
        # The claim's row locked: two uploads at once never pass the limit together.
        InsuranceClaim.objects.select_for_update().filter(pk=claim.pk).first()
        if claim.documents.count() + len(files) > MAX_CLAIM_DOCUMENTS:
            messages.error(
                request,
                f"Au plus {MAX_CLAIM_DOCUMENTS} pièces par sinistre : aucune n'est ajoutée.",
            )
            return redirect(claim)
        added = attach_claim_documents(
            claim, request.user, form.cleaned_data["document_kind"], files
        )
    messages.success(
        request, f"{added} pièce{'s' if added > 1 else ''} jointe{'s' if added > 1 else ''}."
    )
    return redirect(claim)


@sees_grants
def claim_document(request, pk):
    """A claim's document, for those who may read the claim only (404 otherwise)."""
    document = get_object_or_404(
        InsuranceClaimDocument.objects.filter(
            claim__in=InsuranceClaim.objects.visible_to(request.user)
        ),
        pk=pk,
    )
    handle = document.file.open("rb")
    head = handle.read(8)
    handle.seek(0)
    return FileResponse(
        handle,
        content_type=sniffed_type(head),
        as_attachment=True,
        filename=document.name,
    )


def sniffed_type(head: bytes) -> str:
    """The content type of a checked document by its first bytes, not by its name."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return "application/octet-stream"


@sees_grants
def subsidy_list(request):
    """The year's subsidies from both sources (« saisie », « CRFS »), each row saying its
    source and whether it counts (DOUBLE_COUNT_RULE)."""
    year = year_from_request(request)
    figures = subsidies_of_year(year, request.user)
    page = Paginator(figures.pop("rows"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "finances/grants/subsidy_list.html",
        {
            "page": page,
            "year": year,
            "years": SchoolYear.objects.up_to_current(),
            "can_edit": request.user.is_secretariat,
            "figures": figures,
            "rule": DOUBLE_COUNT_RULE,
        },
    )


@secretariat_only
def subsidy_create(request):
    return _secretariat_form(
        request,
        MunicipalSubsidyForm,
        "Nouvelle subvention communale",
        "Subvention enregistrée.",
        target="finances:subsidy_list",
    )


# --- Figures ---------------------------------------------------------------------------------


def _shown(value) -> str:
    from occe.core.formats import euros, number

    if value is None:
        return "non renseigné"
    return euros(value) if isinstance(value, Decimal) else number(value)


@staff_or_board
def grant_figures(request):
    year = year_from_request(request)
    return render(
        request,
        "finances/grants/figures.html",
        {
            "year": year,
            "years": SchoolYear.objects.up_to_current(),
            "rows": [
                (key, label, _shown(value)) for key, label, value in figures_of.figure_rows(year)
            ],
        },
    )


@staff_or_board
def grant_figures_export(request):
    year = year_from_request(request)
    rows = [(label, key, value) for key, label, value in figures_of.figure_rows(year)]
    content = write_xlsx(["Chiffre", "indicateur", "valeur"], rows, title=f"Aides {year}")
    return xlsx_response(content, f"aides-{year.label}.xlsx")


# --- Import of the Trousse à projets export -------------------------------------------------


class PaybackImport(ImportViews):
    importer_class = TroussePaybackImporter
    form_class = PaybackImportForm
    title = "Importer les reversements de la Trousse à projets"
    templates = "finances/grants/payback_import"
    url_name = "finances:payback_import"
    list_url = "finances:payback_list"
    by_year = False  # a project is known by its reference, whatever the year
    has_template = False  # the platform's own export

    def success_message(self, batch, result):
        return (
            f"Import appliqué : {result['created']} reversement(s) créé(s), "
            f"{result['updated']} mis à jour, {result['unchanged']} inchangé(s)."
        )


payback_flow = PaybackImport()
payback_import = secretariat_only(payback_flow.upload)
payback_import_preview = secretariat_only(payback_flow.preview)
