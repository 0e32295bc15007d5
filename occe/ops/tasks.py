import datetime
import json
import logging

from celery import shared_task
from django.utils import timezone

from .models import Heartbeat

KEEP = datetime.timedelta(days=7)
logger = logging.getLogger(__name__)


@shared_task(bind=True)
def heartbeat(self) -> bool:
    """Record this run under the task's id (a message delivered twice, as acks_late allows
    after a lost connection, is recorded once), then forget the runs of last week."""
    created = Heartbeat.record(self.request.id)
    Heartbeat.objects.filter(ran_at__lt=timezone.now() - KEEP).delete()
    return created


@shared_task
def retention(today: str | None = None) -> dict:
    """Apply every retention rule (occe/*/retention.py) and record what each erased (counts
    only). Monthly (beat); safe to run twice: a second run finds nothing more to erase."""
    from . import retention as registry
    from .models import RetentionRun

    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    counts = registry.apply_all(day)
    RetentionRun.objects.create(ran_on=day, counts=counts)
    logger.info("Conservation des données : %s", json.dumps(counts, sort_keys=True))
    return counts
