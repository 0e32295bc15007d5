"""Background work of the finances app, one module per part of the domain. Celery's
autodiscovery imports this package, so every module with tasks is imported here. The receipts'
tasks keep their names (`finances.tasks.render_receipts`…): messages already queued and the beat
schedule still reach them."""

from .grants import send_decision_letter
from .receipts import (
    BATCH_SIZE,
    EmailNotSent,
    enqueue_batches,
    needs_rendering,
    notify_mandataires,
    render_batch,
    render_pdfs,
    render_receipts,
    send_receipt_email,
    sweep_stale_jobs,
    update_progress,
)

__all__ = [
    "BATCH_SIZE",
    "EmailNotSent",
    "enqueue_batches",
    "needs_rendering",
    "notify_mandataires",
    "render_batch",
    "render_pdfs",
    "render_receipts",
    "send_decision_letter",
    "send_receipt_email",
    "sweep_stale_jobs",
    "update_progress",
]
