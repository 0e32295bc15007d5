import datetime

from celery import shared_task
from django.utils import timezone

from .models import Heartbeat

KEEP = datetime.timedelta(days=7)


@shared_task(bind=True)
def heartbeat(self) -> bool:
    """Record this run under the task's id (a message delivered twice, as acks_late allows
    after a lost connection, is recorded once), then forget the runs of last week."""
    created = Heartbeat.record(self.request.id)
    Heartbeat.objects.filter(ran_at__lt=timezone.now() - KEEP).delete()
    return created
