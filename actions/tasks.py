"""E-mails of the actions, sent in the background after the commit that changed a status."""

import smtplib

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from occe.core.jobs import JobKind, register
from occe.core.models import Association, Job

EMAIL_TRANSIENT = (smtplib.SMTPException, OSError, TimeoutError)


@shared_task(autoretry_for=EMAIL_TRANSIENT, max_retries=3, retry_backoff=True)
def send_status_change(registration_id: int, status: str) -> bool:
    """Tell the teacher their class's new status. Nothing is sent when the status has changed
    again since (the later change sends its own message)."""
    from .models import ClassRegistration

    registration = (
        ClassRegistration.objects.select_related("teacher", "cooperative", "edition__action")
        .filter(pk=registration_id, status=status)
        .first()
    )
    if registration is None or not registration.teacher.email:
        return False
    association = Association.get()
    body = render_to_string(
        "actions/email/status_change.txt",
        {"registration": registration, "association": association},
    )
    subject = (
        f"{association.short_name} — {registration.edition.action.title} : "
        f"{registration.get_status_display().lower()}"
    )
    EmailMessage(subject, body, None, [registration.teacher.email]).send()
    return True


DIPLOMAS = "actions.diplomas"


def _participating(edition_id: int):
    from .models import ClassRegistration

    return ClassRegistration.objects.filter(
        edition_id=edition_id,
        status__in=[ClassRegistration.Status.PARTICIPANTE, ClassRegistration.Status.TERMINEE],
    ).order_by("pk")


@register
class DiplomaBatch(JobKind):
    """The diplomas of an edition's participating classes, one job with its progress. A
    resumed or repeated run skips the classes that have their diploma and the e-mails sent."""

    name = DIPLOMAS
    label = "Diplômes des classes"

    def run(self, job: Job) -> dict:
        from .documents import diploma_pdf
        from .models import Diploma

        edition_id = job.parameters["edition"]
        ids = list(_participating(edition_id).values_list("pk", flat=True))
        job.set_total(len(ids))
        made = 0
        for registration_id in ids:
            if not Diploma.objects.filter(registration_id=registration_id).exists():
                registration = (
                    _participating(edition_id)
                    .select_related(
                        "cooperative", "teacher", "edition__action", "edition__school_year"
                    )
                    .get(pk=registration_id)
                )
                diploma = Diploma(registration=registration)
                diploma.pdf.save(diploma.filename(), ContentFile(diploma_pdf(registration)))
                made += 1
            _send_diploma(registration_id)
            job.advance()
        return {"made": made, "classes": len(ids)}

    def url(self, job: Job) -> str | None:
        from django.urls import reverse

        return reverse("actions:edition_detail", args=[job.parameters["edition"]])


def _send_diploma(registration_id: int) -> bool:
    """Once per diploma: the sending date is claimed in the transaction that sends it."""
    from .models import Diploma

    with transaction.atomic():
        claimed = Diploma.objects.filter(
            registration_id=registration_id, sent_at__isnull=True
        ).update(sent_at=timezone.now())
        if not claimed:
            return False
        diploma = Diploma.objects.select_related(
            "registration__teacher", "registration__cooperative", "registration__edition__action"
        ).get(registration_id=registration_id)
        registration = diploma.registration
        association = Association.get()
        body = render_to_string(
            "actions/email/diploma.txt",
            {"registration": registration, "association": association},
        )
        message = EmailMessage(
            f"{association.short_name} — Diplôme {registration.edition.action.title}",
            body,
            None,
            [registration.teacher.email],
        )
        with diploma.pdf.open("rb") as pdf:
            message.attach(diploma.filename(), pdf.read(), "application/pdf")
        message.send()  # an error rolls the claim back
    return True


@shared_task(autoretry_for=EMAIL_TRANSIENT, max_retries=3, retry_backoff=True)
def announce_round(round_id: int) -> int:
    """A personalised e-mail to the teacher of each class of the round's cycle, once per round
    (the announcement date is claimed in the transaction that sends)."""
    from django.core.mail import get_connection

    from .models import Round

    with transaction.atomic():
        claimed = Round.objects.filter(pk=round_id, announced_at__isnull=True).update(
            announced_at=timezone.now()
        )
        if not claimed:
            return 0
        round_ = Round.objects.select_related("edition__action", "edition__school_year").get(
            pk=round_id
        )
        association = Association.get()
        messages = []
        page = settings.SITE_URL.rstrip("/") + round_.get_absolute_url()
        document = (
            settings.SITE_URL.rstrip("/") + reverse("actions:round_document", args=[round_.pk])
            if round_.document
            else ""
        )
        for registration in round_.classes():
            body = render_to_string(
                "actions/email/round.txt",
                {
                    "round": round_,
                    "registration": registration,
                    "association": association,
                    "page": page,
                    "document": document,
                },
            )
            subject = (
                f"{association.short_name} — {round_.edition.action.title} : manche "
                f"{round_.number} pour la classe {registration.class_name}"
            )
            messages.append(EmailMessage(subject, body, None, [registration.teacher.email]))
        with get_connection() as connection:
            connection.send_messages(messages)  # an error rolls the claim back
    return len(messages)


BOOK = "actions.book"


@register
class CollectedBook(JobKind):
    """The collected book of an edition: title page, table of contents, one accepted text
    production per page with its class and school. Made again in full on each run."""

    name = BOOK
    label = "Recueil des productions"

    def run(self, job: Job) -> dict:
        from occe.core.pdf import render_pdf

        from .models import Edition, Production

        edition = Edition.objects.select_related("action", "school_year").get(
            pk=job.parameters["edition"]
        )
        productions = list(
            Production.objects.filter(edition=edition, status=Production.Status.ACCEPTEE)
            .exclude(text="")
            .select_related("registration__cooperative")
            .order_by("registration__cooperative__name", "registration__class_name", "pk")
        )
        job.set_total(1)
        pdf = render_pdf(
            "actions/pdf/book.html",
            {
                "edition": edition,
                "productions": productions,
                "association": Association.get(),
            },
        )
        job.attach_result(pdf, f"recueil-{edition.action.slug}-{edition.school_year.label}.pdf")
        job.advance()
        return {"productions": len(productions)}

    def url(self, job: Job) -> str | None:
        from django.urls import reverse

        return reverse("actions:productions", args=[job.parameters["edition"]])
