"""Rendering jobs: progress counts the job's own receipts; a job that stopped moving is
re-queued by the sweeper and offers « Relancer » on the request's page."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from finances import services, tasks
from finances.models import Receipt, RenderJob
from tests.finances.factories import submitted_request


def test_progress_counts_the_receipts_of_the_job_not_those_rendered_since(
    association, secretary, django_capture_on_commit_callbacks
):
    """A replacement makes two jobs: the cancelled receipt's marked copy and the new receipt.
    Rendering the replacement must not count as the marked copy being done."""
    with django_capture_on_commit_callbacks(execute=True):
        (receipt,) = services.validate(submitted_request(lines=1).pk, secretary)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        replacement = services.replace(receipt.pk, secretary, "Nom", last_name="Autre")
    cancel_job, replacement_job = RenderJob.objects.order_by("-pk")[:2][::-1]
    assert cancel_job.receipt_ids == [receipt.pk]
    assert replacement_job.receipt_ids == [replacement.pk]

    tasks.render_receipts(replacement_job.pk, [replacement.pk])  # only the replacement's batch
    tasks.update_progress(cancel_job.pk)
    cancel_job.refresh_from_db()
    assert (cancel_job.done, cancel_job.total, cancel_job.finished_at) == (0, 1, None)
    replacement_job.refresh_from_db()
    assert replacement_job.done == 1 and replacement_job.finished_at

    for callback in callbacks:
        callback()
    cancel_job.refresh_from_db()
    assert cancel_job.done == 1 and cancel_job.finished_at


def lose_the_tasks(request, user, capture) -> RenderJob:
    """Validation whose rendering tasks are never delivered (a worker killed with them)."""
    with capture(execute=False):
        services.validate(request.pk, user)
    job = RenderJob.objects.get(request=request)
    assert job.done == 0 and not Receipt.objects.exclude(pdf="").exists()
    return job


def test_the_sweeper_requeues_the_missing_pdfs_of_a_stale_job(
    association, secretary, django_capture_on_commit_callbacks
):
    request = submitted_request(lines=3)
    job = lose_the_tasks(request, secretary, django_capture_on_commit_callbacks)

    # Still young: left alone.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_stale_jobs() == 0
    assert not Receipt.objects.exclude(pdf="").exists()

    RenderJob.objects.filter(pk=job.pk).update(
        progressed_at=timezone.now() - RenderJob.STALE_AFTER - datetime.timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_stale_jobs() == 1
    job.refresh_from_db()
    assert (job.done, job.total, job.sweeps) == (3, 3, 1) and job.finished_at
    assert not Receipt.objects.filter(pdf="").exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_stale_jobs(0) == 0  # finished: nothing to do


def test_a_job_that_never_moves_is_marked_failed_after_a_few_sweeps(
    association, secretary, django_capture_on_commit_callbacks
):
    job = lose_the_tasks(submitted_request(lines=1), secretary, django_capture_on_commit_callbacks)
    for _ in range(RenderJob.MAX_SWEEPS):
        with django_capture_on_commit_callbacks(execute=False):  # the re-queued tasks are lost too
            assert tasks.sweep_stale_jobs(0) == 1
    with django_capture_on_commit_callbacks(execute=False):
        assert tasks.sweep_stale_jobs(0) == 0
    job.refresh_from_db()
    assert job.failed == 1 and "1 PDF toujours manquants" in job.error


def test_the_sweeper_runs_every_minute_from_beat():
    (entry,) = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "finances.tasks.sweep_stale_jobs"
    ]
    assert entry["schedule"] <= 60
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= 3600


def test_the_request_page_offers_relancer_as_soon_as_a_job_is_stale(
    world, association, login, django_capture_on_commit_callbacks
):
    request = submitted_request(lines=2, cooperative=world.own_coop)
    job = lose_the_tasks(request, world.users["secretariat"], django_capture_on_commit_callbacks)
    secretary = login(world.users["secretariat"])
    progress = reverse("finances:request_progress", args=[request.pk])
    assert "Relancer" not in secretary.get(progress).content.decode()

    RenderJob.objects.filter(pk=job.pk).update(
        progressed_at=timezone.now() - RenderJob.STALE_AFTER - datetime.timedelta(seconds=5)
    )
    content = secretary.get(progress).content.decode()
    assert "La production des PDF n'avance plus" in content
    assert "Relancer la production des PDF" in content
    mandataire = login(world.users["mandataire"]).get(progress).content.decode()
    assert "n'avance plus" in mandataire and "Relancer" not in mandataire

    secretary = login(world.users["secretariat"])
    with django_capture_on_commit_callbacks(execute=True):
        secretary.post(reverse("finances:request_rerender", args=[request.pk]))
    assert not Receipt.objects.filter(request=request, pdf="").exists()
