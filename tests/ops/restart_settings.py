"""occe.settings for the worker of test_redis_restart.py, on the test's time scale: a message
taken but not acknowledged comes back after 5 s instead of the production timeout, and the lock
kombu takes to bring such messages back (left in Redis if Redis stops while it is held) expires
after 10 s instead of 5 minutes."""

from occe.settings import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **globals().get("CELERY_BROKER_TRANSPORT_OPTIONS", {}),
    "visibility_timeout": 5,
    "unacked_mutex_expire": 10,
}
