"""Receipts issued before the receipts were frozen: their gifts as data, the marked copy of a
cancelled receipt in its own column, jobs with their receipts, and no impossible draft amount
left before the bounds become constraints (0005)."""

from decimal import Decimal

from django.conf import settings
from django.db import migrations, models

MAX_GIFT_AMOUNT = Decimal("100000.00")


def freeze_existing(apps, schema_editor):
    """Receipts issued before this migration: their gifts as data, the marked copy of a
    cancelled one in its own column (the original file is kept as the archive)."""
    from pathlib import Path

    Receipt = apps.get_model("finances", "Receipt")
    DonationLine = apps.get_model("finances", "DonationLine")
    RenderJob = apps.get_model("finances", "RenderJob")
    by_receipt = {}
    for line in DonationLine.objects.filter(receipt__isnull=False).order_by("date", "position", "pk"):
        by_receipt.setdefault(line.receipt_id, []).append(
            {"date": line.date.isoformat() if line.date else None, "amount": str(line.amount),
             "payment_method": line.payment_method}
        )
    receipts = {r.pk: r for r in Receipt.objects.all()}
    for receipt in receipts.values():
        source, gifts = receipt, []
        while source is not None and not gifts:
            gifts = by_receipt.get(source.pk, [])
            source = receipts.get(source.replaces_id)
        fields = {"gifts": gifts}
        name = receipt.pdf.name or ""  # a FieldFile: its name is the text
        if receipt.cancelled_at and name.endswith("-annule.pdf"):
            original = name[: -len("-annule.pdf")] + ".pdf"
            fields["cancelled_pdf"] = name
            fields["pdf"] = original if (Path(settings.MEDIA_ROOT) / original).is_file() else ""
        Receipt.objects.filter(pk=receipt.pk).update(**fields)
    for job in RenderJob.objects.all():
        ids = sorted(Receipt.objects.filter(request_id=job.request_id).values_list("pk", flat=True))
        RenderJob.objects.filter(pk=job.pk).update(
            receipt_ids=ids if len(ids) == job.total else [], progressed_at=job.created_at
        )
    # Drafts typed before the bounds: an impossible amount is emptied, to be typed again.
    DonationLine.objects.filter(receipt__isnull=True).filter(
        models.Q(amount__lte=0) | models.Q(amount__gt=MAX_GIFT_AMOUNT)
    ).update(amount=None)



class Migration(migrations.Migration):
    dependencies = [("finances", "0003_receipt_gifts_cancelled_pdf_jobs")]

    operations = [migrations.RunPython(freeze_existing, migrations.RunPython.noop)]
