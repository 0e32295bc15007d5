"""occe.settings for the worker of test_redis_restart.py: a message taken but not acknowledged
comes back after 5 s instead of the production timeout, so that the test need not wait."""

from occe.settings import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **globals().get("CELERY_BROKER_TRANSPORT_OPTIONS", {}),
    "visibility_timeout": 5,
}
