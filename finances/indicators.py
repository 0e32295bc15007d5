"""The finances figures of the annual report, one module per part of the domain (the registry
autodiscovers this module; importing a part registers its `@indicator` functions)."""

from . import indicators_grants  # noqa: F401
