"""Meetings: list by year, level and kind; detail with attendees, decisions, documents and the
convocation sent by e-mail. Staff and board read; the secretariat writes."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from occe.accounts import rules
from occe.accounts.access import get_for_user, get_rw_for_user, secretariat_only, staff_or_board
from occe.core.models import SchoolYear, year_from_request

from .. import indicators
from ..forms import MeetingDocumentForm, MeetingForm
from ..models import Level, Meeting, MeetingDocument
from ..tasks import send_convocations

PAGE_SIZE = 50


def get_meeting(request, pk) -> Meeting:
    return get_for_user(Meeting.objects, request.user, pk=pk)


def get_rw_meeting(request, pk) -> Meeting:
    return get_rw_for_user(Meeting.objects, request.user, pk=pk)


@staff_or_board
def meeting_list(request):
    year = year_from_request(request)
    meetings = Meeting.objects.visible_to(request.user).in_year(year)
    level, kind = request.GET.get("niveau", ""), request.GET.get("type", "")
    if level in Level.values:
        meetings = meetings.filter(level=level)
    if kind in Meeting.Kind.values:
        meetings = meetings.filter(kind=kind)
    meetings = meetings.annotate(attendee_count=Count("attendances")).order_by("starts_at")
    counts = indicators.meetings(year) or {}
    summary = [
        (level_label, kind_label, counts[f"{level_value}.{kind_value}"])
        for level_value, level_label in Level.choices
        for kind_value, kind_label in Meeting.Kind.choices
        if f"{level_value}.{kind_value}" in counts
    ]
    context = {
        "year": year,
        "years": SchoolYear.objects.up_to_current(),
        "page": Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page")),
        "summary": summary,
        "levels": Level.choices,
        "kinds": Meeting.Kind.choices,
        "level": level,
        "kind": kind,
        "can_edit": rules.is_secretariat(request.user),
    }
    return render(request, "association/meeting_list.html", context)


@secretariat_only
def meeting_edit(request, pk=None):
    meeting = get_rw_meeting(request, pk) if pk else Meeting()
    form = MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST":
        if form.is_valid():
            meeting = form.save()
            messages.success(request, "Réunion enregistrée.")
            return redirect(meeting)
        messages.error(request, "Le formulaire contient des erreurs : voir les champs signalés.")
    return render(request, "association/meeting_form.html", {"form": form, "meeting": meeting})


@staff_or_board
def meeting_detail(request, pk):
    meeting = get_meeting(request, pk)
    attendances = meeting.attendances.select_related("person__user").order_by(
        "person__last_name", "person__first_name"
    )
    context = {
        "meeting": meeting,
        "attendances": attendances,
        "to_convoke": [a for a in attendances if not a.convoked_at and a.person.contact_email],
        "without_email": [a.person for a in attendances if not a.person.contact_email],
        "decisions": meeting.decisions.all(),
        "documents": meeting.documents.select_related("uploaded_by"),
        "document_form": MeetingDocumentForm(),
        "can_edit": meeting.can_be_edited_by(request.user),
    }
    return render(request, "association/meeting_detail.html", context)


@require_POST
@secretariat_only
def meeting_convoke(request, pk):
    meeting = get_rw_meeting(request, pk)
    send_convocations.delay_on_commit(meeting.pk)
    messages.success(
        request,
        "Convocation en cours d'envoi aux participants qui ne l'ont pas encore reçue "
        "(avec le fichier .ics de l'agenda).",
    )
    return redirect(meeting)


@require_POST
@secretariat_only
def meeting_document_upload(request, pk):
    meeting = get_rw_meeting(request, pk)
    form = MeetingDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        document = form.save(commit=False)
        document.meeting = meeting
        document.original_name = form.cleaned_data["file"].name[:255]
        document.uploaded_by = request.user
        document.save()
        messages.success(request, f"Document « {document.original_name} » déposé.")
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, "Document refusé : " + " ".join(errors))
    return redirect(meeting)


@staff_or_board
def meeting_document(request, pk):
    document = get_object_or_404(MeetingDocument.objects.visible_to(request.user), pk=pk)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type="application/pdf",
    )
