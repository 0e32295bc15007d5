import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from occe.accounts.access import require, secretariat_only, staff_or_board
from occe.core.models import Association, SchoolYear, year_from_request
from occe.core.pdf import render_pdf

from ..forms import AffiliationForm, SubmitAffiliationForm
from ..models import Affiliation, Cooperative, ReminderBatch
from ..tasks import cooperatives_to_remind, send_affiliation_reminders
from .cooperatives import get_cooperative, sees_cooperatives


def get_year(label) -> SchoolYear:
    year = SchoolYear.objects.from_label(label)
    if year is None:
        raise Http404
    return year


@sees_cooperatives
def affiliation_edit(request, pk, year):
    cooperative = get_cooperative(request, pk)
    school_year = get_year(year)
    affiliation = Affiliation.objects.filter(
        cooperative=cooperative, school_year=school_year
    ).first() or Affiliation(cooperative=cooperative, school_year=school_year)
    user = request.user
    association = Association.get()
    is_draft = affiliation.status == Affiliation.Status.DRAFT
    own = user.is_mandataire and cooperative.is_mandataire(user)
    # The secretariat corrects until validation; the mandataire only while it is a draft.
    editable = affiliation.is_editable if user.is_secretariat else own and is_draft
    form = AffiliationForm(request.POST or None, instance=affiliation)
    if request.method == "POST":
        require(editable)
        if form.is_valid():
            affiliation = form.save(commit=False)
            affiliation.compute_fee(association)
            affiliation.save()
            messages.success(request, "Affiliation enregistrée.")
            return redirect("cooperatives:affiliation", pk=cooperative.pk, year=year)
    elif affiliation.is_editable:
        affiliation.compute_fee(association)
    context = {
        "coop": cooperative,
        "affiliation": affiliation,
        "year": school_year,
        "form": form,
        "editable": editable,
        "submit_form": SubmitAffiliationForm(),
        "association": association,
        "can_validate": user.is_secretariat and affiliation.pk and affiliation.is_editable,
        "can_submit": affiliation.pk and is_draft and own,
    }
    return render(request, "cooperatives/affiliation.html", context)


def _existing(request, pk, year) -> tuple[Cooperative, Affiliation]:
    cooperative = get_cooperative(request, pk)
    affiliation = get_object_or_404(
        Affiliation, cooperative=cooperative, school_year=get_year(year)
    )
    return cooperative, affiliation


@require_POST
@sees_cooperatives
def affiliation_submit(request, pk, year):
    cooperative, affiliation = _existing(request, pk, year)
    require(cooperative.is_mandataire(request.user))
    form = SubmitAffiliationForm(request.POST)
    if affiliation.status != Affiliation.Status.DRAFT:
        messages.error(request, "Cette affiliation a déjà été soumise.")
    elif not form.is_valid():
        messages.error(request, form.errors["engagement"][0])
    else:
        affiliation.submit(request.user)
        messages.success(request, "Affiliation soumise à l'association départementale.")
    return redirect("cooperatives:affiliation", pk=cooperative.pk, year=year)


@require_POST
@sees_cooperatives
def affiliation_validate(request, pk, year):
    cooperative, affiliation = _existing(request, pk, year)
    require(request.user.is_secretariat)
    if affiliation.is_validated:
        messages.info(request, "Cette affiliation était déjà validée.")
    else:
        affiliation.validate(request.user)
        messages.success(request, f"Affiliation {year} de {cooperative.number} validée.")
    return redirect("cooperatives:affiliation", pk=cooperative.pk, year=year)


@require_POST
@sees_cooperatives
def affiliation_reopen(request, pk, year):
    cooperative, affiliation = _existing(request, pk, year)
    require(request.user.is_secretariat)
    affiliation.reopen()
    messages.success(request, "Affiliation remise en brouillon : le mandataire peut la corriger.")
    return redirect("cooperatives:affiliation", pk=cooperative.pk, year=year)


@sees_cooperatives
def affiliation_attestation(request, pk, year):
    cooperative, affiliation = _existing(request, pk, year)
    if not affiliation.is_validated:
        messages.info(request, "L'attestation sera disponible une fois l'affiliation validée.")
        return redirect("cooperatives:affiliation", pk=cooperative.pk, year=year)
    pdf = render_pdf(
        "cooperatives/attestation.html",
        {"coop": cooperative, "affiliation": affiliation, "association": Association.get()},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"attestation-affiliation-{cooperative.number}-{year}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_or_board
def campaign(request):
    year = year_from_request(request)
    previous = year.previous()
    by_status = dict(
        Affiliation.objects.filter(school_year=year)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    validated = Affiliation.objects.filter(school_year=year, status=Affiliation.Status.VALIDATED)
    previous_validated = Affiliation.objects.filter(
        school_year=previous, status=Affiliation.Status.VALIDATED
    )
    state = request.GET.get("etat", "non_affiliees")
    lists = {
        "validees": Cooperative.objects.filter(affiliations__in=validated),
        "soumises": Cooperative.objects.filter(
            affiliations__school_year=year, affiliations__status=Affiliation.Status.SUBMITTED
        ),
        "non_affiliees": cooperatives_to_remind(year).exclude(
            Q(affiliations__school_year=year, affiliations__status=Affiliation.Status.DRAFT)
        ),
        "brouillons": Cooperative.objects.filter(
            affiliations__school_year=year, affiliations__status=Affiliation.Status.DRAFT
        ),
    }
    rows = lists.get(state, lists["non_affiliees"]).select_related("circonscription")
    context = {
        "year": year,
        "previous": previous,
        "state": state,
        "states": [
            ("non_affiliees", "Non affiliées"),
            ("brouillons", "En brouillon"),
            ("soumises", "Soumises"),
            ("validees", "Validées"),
        ],
        "counts": {
            "validated": by_status.get(Affiliation.Status.VALIDATED, 0),
            "submitted": by_status.get(Affiliation.Status.SUBMITTED, 0),
            "draft": by_status.get(Affiliation.Status.DRAFT, 0),
            "to_remind": cooperatives_to_remind(year).count(),
            "active": Cooperative.objects.active().count(),
        },
        "totals": validated.totals(),
        "previous_totals": previous_validated.totals(),
        "page": Paginator(rows.order_by("number"), 50).get_page(request.GET.get("page")),
        "batches": ReminderBatch.objects.filter(school_year=year).select_related("created_by")[:5],
        "years": SchoolYear.objects.up_to_current(),
    }
    return render(request, "cooperatives/campaign.html", context)


@require_POST
@secretariat_only
def campaign_remind(request):
    year = get_year(request.POST.get("annee", ""))
    campaign_url = f"{reverse('cooperatives:campaign')}?annee={year.label}"
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
            return redirect(campaign_url)
        batch = ReminderBatch.objects.create(school_year=year, created_by=request.user)
        send_affiliation_reminders.delay_on_commit(batch.pk)
    messages.success(
        request,
        "Les relances partent en arrière-plan vers les mandataires des coopératives non affiliées.",
    )
    return redirect(campaign_url)
