import pytest

from tests.finances.conftest import association  # noqa: F401 - the association's identity

from .factories import ThemeFactory


@pytest.fixture
def theme(db):
    return ThemeFactory()
