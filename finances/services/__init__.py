"""Workflows spanning several models, one module per part of the domain (receipts, Trousse à
projets; CRFS, controls and grants to come). The receipts' workflow is re-exported here, so
`services.validate(...)` reads as before."""

from .errors import WorkflowError
from .receipts import (
    amount_total,
    cancel,
    civil_year_bounds,
    issuer_problems,
    issuer_snapshot,
    line_problems,
    reject,
    replace,
    reserve_numbers,
    schedule_rendering,
    send_back,
    staff_warnings,
    submit,
    validate,
)
from .trousse import ONLINE, import_trousse

__all__ = [
    "ONLINE",
    "WorkflowError",
    "amount_total",
    "cancel",
    "civil_year_bounds",
    "import_trousse",
    "issuer_problems",
    "issuer_snapshot",
    "line_problems",
    "reject",
    "replace",
    "reserve_numbers",
    "schedule_rendering",
    "send_back",
    "staff_warnings",
    "submit",
    "validate",
]
