import mimetypes

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render

from occe.accounts.access import require, role_required, staff_or_board

from .forms import AssociationForm
from .history import history_events, newest_first
from .models import Association, OutboxEmail


@staff_or_board
def association(request):
    association = Association.get()
    can_edit = request.user.is_secretariat
    form = AssociationForm(request.POST or None, request.FILES or None, instance=association)
    if request.method == "POST":
        require(can_edit)
        if form.is_valid():
            form.save()
            messages.success(request, "Paramètres de l'association enregistrés.")
            return redirect("core:association")
        messages.error(request, "Le formulaire contient des erreurs : voir les champs signalés.")
    records = association.history.select_related("history_user").order_by("history_date")
    history = newest_first(history_events(records, Association, "Paramètres"), limit=30)
    return render(
        request,
        "core/association.html",
        {"form": form, "can_edit": can_edit, "history": history, "association": association},
    )


@staff_or_board
def association_file(request, field):
    if field not in {"logo", "signature"}:
        raise Http404
    file = getattr(Association.get(), field)
    if not file:
        raise Http404
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return FileResponse(file.open("rb"), content_type=content_type)


@role_required(lambda user: user.is_superuser)
def outbox(request):
    """E-mails kept by the development backend. They hold invitation and password-reset links:
    superusers only, and nothing to show where the outbox is not the backend (production)."""
    if settings.EMAIL_BACKEND != "occe.core.mail.OutboxBackend":
        raise Http404
    return render(request, "core/outbox.html", {"emails": OutboxEmail.objects.all()[:100]})
