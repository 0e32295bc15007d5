from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse

from occe.core.models import Association


def invitation_link(user) -> str:
    """A link to choose a password (allauth's reset-from-key page), valid like a reset link."""
    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
    )
    return settings.SITE_URL + path


def invitation_message(user, association: Association, invited_by=None) -> EmailMessage:
    context = {
        "user": user,
        "link": invitation_link(user),
        "association": association,
        "invited_by": invited_by,
    }
    return EmailMessage(
        subject=f"{association.short_name} — votre accès à l'application de gestion",
        body=render_to_string("accounts/email/invitation.txt", context),
        to=[user.email],
    )


def send_invitations(users, invited_by=None) -> int:
    """Send the invitations over one connection, the association read once."""
    association = Association.get()
    messages = [invitation_message(user, association, invited_by) for user in users]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0


def send_invitation(user, invited_by=None) -> None:
    send_invitations([user], invited_by)
