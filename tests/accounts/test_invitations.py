"""Invitations in bulk (occe/accounts/invitations.py): valid links, a constant number of
queries, one SMTP connection, and a batch job that resumes where it stopped."""

import datetime
from unittest import mock

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from occe.accounts.invitations import invitation_messages, send_invitations
from occe.accounts.models import Role, User
from occe.accounts.tasks import INVITATIONS
from occe.core.jobs import launch
from occe.core.models import Association, Job

pytestmark = pytest.mark.django_db


def new_accounts(count: int, start: int = 0) -> list[User]:
    users = [
        User(email=f"invite{n}@exemple.fr", role=Role.MANDATAIRE, first_name=f"P{n}")
        for n in range(start, start + count)
    ]
    for user in users:
        user.set_unusable_password()
    return User.objects.bulk_create(users)


def test_links_are_valid_reset_keys_checked_by_allauth():
    user = new_accounts(1)[0]
    (message,) = invitation_messages([user])
    key = message.body.split("/key/")[1].split("/")[0]
    uidb36, token = key.split("-", 1)
    assert default_token_generator.check_token(User.objects.get(pk=user.pk), token)
    # Its address row exists, verified: only the staff could have set it on an account never
    # opened.
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == (user.email, True, True)


def test_queries_do_not_grow_with_the_number_of_invitations():
    def queries(count, start):
        users = new_accounts(count, start)
        with CaptureQueriesContext(connection) as captured:
            invitation_messages(users)
        return len(captured)

    Association.get()  # created on first use: not part of the count
    # The association, the accounts' address rows, the missing ones created.
    assert queries(2, 0) == queries(50, 100) == 3


def test_one_smtp_connection_for_the_whole_batch():
    users = new_accounts(30)
    with mock.patch("occe.accounts.invitations.get_connection") as get_connection:
        send_invitations(users)
    assert get_connection.call_count == 1
    (sent,) = get_connection.return_value.__enter__.return_value.send_messages.call_args.args
    assert len(sent) == 30


def test_the_batch_job_skips_what_it_sent_and_accounts_that_joined(
    django_capture_on_commit_callbacks,
):
    users = new_accounts(5)
    joined = users[4]
    joined.set_password("un-mot-de-passe-choisi-42")
    joined.save()
    with django_capture_on_commit_callbacks() as queued:
        job = launch(INVITATIONS, total=5, parameters={"users": [u.pk for u in users]})
    # A first worker sent two, then died (no sign of life since): the job resumes after them.
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(
        done=2, status=Job.Status.RUNNING, heartbeat_at=an_hour_ago
    )
    queued[0]()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.done == 5
    assert sorted(m.to[0] for m in mail.outbox) == [u.email for u in users[2:4]]
