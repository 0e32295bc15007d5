"""The cooperatives' ImportBatch becomes occe.core's generic ImportBatch (kind "cooperatives");
the apply of each applied batch becomes a finished Job, so its date and author are kept."""

from django.db import migrations


def move_batches(apps, schema_editor):
    Old = apps.get_model("cooperatives", "ImportBatch")
    New = apps.get_model("core", "ImportBatch")
    Job = apps.get_model("core", "Job")
    ContentType = apps.get_model("contenttypes", "ContentType")
    batch_type = None
    for old in Old.objects.order_by("pk"):
        new = New.objects.create(
            kind="cooperatives",
            file=old.file.name,
            original_name=old.original_name,
            school_year_id=old.school_year_id,
            parameters={"school_year": old.school_year_id},
            created_by_id=old.created_by_id,
            status=old.status,
            summary=old.summary,
        )
        # auto_now_add ignores the value given on create.
        New.objects.filter(pk=new.pk).update(created_at=old.created_at)
        if old.status == "applied":
            if batch_type is None:
                batch_type, _ = ContentType.objects.get_or_create(
                    app_label="core", model="importbatch"
                )
            when = old.applied_at or old.created_at
            rows = sum((old.summary or {}).get("counts", {}).values())
            job = Job.objects.create(
                kind="imports.apply",
                status="done",
                done=rows,
                total=rows,
                user_id=old.created_by_id,
                created_at=when,
                started_at=when,
                finished_at=when,
                heartbeat_at=when,
                parameters={"batch": new.pk},
                result=(old.summary or {}).get("result", {}),
                content_type=batch_type,
                object_id=new.pk,
            )
            New.objects.filter(pk=new.pk).update(job=job)


def move_back(apps, schema_editor):
    Old = apps.get_model("cooperatives", "ImportBatch")
    New = apps.get_model("core", "ImportBatch")
    for new in New.objects.filter(kind="cooperatives").select_related("job").order_by("pk"):
        old = Old.objects.create(
            file=new.file.name,
            original_name=new.original_name,
            school_year_id=new.school_year_id,
            created_by_id=new.created_by_id,
            status=new.status,
            summary=new.summary,
            applied_at=new.job.finished_at if new.job_id and new.status == "applied" else None,
        )
        Old.objects.filter(pk=old.pk).update(created_at=new.created_at)
        if new.job_id:
            new.job.delete()
        new.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("cooperatives", "0002_importbatch"),
        ("core", "0003_job_importbatch"),
    ]

    operations = [
        migrations.RunPython(move_batches, move_back),
        migrations.DeleteModel(name="ImportBatch"),
    ]
