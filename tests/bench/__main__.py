"""`python -m tests.bench [--scales …] [--apps …]`: the benchmarks, as `make bench` runs them."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "occe.settings")
django.setup()

from tests.bench.command import Command  # noqa: E402  (needs the apps loaded)

Command().run_from_argv([sys.argv[0], "bench", *sys.argv[1:]])
