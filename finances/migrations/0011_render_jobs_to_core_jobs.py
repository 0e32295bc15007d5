"""The receipts' RenderJob becomes a core Job of kind "finances.render_receipts", linked to its
request: same receipts, progress, dates, automatic relaunches and error (in French, as the page
showed it). A job still unfinished keeps its last sign of life: once stale, the jobs' sweeper
resumes it (the batch messages queued before the upgrade, of a task renamed since, are dropped),
queuing again only its missing PDFs."""

from django.db import migrations

KIND = "finances.render_receipts"
FAILED = "La production de certains PDF a échoué"


def core_fields(old) -> dict:
    """The core Job's fields for a RenderJob row."""
    done = min(old.done, old.total)
    fields = {
        "kind": KIND,
        "done": done,
        "total": old.total,
        "created_at": old.created_at,
        "started_at": old.created_at if done or old.finished_at or old.failed else None,
        "heartbeat_at": old.progressed_at,
        "attempts": old.sweeps,
        "parameters": {"receipts": list(old.receipt_ids)},
        "object_id": old.request_id,
    }
    if old.finished_at:
        return fields | {"status": "done", "done": old.total, "finished_at": old.finished_at}
    if old.failed:
        error = f"{FAILED} ({old.error})." if old.error else f"{FAILED}."
        return fields | {"status": "failed", "finished_at": old.progressed_at, "error": error}
    return fields | {"status": "running" if done else "pending"}


def to_core_jobs(apps, schema_editor):
    RenderJob = apps.get_model("finances", "RenderJob")
    Job = apps.get_model("core", "Job")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not RenderJob.objects.exists():
        return
    request_type, _ = ContentType.objects.get_or_create(
        app_label="finances", model="donationrequest"
    )
    jobs = (
        Job(content_type=request_type, **core_fields(old))
        for old in RenderJob.objects.order_by("pk").iterator()
    )
    Job.objects.bulk_create(jobs, batch_size=500)


def back_to_render_jobs(apps, schema_editor):
    RenderJob = apps.get_model("finances", "RenderJob")
    Job = apps.get_model("core", "Job")
    jobs = Job.objects.filter(kind=KIND).order_by("pk")
    RenderJob.objects.bulk_create(
        RenderJob(
            request_id=job.object_id,
            receipt_ids=job.parameters.get("receipts", []),
            total=job.total,
            done=job.done,
            failed=1 if job.status == "failed" else 0,
            error=job.error,
            created_at=job.created_at,
            progressed_at=job.heartbeat_at,
            sweeps=job.attempts,
            finished_at=job.finished_at if job.status == "done" else None,
        )
        for job in jobs.iterator()
        if job.object_id
    )
    jobs.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0003_job_importbatch"),
        ("finances", "0010_grant_payment_cancellation_claim_documents"),
    ]

    operations = [
        migrations.RunPython(to_core_jobs, back_to_render_jobs),
        migrations.DeleteModel(name="RenderJob"),
    ]
