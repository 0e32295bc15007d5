"""Invitation e-mails: a link to choose a password, sent to accounts created by the staff.

Thousands are sent at once after a first import, so everything per person is computed in
memory: the accounts' e-mail-address rows are created in bulk beforehand (allauth's token
generator would otherwise create them one query and one commit per person), the reset tokens
are computed from those rows without a query, and every message goes over one SMTP connection.
"""

from email.header import Header

from allauth.account.forms import EmailAwarePasswordResetTokenGenerator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMessage, get_connection
from django.template.loader import get_template
from django.urls import reverse

from occe.core.models import Association


class KnownAddressesTokenGenerator(EmailAwarePasswordResetTokenGenerator):
    """allauth's reset token, with the accounts' addresses given instead of queried: the same
    token (allauth checks it as usual), no query per person."""

    def __init__(self, addresses: dict[int, set[str]]):
        super().__init__()
        self.addresses = addresses

    def _make_hash_value(self, user, timestamp) -> str:
        value = PasswordResetTokenGenerator._make_hash_value(self, user, timestamp)
        emails = ({user.email} if user.email else set()) | self.addresses.get(user.pk, set())
        return value + "|".join(sorted(emails))


def record_addresses(users) -> dict[int, set[str]]:
    """Each account's addresses, after creating in bulk the rows missing for their current
    address (what allauth does one account at a time). An account never opened (no login, no
    password chosen) has only ever had the address the staff gave it: that row is verified."""
    users = list(users)
    addresses: dict[int, set[str]] = {user.pk: set() for user in users}
    for user_id, email in EmailAddress.objects.filter(user__in=users).values_list(
        "user_id", "email"
    ):
        addresses[user_id].add(email)
    missing = [user for user in users if user.email and user.email not in addresses[user.pk]]
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(
                user=user,
                email=user.email,
                primary=not addresses[user.pk],
                verified=user.last_login is None and not user.has_usable_password(),
            )
            for user in missing
        ],
        ignore_conflicts=True,  # a concurrent login may have created one meanwhile
    )
    for user in missing:
        addresses[user.pk].add(user.email)
    return addresses


def invitation_link(user, generator: PasswordResetTokenGenerator | None = None) -> str:
    """A link to choose a password (allauth's reset-from-key page), valid like a reset link."""
    if generator is None:
        generator = KnownAddressesTokenGenerator(record_addresses([user]))
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": generator.make_token(user)},
    )
    return settings.SITE_URL + path


def invitation_messages(users, invited_by=None) -> list[EmailMessage]:
    """The invitations of these accounts: three queries whatever their number."""
    users = list(users)
    association = Association.get()
    generator = KnownAddressesTokenGenerator(record_addresses(users))
    template = get_template("accounts/email/invitation.txt")
    # Encoded once (RFC 2047): encoding a non-ASCII header is the costliest part of building
    # a message, and every invitation has the same subject.
    subject = Header(
        f"{association.short_name} — votre accès à l'application de gestion", "utf-8"
    ).encode(maxlinelen=0)  # one line: Django refuses folded headers
    return [
        EmailMessage(
            subject=subject,
            body=template.render(
                {
                    "user": user,
                    "link": invitation_link(user, generator),
                    "association": association,
                    "invited_by": invited_by,
                }
            ),
            to=[user.email],
        )
        for user in users
    ]


def send_invitations(users, invited_by=None, connection=None) -> int:
    """Send the invitations over one connection (the given one, or a new one)."""
    messages = invitation_messages(users, invited_by)
    if connection is not None:
        return connection.send_messages(messages) or 0
    with get_connection() as new_connection:
        return new_connection.send_messages(messages) or 0


def send_invitation(user, invited_by=None) -> None:
    send_invitations([user], invited_by)
