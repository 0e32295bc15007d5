"""The suite writes no file into the working tree (issue 7, §9)."""

from pathlib import Path

from django.conf import settings
from django.db import connection


def test_the_test_database_and_the_secret_key_stay_out_of_the_working_tree(db):
    base = Path(settings.BASE_DIR).resolve()
    if connection.vendor == "sqlite":
        assert not Path(connection.settings_dict["NAME"]).resolve().is_relative_to(base)
    assert settings.SECRET_KEY.startswith("tests-only-")
    assert not Path(settings.MEDIA_ROOT).resolve().is_relative_to(base)
