"""One Job model for background work (occe/core/jobs.py): launch, progress, outcome, stale jobs
resumed, the progress partial, "Mes travaux", "Relancer" and the produced file."""

import datetime

import pytest
from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from occe.core.jobs import JobFailed, JobKind, JobTask, launch, register, sweep_stale_jobs
from occe.core.models import Job

pytestmark = pytest.mark.django_db


@register
class CountingJob(JobKind):
    name = "tests.counting"
    label = "Comptage de test"

    def run(self, job):
        mode = job.parameters.get("mode")
        if mode == "refused":
            raise JobFailed("Le fichier a changé : rien n'a été fait.")
        if mode == "crash":
            raise RuntimeError("bogue")
        job.set_total(4)
        for _ in range(4):
            job.advance()
        if mode == "file":
            job.attach_result(b"contenu", "resultat.txt")
        return {"counted": 4}


@shared_task(base=JobTask)
def failing_batch(job_id: int) -> None:
    raise RuntimeError("lot en échec")


def run_launched(capture, **kwargs) -> Job:
    with capture(execute=True):
        job = launch("tests.counting", **kwargs)
    job.refresh_from_db()
    return job


def test_a_job_runs_after_the_commit_and_keeps_its_outcome(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        job = launch("tests.counting", user=world.users["secretariat"], parameters={"n": 1})
    assert job.status == Job.Status.PENDING and len(queued) == 1
    queued[0]()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert (job.done, job.total, job.percent) == (4, 4, 100)
    assert job.result == {"counted": 4}
    assert job.started_at <= job.finished_at
    assert job.label == "Comptage de test" and not job.can_retry


def test_a_refusal_fails_the_job_with_its_french_message(django_capture_on_commit_callbacks):
    job = run_launched(django_capture_on_commit_callbacks, parameters={"mode": "refused"})
    assert job.status == Job.Status.FAILED
    assert job.error == "Le fichier a changé : rien n'a été fait."
    assert job.can_retry


def test_an_unexpected_error_fails_the_job_without_showing_the_traceback(
    django_capture_on_commit_callbacks,
):
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        job = launch("tests.counting", parameters={"mode": "crash"})
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("Une erreur inattendue a interrompu ce travail.")
    assert "bogue" not in job.error


def test_a_task_on_the_job_base_marks_its_job():
    job = Job.objects.create(kind="tests.counting", total=10)
    with pytest.raises(RuntimeError):
        failing_batch.delay(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.started_at is not None


def test_progress_is_capped_and_bounded_in_the_database():
    job = Job.objects.create(kind="tests.counting", total=3)
    job.advance(2)
    job.advance(5)
    job.refresh_from_db()
    assert job.done == 3
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.filter(pk=job.pk).update(done=4)


def test_a_silent_job_is_stale_and_the_sweeper_resumes_it(django_capture_on_commit_callbacks):
    job = Job.objects.create(kind="tests.counting", status=Job.Status.RUNNING)
    assert not job.is_stale
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    job.refresh_from_db()
    assert job.is_stale and job.can_retry
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_stale_jobs() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.attempts == 1


def test_the_sweeper_gives_up_after_a_few_attempts():
    old = timezone.now() - datetime.timedelta(hours=1)
    job = Job.objects.create(
        kind="tests.counting", status=Job.Status.RUNNING, heartbeat_at=old, attempts=3
    )
    assert sweep_stale_jobs() == 0
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "Ce travail s'est interrompu plusieurs fois : relancez-le."


# Pages ----------------------------------------------------------------------------------------


def test_my_jobs_lists_only_mine_in_constant_queries(
    world, login, django_capture_on_commit_callbacks, django_assert_num_queries
):
    mandataire = world.users["mandataire"]
    for _ in range(3):
        run_launched(django_capture_on_commit_callbacks, user=mandataire)
    other = run_launched(django_capture_on_commit_callbacks, user=world.users["secretariat"])
    client = login(mandataire)
    with django_assert_num_queries(3):  # session, user, jobs
        response = client.get(reverse("core:jobs"))
    assert len(response.context["jobs"]) == 3
    assert other not in response.context["jobs"]
    assert "Comptage de test" in response.content.decode()


def test_the_progress_partial_polls_while_running_and_offers_relancer_when_stale(
    world, login, django_capture_on_commit_callbacks
):
    client = login(world.users["secretariat"])
    job = Job.objects.create(
        kind="tests.counting",
        user=world.users["secretariat"],
        status=Job.Status.RUNNING,
        total=8,
        done=3,
    )
    url = reverse("core:job_progress", args=[job.pk])
    page = client.get(url).content.decode()
    assert f'hx-get="{url}"' in page and "3 / 8" in page and "Relancer" not in page
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    page = client.get(url).content.decode()
    assert "hx-get" not in page and "Relancer" in page and "sans nouvelle depuis" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:job_retry", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "hx-get" in response.content.decode()  # pending again, polled
    job.refresh_from_db()
    assert job.status == Job.Status.DONE


def test_the_result_file_is_served_to_who_may_see_the_job(
    world, login, django_capture_on_commit_callbacks
):
    job = run_launched(
        django_capture_on_commit_callbacks,
        user=world.users["mandataire"],
        parameters={"mode": "file"},
    )
    assert job.result_file.name.startswith("private/core/")
    response = login(world.users["mandataire"]).get(reverse("core:job_file", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"contenu"
    assert 'filename="resultat.txt"' in response["Content-Disposition"]
    other = login(world.users["autre_mandataire"]).get(reverse("core:job_file", args=[job.pk]))
    assert other.status_code == 404


def test_a_job_another_worker_is_running_is_not_run_twice():
    from occe.core.jobs import run_job

    job = Job.objects.create(kind="tests.counting", status=Job.Status.RUNNING)
    run_job.delay(job.pk)  # a second delivery while the first worker is at it
    job.refresh_from_db()
    assert (job.status, job.total) == (Job.Status.RUNNING, 0)
    # That worker died (no sign of life): a new delivery takes the job over.
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    run_job.delay(job.pk)
    job.refresh_from_db()
    assert (job.status, job.done) == (Job.Status.DONE, 4)


def test_a_job_waiting_for_a_busy_worker_is_given_longer():
    job = Job.objects.create(
        kind="tests.counting", heartbeat_at=timezone.now() - datetime.timedelta(minutes=20)
    )
    assert not job.is_stale  # still queued behind other work
    job.heartbeat_at = timezone.now() - datetime.timedelta(hours=2)
    assert job.is_stale  # its message was lost
