import time

from django.core.management.base import BaseCommand, CommandError

from cooperatives.models import Cooperative
from occe.core import demo
from occe.core.demo_apps import DemoContext, populate_apps


def number_fr(value: int) -> str:
    return f"{value:,}".replace(",", " ")


class Command(BaseCommand):
    help = (
        "Crée un département de démonstration (coopératives, affiliations sur deux années, "
        "mandataires, accompagnements) et des comptes pour chaque rôle."
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
            help="Ne rien créer si des coopératives existent déjà (affiche seulement les comptes).",
        )

    def handle(self, *args, scale, coops, seed, if_empty, **options):
        count = coops if coops is not None else demo.SCALES[scale]
        if count < 1:
            raise CommandError("Il faut au moins une coopérative.")
        if Cooperative.objects.exists():
            if not if_empty:
                raise CommandError(
                    "La base contient déjà des coopératives : les données de démonstration se "
                    "créent dans une base vide (ou utilisez --if-empty pour ne rien faire)."
                )
            self.stdout.write("Des coopératives existent déjà : aucune donnée n'est créée.")
            self.stdout.write(demo.format_logins(demo.demo_logins()))
            return
        started = time.perf_counter()
        result = demo.generate(count, seed=seed)
        app_lines = populate_apps(DemoContext(seed=seed, coops=count))
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Créé en {elapsed:.1f} s : {number_fr(result.coops)} coopératives, "
            f"{result.circonscriptions} circonscriptions, {number_fr(result.users)} comptes, "
            f"{number_fr(result.mandates)} mandats, {number_fr(result.affiliations)} affiliations, "
            f"{number_fr(result.accompaniments)} accompagnements."
        )
        for label, totals in result.totals.items():
            self.stdout.write(
                f"  {label} : {number_fr(totals['coops'])} affiliations, "
                f"{number_fr(totals['members'])} adhérents ({number_fr(totals['classes'])} classes, "
                f"{number_fr(totals['pupils'])} élèves, {number_fr(totals['adults'])} adultes)"
            )
        for line in app_lines:
            self.stdout.write(f"  {line}")
        self.stdout.write(demo.format_logins(result.logins))
