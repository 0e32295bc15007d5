from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
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


def send_invitation(user, invited_by=None) -> None:
    association = Association.get()
    context = {
        "user": user,
        "link": invitation_link(user),
        "association": association,
        "invited_by": invited_by,
    }
    send_mail(
        subject=f"{association.short_name} — votre accès à l'application de gestion",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
