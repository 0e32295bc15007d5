"""The finances app's figures of the annual report, one module per part (autodiscovered)."""

from . import indicators_crfs  # noqa: F401
