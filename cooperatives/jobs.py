"""What the cooperatives app contributes to occe.core's machinery, found at start-up: its
importer (registered by `exchange`)."""

from . import exchange  # noqa: F401  (registers CooperativeImporter)
