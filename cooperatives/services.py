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
    day_before = start_date - datetime.timedelta(days=1)
    current = Mandate.objects.current(start_date).filter(cooperative=cooperative)
    for mandate in current.filter(kind=kind).exclude(user=user):
        mandate.end(day_before, f"Remplacé par {user}")
    mandate = None
    for held in current.filter(user=user):
        if held.kind == kind:
            mandate = held
        else:  # a co-mandataire who becomes principal (or the reverse) starts a new mandate
            held.end(day_before, f"Devient {Mandate.Kind(kind).label.lower()}")
    if mandate is None:
        mandate = Mandate.objects.create(
            cooperative=cooperative, user=user, kind=kind, start_date=start_date
        )
    if created:
        invite_users.delay_on_commit([user.pk], getattr(invited_by, "pk", None))
    return mandate
