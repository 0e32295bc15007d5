"""Background work of the CRFS: the campaign's e-mail reminders (one Job per run).

The CRFS importer is registered here too, so a worker that applies an uploaded file finds it.
"""

from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cooperatives.models import Cooperative, Mandate
from occe.core.jobs import JobKind, register
from occe.core.models import Association, Job, SchoolYear

from .. import imports_crfs  # noqa: F401  (registers CrfsImporter)
from ..models.controls import Control
from ..models.crfs import Crfs, CrfsReminder, due_date


def coops_to_remind(year: SchoolYear):
    """Coops affiliated that year whose CRFS has not been received."""
    return Cooperative.objects.affiliated(year).exclude(
        pk__in=Crfs.objects.of_year(year).received().values("cooperative")
    )


@register
class RemindCrfs(JobKind):
    """E-mail the mandataires of every coop whose CRFS of the year is missing. A coop reminded
    today is skipped (a resumed or doubled run sends nothing twice)."""

    name = "finances.crfs_remind"
    label = "Relance des comptes rendus financiers"

    def run(self, job: Job) -> dict:
        year = SchoolYear.objects.get(pk=job.parameters["year"])
        association = Association.get()
        today = timezone.localdate()
        due = due_date(year, association)
        coops = list(coops_to_remind(year).order_by("number"))
        already = set(
            CrfsReminder.objects.filter(school_year=year, sent_on=today).values_list(
                "cooperative_id", flat=True
            )
        )
        emails = {}
        for coop_id, email in (
            Mandate.objects.current()
            .filter(cooperative__in=coops)
            .values_list("cooperative_id", "user__email")
        ):
            emails.setdefault(coop_id, []).append(email)
        job.set_total(len(coops))
        sent = 0
        for coop in coops:
            recipients = emails.get(coop.pk, [])
            if coop.pk not in already and recipients:
                try:
                    with transaction.atomic():
                        CrfsReminder.objects.create(
                            cooperative=coop,
                            school_year=year,
                            sent_on=today,
                            recipients=", ".join(recipients),
                            job=job,
                        )
                        send_mail(
                            f"Compte rendu financier {year.label} à transmettre",
                            render_to_string(
                                "finances/email/crfs_reminder.txt",
                                {
                                    "year": year,
                                    "cooperative": coop,
                                    "association": association,
                                    "due": due,
                                    "late": today > due,
                                },
                            ),
                            None,
                            recipients,
                        )
                    sent += 1
                except IntegrityError:
                    pass  # reminded meanwhile by another run
            job.advance()
        return {"sent": sent, "coops": len(coops)}


@register
class RenderControlLetter(JobKind):
    """The letter of a control to its mandataire, as a PDF stored on the control; then an
    e-mail tells the mandataires it is on their coop's pages. Done once: a second run finds
    the PDF and does nothing."""

    name = "finances.control_letter"
    label = "Lettre de contrôle"

    def run(self, job: Job) -> dict:
        from occe.core.pdf import render_pdf

        with transaction.atomic():
            control = (
                Control.objects.select_for_update()
                .select_related("cooperative", "school_year")
                .get(pk=job.parameters["control"])
            )
            if control.letter_pdf:
                return {"rendered": False}
            association = Association.get()
            pdf = render_pdf(
                "finances/crfs/pdf/letter.html",
                {
                    "control": control,
                    "actions": list(control.actions.all()),
                    "association": association,
                    "sent_on": timezone.localdate(control.letter_sent_at),
                },
            )
            control.letter_pdf.save(
                f"lettre-controle-{control.cooperative.number}-{control.pk}.pdf",
                ContentFile(pdf),
                save=False,
            )
            control.save(update_fields=["letter_pdf"])
            recipients = list(
                Mandate.objects.current()
                .filter(cooperative=control.cooperative)
                .values_list("user__email", flat=True)
            )
            if recipients:
                send_mail(
                    f"Contrôle des comptes {control.school_year.label} : lettre de l'association",
                    f"Bonjour,\n\nLa lettre du conseil d'administration sur le contrôle des "
                    f"comptes {control.school_year.label} de la coopérative "
                    f"{control.cooperative.number} est disponible dans l'application, avec les "
                    f"actions demandées auxquelles vous pouvez répondre.\n\n{association.name}",
                    None,
                    recipients,
                )
        return {"rendered": True}
