"""Uploaded spreadsheets and produced files: kept a few months, then deleted (the rows they
created stay, each under its own rule)."""

import datetime

from django.conf import settings
from django.core.files.storage import default_storage

from occe.ops.retention import retention_rule

from .models import ImportBatch, Job


def _days(kind: str, default: str) -> int:
    days = settings.RETENTION_FILE_DAYS
    return days.get(kind, days[default])


def _start(day: datetime.date) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@retention_rule(
    "core.fichiers-importes",
    label="Fichiers déposés pour un import (listes de coopératives, de donateurs…)",
    purpose="Montrer l'aperçu avant l'import, et ce qui a été importé.",
    duration="180 jours après le dépôt (réglable par type d'import)",
    order=50,
)
def delete_import_files(today: datetime.date) -> int:
    deleted = 0
    for batch in ImportBatch.objects.exclude(file="").only("pk", "kind", "file", "created_at"):
        if batch.created_at < _start(today - datetime.timedelta(days=_days(batch.kind, "import"))):
            default_storage.delete(batch.file.name)
            ImportBatch.objects.filter(pk=batch.pk).update(file="")
            deleted += 1
    return deleted


@retention_rule(
    "core.fichiers-produits",
    label="Fichiers produits en arrière-plan (exports, rapports, exports de données personnelles)",
    purpose="Être téléchargés par la personne qui les a demandés.",
    duration="30 jours",
    order=51,
)
def delete_job_files(today: datetime.date) -> int:
    limit = _start(today - datetime.timedelta(days=_days("job", "job")))
    deleted = 0
    for job in (
        Job.objects.exclude(result_file="").filter(created_at__lt=limit).only("pk", "result_file")
    ):
        default_storage.delete(job.result_file.name)
        Job.objects.filter(pk=job.pk).update(result_file="")
        deleted += 1
    return deleted
