"""Newsletters: the archive (everyone), composing with a preview, a test to oneself, choosing
the audience and sending (secretariat), the progress and the statuses of the recipients."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from occe.accounts.access import get_for_user, get_rw_for_user, secretariat_only, staff_or_board
from occe.core.mailings import Recipient, send_test_message
from occe.core.models import SchoolYear

from ..audiences import AUDIENCES, Filters
from ..forms import AudienceForm, NewsletterForm
from ..markdown import to_html
from ..models import Newsletter, NewsletterImage

PAGE_SIZE = 25
RECIPIENTS_PAGE_SIZE = 100


def get_newsletter(request, pk) -> Newsletter:
    """Read: outside the user's scope (a draft, for whoever is not staff or board), a 404."""
    return get_for_user(Newsletter.objects, request.user, pk=pk)


def get_rw_newsletter(request, pk) -> Newsletter:
    """Read-write: a 404 outside the user's scope, a 403 unless it may still be changed (the
    secretariat's drafts)."""
    return get_rw_for_user(Newsletter.objects, request.user, pk=pk)


def newsletter_list(request):
    newsletters = Newsletter.objects.visible_to(request.user).order_by("-started_at", "-created_at")
    sending = request.GET.get("statut") == Newsletter.Status.SENDING
    if sending:
        newsletters = newsletters.sending()
    page = Paginator(newsletters, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "association/newsletter_list.html", {"page": page, "sending": sending})


def newsletter_detail(request, pk):
    """The web version, the link at the top of every e-mail."""
    newsletter = get_newsletter(request, pk)
    return render(
        request,
        "association/newsletter_detail.html",
        {"newsletter": newsletter, "html": to_html(newsletter.body)},
    )


@secretariat_only
def newsletter_edit(request, pk=None):
    newsletter = get_rw_newsletter(request, pk) if pk else Newsletter(created_by=request.user)
    form = NewsletterForm(request.POST or None, request.FILES or None, instance=newsletter)
    preview = to_html(newsletter.body)
    if request.method == "POST" and "apercu" in request.POST:
        # Preview of what is typed, nothing saved (HTMX swaps the preview only).
        preview = to_html(request.POST.get("body", ""))
        if request.htmx:
            return render(request, "association/includes/preview.html", {"preview": preview})
    elif request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                newsletter = form.save()
                image = form.cleaned_data.get("image")
                if image:
                    add_image(newsletter, image, form.cleaned_data["image_alt"], request.user)
            messages.success(request, "Lettre enregistrée.")
            return redirect("association:newsletter_edit", pk=newsletter.pk)
        messages.error(request, "Le formulaire contient des erreurs : voir les champs signalés.")
    context = {"form": form, "newsletter": newsletter, "preview": preview}
    return render(request, "association/newsletter_form.html", context)


def add_image(newsletter: Newsletter, image, alt: str, user) -> NewsletterImage:
    """Store the (checked, re-encoded) image privately and add it at the end of the text."""
    extension = "png" if image.content_type == "image/png" else "jpg"
    stored = NewsletterImage(
        newsletter=newsletter, content_type=image.content_type, alt=alt, uploaded_by=user
    )
    stored.file.save(f"{stored.token}.{extension}", ContentFile(image.read()), save=False)
    stored.save()
    newsletter.body = f"{newsletter.body.rstrip()}\n\n{stored.markdown}\n"
    newsletter.save(update_fields=["body", "updated_at"])
    return stored


@require_POST
@secretariat_only
def newsletter_test(request, pk):
    newsletter = get_newsletter(request, pk)
    send_test_message.delay_on_commit(
        Newsletter.label(), newsletter.pk, request.user.email, str(request.user)
    )
    messages.success(request, f"Envoi de test vers {request.user.email} : vérifiez votre boîte.")
    back = "send" if request.POST.get("retour") == "envoi" else "edit"
    return redirect(f"association:newsletter_{back}", pk=newsletter.pk)


@secretariat_only
def newsletter_send(request, pk):
    newsletter = get_rw_newsletter(request, pk)
    # Opened with the widest audience counted; each change of filter counts again (HTMX).
    form = AudienceForm(request.POST or {"audience": next(iter(AUDIENCES))})
    year = SchoolYear.objects.current()
    people = None
    if form.is_valid():
        data = form.cleaned_data
        filters = Filters(
            types=tuple(data["types"]),
            circonscriptions=tuple(c.pk for c in data["circonscriptions"]),
            priorities=tuple(data["priorities"]),
        )
        people = AUDIENCES[data["audience"]].people(year, filters)
        if "envoyer" in request.POST:
            if not people:
                messages.error(request, "Aucun destinataire : élargissez les filtres.")
            else:
                start_sending(newsletter, year, form, filters, people)
                messages.success(request, f"Envoi de la lettre à {len(people)} destinataires.")
                return redirect(newsletter)
    context = {"newsletter": newsletter, "form": form, "people": people, "year": year}
    if request.htmx:
        return render(request, "association/includes/audience_count.html", context)
    return render(request, "association/newsletter_send.html", context)


def start_sending(newsletter, year, form, filters: Filters, people) -> None:
    with transaction.atomic():
        # Locked, and still a draft: two clicks (or two tabs) never send it twice.
        locked = Newsletter.objects.select_for_update().filter(
            pk=newsletter.pk, status=Newsletter.Status.DRAFT
        )
        newsletter = locked.first()
        if newsletter is None:
            return
        newsletter.school_year = year
        newsletter.audience = {"public": form.cleaned_data["audience"], **filters.__dict__}
        newsletter.audience_label = form.description()[:500]
        newsletter.save(update_fields=["school_year", "audience", "audience_label", "updated_at"])
        newsletter.add_recipients(people)
        newsletter.start()


@staff_or_board
def newsletter_progress(request, pk):
    newsletter = get_newsletter(request, pk)
    return render(request, "association/includes/progress.html", {"newsletter": newsletter})


@require_POST
@secretariat_only
def newsletter_retry(request, pk):
    newsletter = get_newsletter(request, pk)
    count = newsletter.retry_failures()
    if count:
        messages.success(request, f"Nouvel essai pour {count} destinataires en échec.")
    else:
        messages.info(request, "Aucun envoi en échec à relancer.")
    return redirect(newsletter)


@staff_or_board
def newsletter_recipients(request, pk):
    newsletter = get_newsletter(request, pk)
    recipients = newsletter.recipients.all()
    status = request.GET.get("statut", "")
    if status in Recipient.Status.values:
        recipients = recipients.filter(status=status)
    context = {
        "newsletter": newsletter,
        "page": Paginator(recipients, RECIPIENTS_PAGE_SIZE).get_page(request.GET.get("page")),
        "statuses": Recipient.Status.choices,
        "status": status,
    }
    return render(request, "association/newsletter_recipients.html", context)


@login_not_required
def newsletter_image(request, token):
    """Public but unguessable (a 32-character random token): e-mail clients fetch the images
    without a session. Only images of newsletters, never another file."""
    image = NewsletterImage.objects.filter(token=token).first()
    if image is None:
        raise Http404
    response = FileResponse(image.file.open("rb"), content_type=image.content_type)
    response["Cache-Control"] = "public, max-age=604800"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
