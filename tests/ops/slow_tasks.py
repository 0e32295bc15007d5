"""A slow task for test_redis_restart.py, loaded by its worker (`--include`): while both worker
processes run one, the worker fetches nothing, so that Redis can be stopped mid-work at a moment
when no message is in transit (kombu takes a message off the queue, then records it as
unacknowledged, in two steps: a message between the two when Redis stops is lost)."""

import time

from celery import shared_task

from occe.ops.models import Heartbeat


@shared_task(bind=True, name="tests.ops.slow_heartbeat")
def slow_heartbeat(self, seconds: float) -> bool:
    time.sleep(seconds)
    return Heartbeat.record(self.request.id)
