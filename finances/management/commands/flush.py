"""Django's `flush`, the one command allowed to empty the receipt tables (see finances.guard)."""

from django.core.management.commands import flush

from finances import guard


class Command(flush.Command):
    def handle(self, **options):
        with guard.lifted():
            return super().handle(**options)
