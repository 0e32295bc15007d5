import smtplib

from celery import shared_task

from .invitations import send_invitations
from .models import User


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, smtplib.SMTPException),
    max_retries=3,
    retry_backoff=True,
)
def invite_users(user_ids: list[int], invited_by_id: int | None = None) -> int:
    """Invite accounts that have not chosen a password yet; a second run re-sends only to them."""
    users = User.objects.filter(pk__in=user_ids, is_active=True, password__startswith="!")
    invited_by = User.objects.filter(pk=invited_by_id).first() if invited_by_id else None
    return send_invitations(list(users), invited_by)
