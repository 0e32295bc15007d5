"""Newsletters through a real Celery worker on Redis and a real SMTP server (aiosmtpd)."""

import os
import signal
import subprocess

import pytest
import redis

from occe.association.models import Newsletter
from occe.core.mailings import Mailing, Recipient, resume_mailings
from tests.bench.workers import database_url, worker_command
from tests.conftest import BROKER_URL, TEST_QUEUE, wait_for

from .factories import NewsletterFactory

pytestmark = pytest.mark.celery_worker


def sink_env(sink, rate: int, lease: int = 120) -> dict:
    return {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "EMAIL_USE_TLS": "0",
        "MAILING_BATCH_SIZE": "50",
        "MAILING_RATE_PER_MINUTE": str(rate),
        "MAILING_LEASE_SECONDS": str(lease),
    }


@pytest.fixture
def mail_worker(smtp_sink, monkeypatch, request):
    """The shared worker fixture, its environment pointing at the SMTP sink."""
    for key, value in sink_env(smtp_sink, rate=6000).items():
        monkeypatch.setenv(key, value)
    return request.getfixturevalue("celery_worker_process")


def newsletter_to(count: int) -> Newsletter:
    newsletter = NewsletterFactory(subject="Lettre de test", body="Bonjour **à tous**")
    newsletter.add_recipients((f"mandataire{i}@exemple.fr", f"M {i}") for i in range(count))
    return newsletter


def finished(newsletter) -> Newsletter | None:
    newsletter = Newsletter.objects.get(pk=newsletter.pk)
    return newsletter if newsletter.status == Mailing.Status.DONE else None


def test_500_recipients_each_once_and_the_refused_ones_retried(
    transactional_db, smtp_sink, mail_worker
):
    refused = {f"mandataire{i}@exemple.fr" for i in range(0, 500, 50)}
    smtp_sink.refuse_once = set(refused)
    newsletter = newsletter_to(500)
    assert newsletter.start()  # no transaction around the test: queued on Redis at once

    done = wait_for(lambda: finished(newsletter), timeout=240)
    assert (done.total, done.sent, done.failed, done.uncertain) == (500, 490, 10, 0)
    assert (
        set(done.recipients.filter(status=Recipient.Status.FAILED).values_list("email", flat=True))
        == refused
    )
    assert sum(smtp_sink.received.values()) == 490 and max(smtp_sink.received.values()) == 1
    # Batches of 50 over one SMTP connection each (plus none for nothing).
    assert len(smtp_sink.connections) == 10
    message = smtp_sink.messages[0]
    assert message.is_multipart()
    assert {part.get_content_type() for part in message.walk()} >= {"text/plain", "text/html"}

    assert done.retry_failures() == 10
    done = wait_for(lambda: finished(newsletter), timeout=120)
    assert (done.sent, done.failed) == (500, 0)
    assert len(smtp_sink.received) == 500 and set(smtp_sink.received.values()) == {1}


def start_worker(env: dict, log) -> subprocess.Popen:
    """A worker in a session of its own, so its whole process group can be killed."""
    return subprocess.Popen(
        worker_command(TEST_QUEUE, "--concurrency=2", "--pool=prefork"),
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": BROKER_URL,
            "CONN_MAX_AGE": "0",
            **env,
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_worker_killed_mid_send_and_restarted_sends_no_duplicate(
    transactional_db, smtp_sink, settings, tmp_path
):
    from occe.celery import app

    redis.Redis.from_url(BROKER_URL).delete(TEST_QUEUE)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    log = (tmp_path / "worker.log").open("w")
    newsletter = newsletter_to(500)
    first = start_worker(sink_env(smtp_sink, rate=600, lease=10), log)
    second = None
    try:
        newsletter.start()
        wait_for(lambda: sum(smtp_sink.received.values()) >= 80, timeout=120)
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its children, mid-batch
        first.wait(timeout=20)
        in_flight = newsletter.recipients.filter(status=Recipient.Status.SENDING).count()
        assert in_flight <= 1  # one batch at a time, one row claimed at a time
        assert Newsletter.objects.get(pk=newsletter.pk).status == Mailing.Status.SENDING

        second = start_worker(sink_env(smtp_sink, rate=3000, lease=10), log)
        # What Celery beat does every minute, once the dead batch's lease has expired.
        wait_for(lambda: resume_mailings.delay() and finished(newsletter), timeout=180, interval=3)
    finally:
        app.conf.task_always_eager = True
        stop(first)
        if second is not None:
            stop(second)
        log.close()

    done = Newsletter.objects.get(pk=newsletter.pk)
    assert max(smtp_sink.received.values()) == 1  # nobody got it twice
    sent = set(done.recipients.filter(status=Recipient.Status.SENT).values_list("email", flat=True))
    uncertain = set(
        done.recipients.filter(status=Recipient.Status.UNCERTAIN).values_list("email", flat=True)
    )
    assert len(sent) + len(uncertain) == 500 and len(uncertain) <= 1
    # What the database says was sent was received; only the uncertain row may differ.
    assert sent <= set(smtp_sink.received) <= sent | uncertain
