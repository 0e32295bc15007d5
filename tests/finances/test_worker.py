import datetime

import pytest

from finances import services
from finances.models import Receipt
from occe.core.jobs import sweep_stale_jobs
from occe.core.models import Job
from tests.accounts.factories import UserFactory
from tests.conftest import wait_for
from tests.finances.factories import submitted_request


@pytest.mark.celery_worker
def test_a_real_worker_renders_every_pdf(celery_worker_process, association):
    """Validation commits, the batches go through Redis to a separate worker process."""
    request = submitted_request(lines=30)
    receipts = services.validate(request.pk, UserFactory(secretariat=True))

    def all_rendered():
        return not Receipt.objects.filter(request=request, pdf="").exists()

    wait_for(all_rendered, timeout=120)
    job = request.render_job()
    wait_for(lambda: Job.objects.get(pk=job.pk).finished_at, timeout=30)
    job.refresh_from_db()
    assert (job.done, job.total, job.status, job.attempts) == (30, 30, Job.Status.DONE, 0)
    assert job.started_at <= job.finished_at
    for receipt in Receipt.objects.filter(request=request):
        with receipt.pdf.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
    assert sorted(r.sequence for r in receipts) == list(range(1, 31))


@pytest.mark.celery_worker
def test_pdfs_lost_with_a_killed_worker_are_requeued_by_the_sweeper(
    celery_worker_factory, association
):
    """`kill -9` of the worker's main process and its children mid-job: the batch it held is
    lost (Redis would hand it out again only after the visibility timeout, an hour). Another
    worker renders what was still queued; the sweeper re-queues the rest."""
    import os
    import signal
    import time

    import redis

    from tests.conftest import BROKER_URL, TEST_QUEUE

    request = submitted_request(lines=75)
    first = celery_worker_factory("--concurrency=1", "--pool=prefork")
    services.validate(request.pk, UserFactory(secretariat=True))
    receipts = Receipt.objects.filter(request=request)
    wait_for(lambda: receipts.exclude(pdf="").exists(), timeout=120)
    # The main process first, then its whole group: were the child to die first, the main
    # process would put the task back in the queue (task_reject_on_worker_lost) before dying.
    os.kill(first.pid, signal.SIGKILL)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert receipts.filter(pdf="").exists()

    second = celery_worker_factory()
    broker = redis.Redis.from_url(BROKER_URL)

    def drained():
        # The queue is empty and nothing was stored for a few seconds: what is left is lost.
        before = receipts.filter(pdf="").count()
        time.sleep(4)
        return broker.llen(TEST_QUEUE) == 0 and receipts.filter(pdf="").count() == before

    wait_for(drained, timeout=180, interval=0)
    lost = receipts.filter(pdf="").count()
    assert lost > 0, "le worker tué ne tenait aucun lot : rien n'a été perdu"
    job = request.render_job()
    assert job.done == 75 - lost and job.status == Job.Status.RUNNING

    # Silent for longer than its kind allows, as after 3 minutes: what beat runs every 2 minutes.
    silent_since = job.heartbeat_at - job.kind_object.stale_after - datetime.timedelta(seconds=1)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=silent_since)
    assert sweep_stale_jobs() == 1
    wait_for(lambda: not receipts.filter(pdf="").exists(), timeout=120)
    wait_for(lambda: Job.objects.get(pk=job.pk).finished_at, timeout=30)
    job.refresh_from_db()
    assert (job.done, job.total, job.status, job.attempts) == (75, 75, Job.Status.DONE, 1)
    assert second.poll() is None
