"""Nothing lost on restart: tasks queued in a Redis with append-only persistence (as in
docker-compose.yml) outlive a restart of Redis; tasks running when Redis stops are delivered
again (acks late) to the worker started after it: every task runs, once."""

import os
import re
import subprocess
import time

import pytest
import redis
from django.conf import settings as django_settings

from occe.celery import app
from occe.ops.models import Heartbeat
from occe.ops.tasks import heartbeat
from tests.bench.workers import database_url, worker_command
from tests.conftest import wait_for
from tests.ops.conftest import free_port
from tests.ops.slow_tasks import slow_heartbeat

QUEUE = "redemarrage"


class RedisServer:
    """A redis-server of the test's own, persisting to `directory` like the compose one."""

    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        directory.mkdir()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--appendonly",
                "yes",
                "--save",
                "",
                "--dir",
                str(self.directory),
                "--logfile",
                "redis.log",
            ],
        )
        wait_for(self.responds, timeout=20, interval=0.1)

    def responds(self) -> bool:
        try:
            return self.client().ping()
        except redis.exceptions.ConnectionError:
            return False

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        """SIGTERM, as `docker compose stop` does: Redis flushes its append-only file and exits."""
        self.process.terminate()
        self.process.wait(timeout=20)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def not_eager(settings):
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    yield
    app.conf.task_always_eager = True


def enqueue(url: str, keys: list[str], task=heartbeat, **kwargs) -> None:
    """Through a connection to this Redis, not the suite's pool."""
    with app.connection_for_write(url) as connection:
        for key in keys:
            task.apply_async(task_id=key, kwargs=kwargs, queue=QUEUE, connection=connection)


def recorded(keys: list[str]) -> int:
    return Heartbeat.objects.filter(key__in=keys).count()


def start_worker(url: str, log) -> subprocess.Popen:
    """`make worker`'s command on this Redis and the test database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.ops.restart_settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": url,
        "CONN_MAX_AGE": "0",
    }
    return subprocess.Popen(
        worker_command(
            QUEUE, "--concurrency=2", "--pool=prefork", "--include=tests.ops.slow_tasks"
        ),
        env=env,
        cwd=django_settings.BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()


@pytest.mark.celery_worker
def test_every_task_runs_once_across_restarts_of_redis(
    transactional_db, redis_server, not_eager, tmp_path
):
    before = [f"avant-{i}" for i in range(20)]
    enqueue(redis_server.url, before)
    assert redis_server.client().llen(QUEUE) == 20

    redis_server.stop()
    redis_server.start()
    assert redis_server.client().llen(QUEUE) == 20  # read back from the append-only file

    log = (tmp_path / "worker.log").open("w")
    worker = start_worker(redis_server.url, log)
    try:
        wait_for(lambda: recorded(before) == 20, timeout=180)

        # Redis stops while both worker processes run a task (so none is being fetched).
        during = [f"pendant-{i}" for i in range(6)]
        enqueue(redis_server.url, during, task=slow_heartbeat, seconds=2)
        client = redis_server.client()
        wait_for(lambda: client.hlen("unacked") == 2, timeout=60, interval=0.02)
        redis_server.stop()
        # The worker finishes its two tasks, cannot acknowledge them and stops
        # (CELERY_BROKER_CONNECTION_RETRY off); compose's restart policy starts a new one, which
        # waits for Redis.
        assert worker.wait(timeout=60) == 1
        ran_before = recorded(during)
        assert ran_before <= 2
        worker = start_worker(redis_server.url, log)
        time.sleep(2)
        redis_server.start()

        # The two unacknowledged messages come back after the visibility timeout, and run
        # again without a second record; the four still queued run.
        wait_for(lambda: recorded(during) == 6, timeout=180)
        client = redis_server.client()
        wait_for(lambda: client.llen(QUEUE) == 0 and client.hlen("unacked") == 0, timeout=60)
    finally:
        stop(worker)
        log.close()
        log_text = (tmp_path / "worker.log").read_text()
        if os.environ.get("CI"):
            print(log_text[-3000:])
    # Once each: one row per task id; the tasks that ran before Redis stopped ran again (their
    # acknowledgement was lost) and found their record.
    assert Heartbeat.objects.count() == 26
    again = re.findall(r"\[pendant-\d\] succeeded in [\d.]+s: False", log_text)
    assert len(again) == ran_before
