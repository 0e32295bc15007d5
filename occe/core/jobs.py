"""Background jobs: kinds declared in code, one Job row each run, one Celery task base.

A kind of job says what the work is; `launch()` records a Job and queues it after the commit;
the worker runs `JobKind.run(job)` through `run_job`, which marks the job running, then done or
failed. Long work reports progress with `job.set_total()` / `job.advance()`, which is also the
job's heartbeat: a job silent for longer than `stale_after` is stale, and the sweeper (a beat
task) or the user's "Relancer" calls `JobKind.resume(job)`.

Declaring a kind (in an app's `jobs.py` or `tasks.py`, found at start-up)::

    @register
    class ReportJob(JobKind):
        name = "reports.annual"
        label = "Rapport d'activité"

        def run(self, job):
            job.set_total(len(sections))
            for section in sections:
                ...
                job.advance()
            job.attach_result(pdf_bytes, "rapport.pdf")

    job = launch("reports.annual", user=request.user, parameters={"year": 2024})

Tasks that do part of a job themselves (several batches per job) take the job's id first and
use `base=JobTask`: the job is marked running when one starts and failed when one gives up.
"""

import datetime
import logging
import smtplib

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.exceptions import Retry
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError
from django.db.models import Q
from django.utils import timezone

from .models import Job

logger = logging.getLogger(__name__)

# Errors worth trying again: the database or the mail server was briefly unreachable.
TRANSIENT = (OperationalError, ConnectionError, TimeoutError, smtplib.SMTPServerDisconnected)
GENERIC_ERROR = (
    "Une erreur inattendue a interrompu ce travail. Relancez-le ; si l'erreur revient, signalez-la."
)

_kinds: dict[str, "JobKind"] = {}


class JobFailed(Exception):
    """A failure whose message (in French) is shown to the user as is."""


class JobKind:
    """What one kind of job does. Subclass, set `name` and `label`, implement `run`."""

    name: str = ""
    label: str = ""
    # Without progress for that long, a running job is stale ("Relancer" appears); a job still
    # waiting for a worker gets longer (a queue can be busy).
    stale_after = datetime.timedelta(minutes=5)
    waits_at_most = datetime.timedelta(hours=1)
    max_attempts = 3  # automatic resumptions by the sweeper
    # run() ends the job when it returns; a kind that queues batches finishes it itself.
    finishes_on_return = True

    def run(self, job: Job) -> dict | None:
        """Do the work; return the result to keep (JSON), raise JobFailed with a French
        message for a failure the user should read."""
        raise NotImplementedError

    def enqueue(self, job: Job) -> None:
        run_job.delay_on_commit(job.pk)

    def resume(self, job: Job) -> None:
        """Start a stale or failed job again. Runs must be idempotent: the work already done is
        skipped by the kind itself."""
        self.mark_resumed(job)
        self.enqueue(job)

    def mark_resumed(self, job: Job) -> None:
        """Waiting again, one attempt more (a kind queuing only part of its work again calls
        this, then queues that part)."""
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.PENDING,
            error="",
            finished_at=None,
            heartbeat_at=timezone.now(),
            attempts=job.attempts + 1,
        )

    def url(self, job: Job) -> str | None:
        """The page where the job's outcome is seen (None: the list of jobs)."""
        return None


def register(cls: type[JobKind]) -> type[JobKind]:
    """Class decorator: make a kind of job known by its name."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} doit avoir un nom.")
    _kinds[cls.name] = cls()
    return cls


def get_kind(name: str) -> JobKind | None:
    return _kinds.get(name)


def launch(
    kind: str,
    *,
    user=None,
    total: int = 0,
    parameters: dict | None = None,
    obj=None,
) -> Job:
    """Record a job and queue it once the current transaction commits."""
    job_kind = get_kind(kind)
    if job_kind is None:
        raise LookupError(f"Type de travail inconnu : {kind}")
    job = Job(kind=kind, user=user, total=total, parameters=parameters or {})
    if obj is not None:
        job.content_type = ContentType.objects.get_for_model(obj)
        job.object_id = obj.pk
    job.save()
    job_kind.enqueue(job)
    return job


class JobTask(DjangoTask):
    """Base of the tasks doing a job's work; the job's id is their first argument.

    Like pretix's tasks: retried a bounded number of times on transient errors only; acked late
    so a worker dying mid-task leaves it to another one; the job is marked running when a task
    starts and failed, with a French message, when one gives up (after its retries).
    """

    autoretry_for = TRANSIENT
    max_retries = 3
    retry_backoff = True
    acks_late = True

    def before_start(self, task_id, args, kwargs):
        job = Job.objects.filter(pk=_job_id(args, kwargs)).first()
        if job is not None:
            job.start()

    def __call__(self, *args, **kwargs):
        # Here rather than in on_failure, which Celery skips when a task runs eagerly (no
        # broker: `make run`, the tests) and propagates its error.
        try:
            return super().__call__(*args, **kwargs)
        except Retry:
            raise  # tried again later: not failed yet
        except Exception as exc:
            job = Job.objects.filter(pk=_job_id(args, kwargs)).first()
            if job is not None:
                if isinstance(exc, JobFailed):
                    job.fail(str(exc))
                else:
                    logger.error("Travail %s en échec", job.pk, exc_info=exc)
                    job.fail(GENERIC_ERROR)
            raise


def _job_id(args, kwargs) -> int | None:
    return kwargs.get("job_id", args[0] if args else None)


class RunJobTask(JobTask):
    def before_start(self, task_id, args, kwargs):
        pass  # run_job claims its job itself


@shared_task(base=RunJobTask, bind=True)
def run_job(self, job_id: int) -> None:
    """Run a job of a kind that does its work in one task. The job is claimed first: a second
    delivery of a finished job, or of a job another worker is running, does nothing."""
    job = Job.objects.filter(pk=job_id).first()
    kind = get_kind(job.kind) if job else None
    if job is None or job.is_finished:
        return
    if kind is None:
        raise JobFailed(f"Type de travail inconnu : {job.kind}.")
    now = timezone.now()
    claimed = (
        Job.objects.filter(pk=job.pk)
        .filter(
            Q(status=Job.Status.PENDING)
            | Q(status=Job.Status.RUNNING, heartbeat_at__lt=now - kind.stale_after)
        )
        .update(status=Job.Status.RUNNING, started_at=now, heartbeat_at=now)
    )
    if not claimed:
        return
    job.refresh_from_db()
    try:
        result = kind.run(job)
    except JobFailed as exc:
        # Expected (the message is for the user): not an error of the task, no retry.
        job.fail(str(exc))
        return
    if kind.finishes_on_return:
        job.finish(result if result is not None else job.result)


@shared_task
def sweep_stale_jobs() -> int:
    """Resume the jobs that stopped showing progress (their worker died); fail those that
    were resumed too often. Run by beat (settings.CELERY_BEAT_SCHEDULE)."""
    resumed = 0
    for job in Job.objects.unfinished().order_by("pk"):
        if not job.is_stale:
            continue
        kind = get_kind(job.kind)
        if kind is None or job.attempts >= kind.max_attempts:
            job.fail("Ce travail s'est interrompu plusieurs fois : relancez-le.")
            continue
        kind.resume(job)
        resumed += 1
    return resumed
