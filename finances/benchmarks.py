"""`make bench` rows for the receipts.

What is measured, in this process and inside one transaction that is rolled back at the end (no
receipt number of the real counter is consumed, demo data are left untouched; PDFs go to a
temporary MEDIA_ROOT that is removed):

- bare rendering: one receipt per WeasyPrint document with the shared font configuration
  (`finances.rendering.render_one_bare`), averaged over a few receipts;
- the chain for 1 000 receipts: `services.validate` (numbering, issue) then every batch through
  the body of the Celery task (`tasks.render_receipts.run`: layout of the batch in one pass,
  split per receipt, atomic file write, database update, progress), as a worker runs it;
- 10 000 receipts: the validation of all of them, then the same chain on as many batches as a
  time budget allows (BENCH_RECEIPTS_BUDGET seconds, 60 by default; BENCH_FULL=1 renders all
  10 000, about 10 minutes on 2 cores); the row says how many were rendered;
- the peak resident memory (getrusage maxrss) of this process, which rendered the batches.

A worker pool (`celery worker --concurrency=2`) divides the wall-clock time by about the number
of cores; the per-receipt cost per core is what is reported here.
"""

import os
import resource
import shutil
import tempfile
import time
from decimal import Decimal

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from cooperatives.models import Cooperative
from occe.accounts.models import Role, User

from . import services, tasks
from .models import DonationLine, DonationRequest, PaymentMethod, Receipt, RenderJob
from .rendering import render_one_bare


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _request(cooperative, user, count: int) -> DonationRequest:
    request = DonationRequest.objects.create(
        cooperative=cooperative,
        created_by=user,
        certified=True,
        status=DonationRequest.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    day = timezone.localdate() - timezone.timedelta(days=20)
    DonationLine.objects.bulk_create(
        DonationLine(
            request=request,
            position=i,
            last_name=f"Donateur{request.pk}-{i}",
            first_name="Camille",
            address=f"{i % 90 + 1} avenue de la République",
            postal_code="92000",
            city="Nanterre",
            country="France",
            amount=Decimal("100") + Decimal(i % 400),
            date=day,
            payment_method=PaymentMethod.CHEQUE,
        )
        for i in range(count)
    )
    return request


def _chain(cooperative, user, count: int, budget: float | None) -> tuple[float, float, int]:
    """(validation seconds, seconds per rendered receipt from validation to stored PDF, count
    rendered)."""
    request = _request(cooperative, user, count)
    start = time.perf_counter()
    receipts = services.validate(request.pk, user)
    validated = time.perf_counter()
    job = RenderJob.objects.filter(request=request).first()
    ids = [r.pk for r in receipts]
    rendered = 0
    for offset in range(0, len(ids), tasks.BATCH_SIZE):
        batch = ids[offset : offset + tasks.BATCH_SIZE]
        tasks.render_receipts.run(job.pk, batch)
        rendered += len(batch)
        if budget is not None and time.perf_counter() - validated > budget:
            break
    elapsed = time.perf_counter() - start
    validation = validated - start
    # Validation time is spread over all receipts; rendering over those rendered.
    per_receipt = validation / count + (elapsed - validation) / rendered
    return validation, per_receipt, rendered


def run(report) -> None:
    media = tempfile.mkdtemp(prefix="bench-recus-")
    full = os.environ.get("BENCH_FULL") == "1"
    budget = None if full else float(os.environ.get("BENCH_RECEIPTS_BUDGET", "60"))
    try:
        with override_settings(MEDIA_ROOT=media), transaction.atomic():
            user = User.objects.create(
                email="bench-recus@exemple.invalid", role=Role.SECRETARIAT, last_name="Bench"
            )
            cooperative = Cooperative.objects.create(
                number="BENCH-RECUS",
                uai="0920001C",
                name="École du banc d'essai",
                type=Cooperative.Type.ELEMENTAIRE,
                commune="Nanterre",
            )
            rss_before = _maxrss_mb()

            sample = _request(cooperative, user, 31)
            receipts = list(
                Receipt.objects.filter(pk__in=[r.pk for r in services.validate(sample.pk, user)])
                .select_related("cooperative")
                .prefetch_related("lines")
            )
            render_one_bare(receipts[0])  # fonts loaded once, as in a warm worker
            start = time.perf_counter()
            for receipt in receipts[1:]:
                render_one_bare(receipt)
            bare = (time.perf_counter() - start) / (len(receipts) - 1)
            report(
                "reçus : rendu WeasyPrint seul (1 reçu par document)",
                f"{bare * 1000:.0f} ms/reçu",
                "référence",
            )

            _, per_receipt, _ = _chain(cooperative, user, 1000, None)
            report(
                "reçus : validation → PDF stocké, 1 000 reçus",
                f"{per_receipt * 1000:.0f} ms/reçu ({per_receipt / bare:.2f}× le rendu seul)",
                f"≤ 1,5× le rendu seul ({bare * 1500:.0f} ms)",
            )

            validation, per_receipt, rendered = _chain(cooperative, user, 10_000, budget)
            report(
                "reçus : validation et numérotation de 10 000 reçus (une transaction)",
                f"{validation:.1f} s ({validation / 10:.2f} ms/reçu)",
                "—",
            )
            label = "10 000 reçus" if rendered == 10_000 else f"10 000 reçus, {rendered} rendus"
            report(
                f"reçus : validation → PDF stocké, {label}",
                f"{per_receipt * 1000:.0f} ms/reçu ({per_receipt / bare:.2f}× le rendu seul)",
                f"≤ 1,5× le rendu seul ({bare * 1500:.0f} ms)",
            )
            report(
                f"reçus : mémoire maximale du processus de rendu (lots de {tasks.BATCH_SIZE})",
                f"{_maxrss_mb():.0f} Mo",
                f"{rss_before:.0f} Mo avant les rendus",
            )
            transaction.set_rollback(True)
    finally:
        shutil.rmtree(media, ignore_errors=True)
