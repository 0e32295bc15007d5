import datetime

from django.core.management.base import BaseCommand

from occe.ops.tasks import retention


class Command(BaseCommand):
    help = (
        "Applique les durées de conservation des données personnelles (ce que beat fait le 1er "
        "de chaque mois) et affiche ce que chaque règle a effacé."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=datetime.date.fromisoformat,
            help="Date de référence AAAA-MM-JJ (aujourd'hui par défaut).",
        )

    def handle(self, *args, date=None, **options):
        counts = retention.apply(kwargs={"today": date.isoformat() if date else None}).get()
        for key, count in counts.items():
            self.stdout.write(f"{key} : {count}")
