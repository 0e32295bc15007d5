"""Demo: a month of logins in the audit (the president's page), a retention run."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from occe.core.demo_apps import DemoContext

from .models import LoginEvent
from .tasks import retention


def populate(context: DemoContext) -> str:
    rng = context.rng("ops")
    users = list(get_user_model().objects.filter(is_active=True).order_by("pk")[:200])
    now = timezone.now()
    events = []
    for _ in range(context.scaled(300, minimum=30)):
        at = now - datetime.timedelta(minutes=rng.randrange(30 * 24 * 60))
        ip = f"192.0.2.{rng.randrange(1, 255)}"  # documentation range
        user = rng.choice(users) if users else None
        if rng.random() < 0.08:
            events.append(LoginEvent(outcome="failure", user=user, ip=ip, at=at))
        else:
            events.append(LoginEvent(outcome="success", user=user, ip=ip, at=at))
    events.append(
        LoginEvent(outcome="failure", identifier="…@exemple.com", ip="198.51.100.7", at=now)
    )
    LoginEvent.objects.bulk_create(events)
    counts = retention.apply().get()
    return (
        f"Données personnelles : {len(events)} connexions au journal, conservation appliquée "
        f"({sum(counts.values())} effacement(s))."
    )
