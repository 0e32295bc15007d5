"""Background work of the finances app, one module per part of the domain. Celery's
autodiscovery imports this package, so every module with tasks is imported here (and the core
finds the kinds of job declared in them). The e-mail tasks keep their names
(`finances.tasks.send_receipt_email`…): messages already queued still reach them."""

from .grants import send_decision_letter
from .receipts import (
    BATCH_SIZE,
    EmailNotSent,
    RenderReceipts,
    missing_receipts,
    needs_rendering,
    notify_mandataires,
    queue_batches,
    render_batch,
    render_pdfs,
    render_receipts,
    send_receipt_email,
    update_progress,
)

__all__ = [
    "BATCH_SIZE",
    "EmailNotSent",
    "RenderReceipts",
    "missing_receipts",
    "needs_rendering",
    "notify_mandataires",
    "render_batch",
    "queue_batches",
    "render_pdfs",
    "render_receipts",
    "send_decision_letter",
    "send_receipt_email",
    "update_progress",
]

from . import crfs as _crfs  # noqa: E402, F401  (the CRFS reminders' job kind)
