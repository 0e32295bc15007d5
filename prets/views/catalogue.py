"""The catalogue (availability of each copy over the coming weeks) and the staff's pages for
resources, their photos and copies."""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from occe.accounts.access import staff_only, staff_or_board
from occe.core.history import history_events

from ..availability import GRID_WEEKS, availability_grid, week_start
from ..filters import CatalogueFilter
from ..forms import CopyForm, PhotoForm, ReservationForm, ResourceForm
from ..models import Copy, Reservation, Resource, ResourcePhoto

PAGE_SIZE = 20


def grid_start(request, today: datetime.date) -> datetime.date:
    """The Monday the grid starts on: `?du=2026-12-07`, this week's by default."""
    try:
        chosen = datetime.date.fromisoformat(request.GET.get("du", ""))
    except ValueError:
        chosen = today
    return week_start(chosen)


def _grid_context(request, copies: list[Copy], today: datetime.date) -> dict:
    first = grid_start(request, today)
    step = datetime.timedelta(weeks=GRID_WEEKS)
    return {
        "grid": availability_grid(copies, first, today),
        "previous_start": (first - step).isoformat(),
        "next_start": (first + step).isoformat(),
        "this_week": week_start(today),
    }


def catalogue(request):
    today = timezone.localdate()
    resources = (
        Resource.objects.visible_to(request.user)
        .order_by("title")
        .prefetch_related(
            "themes",
            Prefetch("copies", queryset=Copy.objects.order_by("inventory_number")),
            Prefetch("photos", queryset=ResourcePhoto.objects.order_by("pk")),
        )
    )
    resource_filter = CatalogueFilter(request.GET or None, queryset=resources)
    page = Paginator(resource_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    copies = [copy for resource in page for copy in resource.copies.all()]
    context = {"filter": resource_filter, "page": page, **_grid_context(request, copies, today)}
    for resource in page:
        resource.grid_rows = context["grid"].rows.get(resource.pk, [])
    template = "prets/catalogue.html"
    if request.htmx and not request.htmx.boosted:
        template = "prets/includes/catalogue_results.html"
    return render(request, template, context)


def get_resource(request, pk) -> Resource:
    return get_object_or_404(Resource.objects.visible_to(request.user), pk=pk)


def resource_detail(request, pk):
    resource = get_resource(request, pk)
    today = timezone.localdate()
    copies = list(resource.copies.order_by("inventory_number"))
    context = _grid_context(request, copies, today)
    context.update(
        {
            "resource": resource,
            "grid_rows": context["grid"].rows.get(resource.pk, []),
            "contents": list(resource.contents.all()),
            "photos": list(resource.photos.all()),
            "themes": list(resource.themes.all()),
            "can_manage": request.user.is_staff_member,
            "form": None,
            "photo_form": PhotoForm() if request.user.is_staff_member else None,
        }
    )
    if resource.can_be_reserved_by(request.user):
        context["form"] = ReservationForm(resource=resource, user=request.user)
    return render(request, "prets/resource_detail.html", context)


@staff_only
def resource_create(request):
    form = ResourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resource = form.save()
        messages.success(request, "Ressource créée : ajoutez maintenant ses exemplaires.")
        return redirect("prets:resource_detail", pk=resource.pk)
    return render(request, "prets/resource_form.html", {"form": form, "resource": None})


@staff_only
def resource_edit(request, pk):
    resource = get_object_or_404(Resource.objects.editable_by(request.user), pk=pk)
    form = ResourceForm(request.POST or None, instance=resource)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Ressource enregistrée.")
        return redirect("prets:resource_detail", pk=resource.pk)
    return render(request, "prets/resource_form.html", {"form": form, "resource": resource})


@staff_only
@require_POST
def photo_add(request, pk):
    resource = get_object_or_404(Resource.objects.editable_by(request.user), pk=pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        form.save(resource, request.user)
        messages.success(request, "Photo ajoutée.")
    else:
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        messages.error(request, "Photo refusée : " + " ".join(errors))
    return redirect("prets:resource_detail", pk=resource.pk)


def photo(request, pk, size):
    """A photo or its thumbnail, to whoever sees the resource (private files, never a public
    folder). The bytes are JPEG written by PhotoForm, whatever was uploaded."""
    if size not in ("vignette", "grande"):
        raise Http404
    photo = get_object_or_404(
        ResourcePhoto.objects.filter(resource__in=Resource.objects.visible_to(request.user)),
        pk=pk,
    )
    file = photo.thumbnail if size == "vignette" else photo.image
    response = FileResponse(file.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@staff_only
@require_POST
def photo_delete(request, pk):
    photo = get_object_or_404(
        ResourcePhoto.objects.filter(resource__in=Resource.objects.editable_by(request.user)),
        pk=pk,
    )
    resource_pk = photo.resource_id
    photo.image.delete(save=False)
    photo.thumbnail.delete(save=False)
    photo.delete()
    messages.success(request, "Photo supprimée.")
    return redirect("prets:resource_detail", pk=resource_pk)


@staff_only
def copy_create(request, pk):
    resource = get_object_or_404(Resource.objects.editable_by(request.user), pk=pk)
    form = CopyForm(request.POST or None, instance=Copy(resource=resource))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Exemplaire ajouté.")
        return redirect("prets:resource_detail", pk=resource.pk)
    return render(request, "prets/copy_form.html", {"form": form, "resource": resource})


@staff_only
def copy_edit(request, pk):
    copies = Copy.objects.filter(resource__in=Resource.objects.editable_by(request.user))
    copy = get_object_or_404(copies.select_related("resource"), pk=pk)
    form = CopyForm(request.POST or None, instance=copy)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Exemplaire enregistré.")
        return redirect("prets:copy_detail", pk=copy.pk)
    return render(
        request, "prets/copy_form.html", {"form": form, "resource": copy.resource, "copy": copy}
    )


@staff_or_board
def copy_detail(request, pk):
    """A copy's history: its loans, incidents and changes of condition or place."""
    copies = Copy.objects.filter(resource__in=Resource.objects.visible_to(request.user))
    copy = get_object_or_404(copies.select_related("resource"), pk=pk)
    loans = list(
        Reservation.objects.filter(copy=copy)
        .select_related("cooperative")
        .order_by("-start_date", "-pk")
    )
    incidents = list(
        copy.incidents.select_related("reservation", "opened_by", "resolved_by").order_by(
            "-opened_on", "-pk"
        )
    )
    records = copy.history.select_related("history_user").order_by("history_date")
    changes = history_events(records, Copy, "Exemplaire", exclude=["resource"])
    changes.reverse()
    return render(
        request,
        "prets/copy_detail.html",
        {
            "copy": copy,
            "loans": loans,
            "incidents": incidents,
            "changes": changes,
            "can_manage": request.user.is_staff_member,
            "today": timezone.localdate(),
        },
    )
