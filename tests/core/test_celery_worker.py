import pytest

from cooperatives.models import ReminderBatch
from cooperatives.tasks import send_affiliation_reminders
from occe.core.models import OutboxEmail, SchoolYear
from tests.accounts.factories import UserFactory
from tests.conftest import wait_for
from tests.cooperatives.factories import CooperativeFactory, MandateFactory


@pytest.mark.celery_worker
def test_a_real_worker_sends_the_reminders(celery_worker_process):
    """Enqueued on Redis, executed by a separate worker process, visible in the database."""
    coop = CooperativeFactory()
    MandateFactory(cooperative=coop, user__email="directrice@exemple.fr")
    batch = ReminderBatch.objects.create(
        school_year=SchoolYear.objects.current(), created_by=UserFactory(secretariat=True)
    )
    send_affiliation_reminders.delay(batch.pk)

    wait_for(lambda: ReminderBatch.objects.get(pk=batch.pk).finished_at, timeout=90)
    assert list(ReminderBatch.objects.get(pk=batch.pk).reminded.all()) == [coop]
    # The worker has no SMTP server: it used the outbox backend, in the shared database.
    assert OutboxEmail.objects.filter(to="directrice@exemple.fr").count() == 1
