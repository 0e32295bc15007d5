"""The rendering of the receipts' PDFs is a core Job (kind finances.render_receipts) linked to its
request: progress counts the job's own receipts; a job that stopped moving is resumed by the
jobs' sweeper (only its missing PDFs queued again) and offers « Relancer » on the request's
page."""

import contextlib
import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from finances import services, tasks
from finances.models import RENDER_JOB, Receipt
from occe.core.jobs import get_kind, sweep_stale_jobs
from occe.core.models import Job
from tests.finances.factories import submitted_request

KIND = get_kind(RENDER_JOB)


def render_jobs():
    return Job.objects.filter(kind=RENDER_JOB)


def make_stale(job: Job) -> None:
    """As if its worker had died: silent for longer than the kind allows."""
    silent_since = timezone.now() - KIND.stale_after - datetime.timedelta(seconds=1)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=silent_since)


def test_progress_counts_the_receipts_of_the_job_not_those_rendered_since(
    association, secretary, django_capture_on_commit_callbacks
):
    """A replacement makes two jobs: the cancelled receipt's marked copy and the new receipt.
    Rendering the replacement must not count as the marked copy being done."""
    with django_capture_on_commit_callbacks(execute=True):
        (receipt,) = services.validate(submitted_request(lines=1).pk, secretary)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        replacement = services.replace(receipt.pk, secretary, "Nom", last_name="Autre")
    cancel_job, replacement_job = render_jobs().order_by("-pk")[:2][::-1]
    assert cancel_job.parameters == {"receipts": [receipt.pk]}
    assert replacement_job.parameters == {"receipts": [replacement.pk]}
    assert cancel_job.object == replacement_job.object == receipt.request
    assert cancel_job.user == secretary

    tasks.render_receipts(replacement_job.pk, [replacement.pk])  # only the replacement's batch
    tasks.update_progress(cancel_job.pk)
    cancel_job.refresh_from_db()
    assert (cancel_job.done, cancel_job.total, cancel_job.status) == (0, 1, Job.Status.PENDING)
    replacement_job.refresh_from_db()
    assert replacement_job.done == 1 and replacement_job.status == Job.Status.DONE

    for callback in callbacks:
        callback()
    cancel_job.refresh_from_db()
    assert cancel_job.done == 1 and cancel_job.status == Job.Status.DONE
    assert cancel_job.started_at <= cancel_job.finished_at
    # "Mes travaux" leads to the request's page.
    assert cancel_job.get_absolute_url() == reverse(
        "finances:request_detail", args=[receipt.request_id]
    )


def lose_the_tasks(request, user, capture) -> Job:
    """Validation whose rendering tasks are never delivered (a worker killed with them)."""
    with capture(execute=False):
        services.validate(request.pk, user)
    job = render_jobs().get(object_id=request.pk)
    assert job.done == 0 and not Receipt.objects.exclude(pdf="").exists()
    assert request.render_job() == job
    return job


def test_the_sweeper_resumes_a_stale_job(
    association, secretary, django_capture_on_commit_callbacks
):
    request = submitted_request(lines=3)
    job = lose_the_tasks(request, secretary, django_capture_on_commit_callbacks)

    # Still young: left alone.
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_stale_jobs() == 0
    assert not Receipt.objects.exclude(pdf="").exists()

    make_stale(job)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_stale_jobs() == 1
    job.refresh_from_db()
    assert (job.done, job.total, job.attempts, job.status) == (3, 3, 1, Job.Status.DONE)
    assert not Receipt.objects.filter(pdf="").exists()
    make_stale(job)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_stale_jobs() == 0  # finished: nothing to do


def test_resume_queues_again_only_the_receipts_whose_pdf_is_missing(
    association, secretary, django_capture_on_commit_callbacks, monkeypatch
):
    request = submitted_request(lines=tasks.BATCH_SIZE + 3)
    job = lose_the_tasks(request, secretary, django_capture_on_commit_callbacks)
    ids = job.parameters["receipts"]
    tasks.render_receipts(job.pk, ids[:-4])  # a batch went through, the rest was lost
    job.refresh_from_db()
    assert (job.done, job.total) == (tasks.BATCH_SIZE - 1, tasks.BATCH_SIZE + 3)

    batches = []
    render_batch = tasks.render_batch
    monkeypatch.setattr(
        "finances.tasks.receipts.render_batch", lambda ids: batches.append(ids) or render_batch(ids)
    )
    make_stale(job)
    with django_capture_on_commit_callbacks(execute=True):
        KIND.resume(job)
    assert batches == [ids[-4:]]
    job.refresh_from_db()
    assert (job.done, job.status, job.attempts) == (job.total, Job.Status.DONE, 1)
    assert not Receipt.objects.filter(request=request, pdf="").exists()

    # Nothing missing any more: a second « Relancer » finds nothing to queue.
    with django_capture_on_commit_callbacks(execute=True):
        KIND.resume(job)
    assert batches == [ids[-4:]]


def test_a_job_that_never_moves_is_marked_failed_after_a_few_resumptions(
    association, secretary, django_capture_on_commit_callbacks
):
    request = submitted_request(lines=1)
    job = lose_the_tasks(request, secretary, django_capture_on_commit_callbacks)
    for _ in range(KIND.max_attempts):
        make_stale(job)
        with django_capture_on_commit_callbacks(execute=False):  # the re-queued tasks are lost too
            assert sweep_stale_jobs() == 1
    make_stale(job)
    with django_capture_on_commit_callbacks(execute=False):
        assert sweep_stale_jobs() == 0
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "Ce travail s'est interrompu plusieurs fois : relancez-le."
    assert request.render_job() == job


def test_a_stale_rendering_is_resumed_within_minutes_by_beat():
    (entry,) = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "occe.core.jobs.sweep_stale_jobs"
    ]
    assert datetime.timedelta(seconds=entry["schedule"]) < KIND.stale_after
    assert KIND.waits_at_most == KIND.stale_after == datetime.timedelta(minutes=3)
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= 3600


def test_the_request_page_offers_relancer_as_soon_as_a_job_is_stale(
    world, association, login, django_capture_on_commit_callbacks
):
    request = submitted_request(lines=2, cooperative=world.own_coop)
    job = lose_the_tasks(request, world.users["secretariat"], django_capture_on_commit_callbacks)
    secretary = login(world.users["secretariat"])
    progress = reverse("finances:request_progress", args=[request.pk])
    content = secretary.get(progress).content.decode()
    assert "Production des PDF des reçus" in content and "Avancement : 0 / 2" in content
    assert f'hx-get="{progress}"' in content and "Relancer" not in content

    make_stale(job)
    content = secretary.get(progress).content.decode()
    assert "sans nouvelle depuis le" in content and "Relancer" in content
    assert "hx-get" not in content.split("<form")[0]  # no more polling
    mandataire = login(world.users["mandataire"]).get(progress).content.decode()
    assert "sans nouvelle depuis le" in mandataire and "Relancer" not in mandataire

    secretary = login(world.users["secretariat"])
    page = reverse("finances:request_detail", args=[request.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = secretary.post(reverse("core:job_retry", args=[job.pk]), {"next": page})
    assert response.url == page
    assert not Receipt.objects.filter(request=request, pdf="").exists()
    content = secretary.get(page).content.decode()
    assert "Avancement : 2 / 2" in content and "terminé" in content


def test_the_mandataire_follows_the_progress_through_the_request(
    world, association, login, django_capture_on_commit_callbacks
):
    """The job was launched by the secretariat: the mandataire's page polls the request's
    progress URL (the job's own is the secretariat's), which shows the shared partial."""
    request = submitted_request(lines=2, cooperative=world.own_coop)
    job = lose_the_tasks(request, world.users["secretariat"], django_capture_on_commit_callbacks)
    mandataire = login(world.users["mandataire"])
    assert mandataire.get(reverse("core:job_progress", args=[job.pk])).status_code == 404
    page = mandataire.get(reverse("finances:request_detail", args=[request.pk])).content.decode()
    progress = reverse("finances:request_progress", args=[request.pk])
    assert f'id="travail-{job.pk}"' in page and f'hx-get="{progress}"' in page
    assert "Avancement : 0 / 2" in page


def test_a_failed_rendering_is_shown_in_french_with_relancer(
    world, association, login, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(receipts):
        raise RuntimeError("WeasyPrint: segmentation fault")

    request = submitted_request(lines=2, cooperative=world.own_coop)
    monkeypatch.setattr("finances.tasks.receipts.render_pdfs", broken)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.validate(request.pk, world.users["secretariat"])
    for callback in callbacks:
        with contextlib.suppress(RuntimeError):
            callback()  # eager: the batch's error reaches the caller, the job is failed first
    monkeypatch.undo()
    secretary = login(world.users["secretariat"])
    page = reverse("finances:request_detail", args=[request.pk])
    content = secretary.get(page).content.decode()
    assert "Production des PDF des reçus</strong> — échec" in content
    assert "Une erreur inattendue a interrompu ce travail. Relancez-le" in content
    assert "segmentation" not in content and "Relancer</button>" in content
    mandataire = login(world.users["mandataire"]).get(page).content.decode()
    assert "Une erreur inattendue" in mandataire and "Relancer</button>" not in mandataire

    job = request.render_job()
    secretary = login(world.users["secretariat"])
    with django_capture_on_commit_callbacks(execute=True):
        secretary.post(reverse("core:job_retry", args=[job.pk]), {"next": page})
    job.refresh_from_db()
    assert (job.status, job.done, job.attempts) == (Job.Status.DONE, 2, 1)
    content = secretary.get(page).content.decode()
    assert "Une erreur" not in content and content.count(">Télécharger</a>") == 2
