import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from occe.accounts.access import require, secretariat_only, staff_or_board
from occe.core.models import Association, SchoolYear, year_from_request
from occe.core.pdf import render_pdf

from ..figures import CAMPAIGN_STATES, amount_to_collect, campaign_lists, campaign_url
from ..forms import AffiliationForm, CancelPaymentForm, PaymentForm, ReminderForm
from ..models import Affiliation, Cooperative, ReminderBatch
from ..tasks import mandataire_emails, reminder_message, send_affiliation_reminders
from .cooperatives import get_cooperative, sees_cooperatives


def get_year(label) -> SchoolYear:
    year = SchoolYear.objects.from_label(label)
    if year is None:
        raise Http404
    return year


def get_affiliation(request, pk, year, *, started=False) -> Affiliation:
    """Read: the coop's affiliation of the year, or a new unsaved one (not started yet; a 404
    instead when `started`). A 404 outside the user's scope."""
    cooperative = get_cooperative(request, pk)
    school_year = get_year(year)
    affiliation = Affiliation.objects.filter(
        cooperative=cooperative, school_year=school_year
    ).first() or Affiliation(cooperative=cooperative, school_year=school_year)
    if started and affiliation.pk is None:
        raise Http404
    affiliation.cooperative, affiliation.school_year = cooperative, school_year
    return affiliation


def get_rw_affiliation(request, pk, year, *, started=False) -> Affiliation:
    """Read-write, the secretariat's side (validate, reopen, payments): a 403 for the others.
    The mandataire's side asks `can_be_edited_by` / `can_be_declared_by`."""
    affiliation = get_affiliation(request, pk, year, started=started)
    require(affiliation.can_be_managed_by(request.user))
    return affiliation


def _form(request, affiliation, *, submitting=False) -> AffiliationForm:
    data = request.POST if request.method == "POST" else None
    return AffiliationForm(
        data,
        instance=affiliation,
        submitting=submitting,
        with_engagement=affiliation.can_be_submitted_by(request.user),
    )


def _back(affiliation) -> HttpResponse:
    return redirect(
        "cooperatives:affiliation",
        pk=affiliation.cooperative_id,
        year=affiliation.school_year.label,
    )


def _page(request, affiliation, form=None, payment_form=None) -> HttpResponse:
    """The affiliation page; a form given back with its errors keeps what was typed."""
    user = request.user
    association = Association.get()
    editable = affiliation.can_be_edited_by(user)
    if editable and form is None:
        form = _form(request, affiliation)
    if affiliation.is_editable:
        affiliation.compute_fee(association)  # with the typed figures when a form came back
    can_pay = affiliation.can_record_payment(user)
    context = {
        "coop": affiliation.cooperative,
        "affiliation": affiliation,
        "year": affiliation.school_year,
        "association": association,
        "form": form if editable else None,
        "can_submit": affiliation.can_be_submitted_by(user),
        "can_validate": affiliation.can_be_validated_by(user),
        "can_reopen": affiliation.can_be_reopened_by(user),
        "payments": affiliation.payments.select_related("recorded_by", "cancelled_by")
        if affiliation.pk
        else [],
        "payment_form": (payment_form or PaymentForm()) if can_pay else None,
    }
    return render(request, "cooperatives/affiliation.html", context)


def _fee_preview(request, affiliation) -> HttpResponse:
    """The fee recomputed from the figures being typed (HTMX, nothing saved)."""
    invalid = False
    if affiliation.can_be_edited_by(request.user):
        form = AffiliationForm(request.GET, instance=affiliation)
        form.is_valid()  # assigns the valid figures to the (unsaved) instance
        invalid = any(name in form.errors for name in ("classes", "pupils", "adults"))
    if affiliation.is_editable and not invalid:
        affiliation.compute_fee()
    context = {
        "affiliation": affiliation,
        "association": Association.get(),
        "invalid": invalid,
        "live": affiliation.can_be_edited_by(request.user),
    }
    return render(request, "cooperatives/includes/affiliation_fee.html", context)


@sees_cooperatives
def affiliation_edit(request, pk, year):
    affiliation = get_affiliation(request, pk, year)
    if request.method == "GET" and request.htmx:
        return _fee_preview(request, affiliation)
    if request.method == "POST":
        require(affiliation.can_be_edited_by(request.user))
        form = _form(request, affiliation)
        if not form.is_valid():
            return _page(request, affiliation, form)
        affiliation = form.save(commit=False)
        affiliation.compute_fee()
        affiliation.save()
        messages.success(request, "Affiliation enregistrée.")
        return _back(affiliation)
    return _page(request, affiliation)


@require_POST
@sees_cooperatives
def affiliation_submit(request, pk, year):
    """ "Enregistrer et soumettre": the figures typed and the engagement, in one form."""
    affiliation = get_affiliation(request, pk, year)
    require(affiliation.can_be_declared_by(request.user))
    if not affiliation.is_draft:
        messages.info(request, "Cette affiliation a déjà été soumise.")
        return _back(affiliation)
    form = _form(request, affiliation, submitting=True)
    if not form.is_valid():
        return _page(request, affiliation, form)
    with transaction.atomic():
        form.save(commit=False).submit(request.user)
    messages.success(request, "Affiliation soumise : l'association va la valider.")
    return _back(affiliation)


@require_POST
@sees_cooperatives
def affiliation_validate(request, pk, year):
    """ "Enregistrer et valider" (secretariat): the figures on screen are the ones validated
    (also for a coop that sent them on paper, whose affiliation was not started)."""
    affiliation = get_rw_affiliation(request, pk, year)
    if affiliation.is_validated:
        messages.info(request, "Cette affiliation était déjà validée.")
        return _back(affiliation)
    form = _form(request, affiliation)
    if not form.is_valid():
        return _page(request, affiliation, form)
    with transaction.atomic():
        form.save(commit=False).validate(request.user)
    messages.success(
        request,
        f"Affiliation {year} de {affiliation.cooperative.number} validée : les mandataires "
        "en sont avertis par courriel.",
    )
    return _back(affiliation)


@require_POST
@sees_cooperatives
def affiliation_reopen(request, pk, year):
    affiliation = get_rw_affiliation(request, pk, year, started=True)
    try:
        affiliation.reopen()
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, "Affiliation remise en brouillon : le mandataire peut la corriger."
        )
    return _back(affiliation)


@sees_cooperatives
def affiliation_attestation(request, pk, year):
    affiliation = get_affiliation(request, pk, year, started=True)
    cooperative = affiliation.cooperative
    if not affiliation.is_validated:
        messages.info(request, "L'attestation sera disponible une fois l'affiliation validée.")
        return _back(affiliation)
    pdf = render_pdf(
        "cooperatives/attestation.html",
        {"coop": cooperative, "affiliation": affiliation, "association": Association.get()},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"attestation-affiliation-{cooperative.number}-{year}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Payments of the fee ------------------------------------------------------------------------


@require_POST
@sees_cooperatives
def payment_create(request, pk, year):
    affiliation = get_rw_affiliation(request, pk, year, started=True)
    if not affiliation.can_record_payment(request.user):
        messages.info(request, "Aucun paiement à enregistrer : la cotisation est réglée.")
        return _back(affiliation)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            affiliation.record_payment(**form.cleaned_data, user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Paiement enregistré.")
            return _back(affiliation)
    return _page(request, affiliation, payment_form=form)


@sees_cooperatives
def payment_cancel(request, pk, year, payment_pk):
    affiliation = get_rw_affiliation(request, pk, year, started=True)
    payment = get_object_or_404(affiliation.payments.valid(), pk=payment_pk)
    form = CancelPaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        payment.cancel(request.user, form.cleaned_data["reason"])
        messages.success(request, f"Paiement de {payment} annulé.")
        return _back(affiliation)
    context = {"form": form, "payment": payment, "affiliation": affiliation}
    return render(request, "cooperatives/payment_cancel.html", context)


# The campaign -------------------------------------------------------------------------------


def _campaign_rows(queryset, year):
    """The coops of a tab, with their affiliation of the year: status, fee, what remains."""
    affiliation = Affiliation.objects.filter(cooperative=OuterRef("pk"), school_year=year)
    fee = F("fee_pupils") + F("fee_adults") + F("fee_insurance")
    return (
        queryset.select_related("circonscription")
        .annotate(
            year_status=Subquery(affiliation.values("status")[:1]),
            year_members=Subquery(
                affiliation.annotate(n=F("pupils") + F("adults")).values("n")[:1]
            ),
            year_fee=Subquery(affiliation.annotate(fee=fee).values("fee")[:1]),
            year_due=Subquery(
                affiliation.with_paid().annotate(due=fee - F("paid_total")).values("due")[:1]
            ),
        )
        .order_by("number")
    )


@staff_or_board
def campaign(request):
    year = year_from_request(request)
    previous = year.previous()
    lists = campaign_lists(year)
    state = request.GET.get("etat")
    state = state if state in lists else "non_commencees"
    counts = {key: queryset.count() for key, queryset in lists.items()}
    states = [(key, label, counts[key], campaign_url(year, key)) for key, label in CAMPAIGN_STATES]
    context = {
        "year": year,
        "previous": previous,
        "state": state,
        "state_label": dict(CAMPAIGN_STATES)[state],
        "with_fees": state in ("validees", "a_encaisser", "radiees"),
        "states": states,
        "counts": counts,
        "active": Cooperative.objects.active().count(),
        "to_collect": amount_to_collect(year),
        "totals": Affiliation.objects.affiliated(year).totals(),
        "previous_totals": Affiliation.objects.affiliated(previous).totals(),
        "struck_off": Affiliation.objects.struck_off(year).totals(),
        "previous_struck_off": Affiliation.objects.struck_off(previous).totals(),
        "page": Paginator(_campaign_rows(lists[state], year), 50).get_page(request.GET.get("page")),
        "statuses": dict(Affiliation.Status.choices),
        "batches": ReminderBatch.objects.filter(school_year=year).select_related("created_by")[:5],
        "years": SchoolYear.objects.up_to_current(),
    }
    return render(request, "cooperatives/campaign.html", context)


@secretariat_only
def campaign_remind_preview(request):
    """What the reminder will say, and to whom, before it is sent."""
    year = year_from_request(request)
    form = ReminderForm(request.GET if "target" in request.GET else None)
    target = form.cleaned_data["target"] if form.is_valid() else ReminderBatch.Target.BOTH
    coops = Cooperative.objects.to_remind(year, target).order_by("number")
    emails = mandataire_emails(coops.values("pk"))
    sample = coops.filter(pk__in=list(emails)).first()
    association = Association.get()
    counts = {key: Cooperative.objects.to_remind(year, key).count() for key in ReminderBatch.Target}
    context = {
        "year": year,
        "options": [(radio, counts[radio.data["value"]]) for radio in form["target"]],
        "lists": {key: campaign_url(year, key) for key in ("brouillons", "non_commencees")},
        "target": target,
        "coops": coops.count(),
        "reached": len(emails),
        "addresses": sum(len(addresses) for addresses in emails.values()),
        "message": reminder_message(sample, year, association) if sample else None,
        "sample": sample,
        "association": association,
    }
    return render(request, "cooperatives/campaign_remind.html", context)


@require_POST
@secretariat_only
def campaign_remind(request):
    year = get_year(request.POST.get("annee", ""))
    form = ReminderForm(request.POST)
    target = form.cleaned_data["target"] if form.is_valid() else ReminderBatch.Target.BOTH
    campaign_page = f"{reverse('cooperatives:campaign')}?annee={year.label}"
    with transaction.atomic():
        # Serialises concurrent clicks: one batch at a time per year.
        SchoolYear.objects.select_for_update().get(pk=year.pk)
        running = ReminderBatch.objects.filter(
            school_year=year,
            finished_at__isnull=True,
            created_at__gte=timezone.now() - datetime.timedelta(hours=1),
        )
        if running.exists():
            messages.info(request, "Une relance est déjà en cours d'envoi pour cette année.")
            return redirect(campaign_page)
        batch = ReminderBatch.objects.create(
            school_year=year, target=target, created_by=request.user
        )
        send_affiliation_reminders.delay_on_commit(batch.pk)
    messages.success(
        request,
        f"Les relances ({batch.get_target_display().lower()}) partent en arrière-plan vers les "
        "mandataires.",
    )
    return redirect(campaign_page)
