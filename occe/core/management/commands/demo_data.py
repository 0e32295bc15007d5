import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from occe.core import demo
from occe.core.demo_apps import DemoContext, populate_apps, populated_apps


class Command(BaseCommand):
    help = (
        "Crée un département de démonstration (coopératives, affiliations sur deux années, "
        "mandataires, accompagnements, et les données de chaque application) et des comptes "
        "pour chaque rôle."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=sorted(demo.SCALES),
            default="department",
            help="department : 625 coopératives (OCCE 92) ; large : 6 250 ; test : 30.",
        )
        parser.add_argument("--coops", type=int, help="Nombre de coopératives (remplace --scale).")
        parser.add_argument("--seed", type=int, default=1, help="Même graine, mêmes données.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Ne rien créer si des données existent déjà (affiche seulement les comptes).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Créer les données même avec DEBUG désactivé (comptes au mot de passe connu).",
        )

    def handle(self, *args, scale, coops, seed, if_empty, force, **options):
        # The demo accounts have a published password: never by mistake on a real server.
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG est désactivé : les comptes de démonstration ont un mot de passe connu. "
                "Ajoutez --force pour les créer quand même (poste de développement, essai)."
            )
        count = coops if coops is not None else demo.SCALES[scale]
        if count < 1:
            raise CommandError("Il faut au moins une coopérative.")
        if populated := populated_apps():
            if not if_empty:
                raise CommandError(
                    f"La base contient déjà des données ({', '.join(populated)}) : les données "
                    "de démonstration se créent dans une base vide (ou utilisez --if-empty pour "
                    "ne rien faire)."
                )
            self.stdout.write("Des données existent déjà : aucune donnée n'est créée.")
            self.stdout.write(demo.format_logins(demo.demo_logins()))
            return
        started = time.perf_counter()
        lines = populate_apps(DemoContext(seed=seed, coops=count))
        self.stdout.write(f"Créé en {time.perf_counter() - started:.1f} s :")
        for line in lines:
            self.stdout.write(f"  {line}")
        self.stdout.write(demo.format_logins(demo.demo_logins()))
