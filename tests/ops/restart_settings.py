"""occe.settings for the worker of test_redis_restart.py, on the test's time scale: a message
taken but not acknowledged comes back after 5 s instead of the production timeout; kombu looks
for such messages every second instead of every 100 s (10 s × every 10th sweep), and the lock it
takes for that (left in Redis if Redis stops while it is held) expires after 10 s instead of 5
minutes."""

from occe.settings import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **globals().get("CELERY_BROKER_TRANSPORT_OPTIONS", {}),
    "visibility_timeout": 5,
    "unacked_mutex_expire": 10,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
