import datetime

from occe.accounts.models import Role, User
from occe.accounts.tasks import invite_users

from .models import Cooperative, Mandate


def appoint_mandataire(
    cooperative: Cooperative,
    *,
    email: str,
    first_name: str,
    last_name: str,
    kind: str = Mandate.Kind.PRINCIPAL,
    start_date: datetime.date,
    invited_by=None,
) -> Mandate:
    """Give a cooperative a new mandataire of `kind`, ending the previous one the day before.

    The person's account is created (and invited) when they have none yet.
    """
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User(email=email, first_name=first_name, last_name=last_name, role=Role.MANDATAIRE)
        user.set_unusable_password()
        user.save()
    elif user.role == Role.ENSEIGNANT:
        user.role = Role.MANDATAIRE
        user.save(update_fields=["role"])
    previous = Mandate.objects.current(start_date).filter(cooperative=cooperative, kind=kind)
    for mandate in previous.exclude(user=user):
        mandate.end_date = start_date - datetime.timedelta(days=1)
        mandate.end_reason = f"Remplacé par {user}"
        mandate.save(update_fields=["end_date", "end_reason"])
    mandate = Mandate.objects.current(start_date).filter(cooperative=cooperative, user=user).first()
    if mandate is None:
        mandate = Mandate.objects.create(
            cooperative=cooperative, user=user, kind=kind, start_date=start_date
        )
    if created:
        invite_users.delay_on_commit([user.pk], getattr(invited_by, "pk", None))
    return mandate
