import smtplib

from celery import shared_task
from django.core.mail import get_connection

from occe.core.jobs import JobKind, register
from occe.core.models import Job

from .invitations import send_invitations
from .models import User

INVITATIONS = "accounts.invitations"
CHUNK = 250  # invitations sent between two progress updates


def _not_yet_joined(user_ids):
    """Accounts that have not chosen a password yet: the only ones an invitation is for."""
    return User.objects.filter(pk__in=user_ids, is_active=True, password__startswith="!")


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, smtplib.SMTPException),
    max_retries=3,
    retry_backoff=True,
)
def invite_users(user_ids: list[int], invited_by_id: int | None = None) -> int:
    """Invite accounts that have not chosen a password yet; a second run re-sends only to them."""
    invited_by = User.objects.filter(pk=invited_by_id).first() if invited_by_id else None
    return send_invitations(_not_yet_joined(user_ids), invited_by)


@register
class InvitationBatch(JobKind):
    """The invitations of the accounts an import created, as one job with its progress.

    `job.done` is the cursor: a resumed job (its worker died) skips what was sent, re-sending
    at most the chunk that was being sent."""

    name = INVITATIONS
    label = "Envoi des invitations"

    def run(self, job: Job) -> dict:
        ids = job.parameters.get("users", [])
        if job.total != len(ids):
            job.set_total(len(ids))
        sent = job.result.get("sent", 0)
        with get_connection() as connection:  # one SMTP session for the whole batch
            for start in range(job.done, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                users = _not_yet_joined(chunk).order_by("pk")
                sent += send_invitations(users, job.user, connection=connection)
                job.advance(len(chunk))
        return {"sent": sent}
