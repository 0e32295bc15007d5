# The receipts' fixtures: an association able to issue receipts, a secretary.
from tests.finances.conftest import association, secretary  # noqa: F401
