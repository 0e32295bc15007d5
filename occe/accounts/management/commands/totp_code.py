from django.core.management.base import BaseCommand, CommandError

from occe.accounts.mfa import current_code
from occe.accounts.models import User


class Command(BaseCommand):
    help = "Affiche le code TOTP actuel d'un compte de démonstration (pour se connecter sans application)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, email, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"Aucun compte {email}.")
        try:
            self.stdout.write(current_code(user))
        except Exception as exc:
            raise CommandError(f"Le compte {email} n'a pas de TOTP activé.") from exc
