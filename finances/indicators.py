"""The finances' figures of the annual report: one module per part, imported here so that the
registry (occe.core.indicators, autodiscovered `indicators` modules) finds them."""

from . import indicators_crfs, indicators_grants, indicators_receipts  # noqa: F401
