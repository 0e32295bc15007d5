from allauth.account.models import EmailAddress
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction


class Role(models.TextChoices):
    SECRETARIAT = "secretariat", "Secrétariat"
    ANIMATION = "animation", "Animation"
    ADMINISTRATEUR = "administrateur", "Administrateur"
    MANDATAIRE = "mandataire", "Mandataire"
    ENSEIGNANT = "enseignant", "Enseignant"


STAFF_ROLES = {Role.SECRETARIAT, Role.ANIMATION}
BOARD_ROLES = {Role.ADMINISTRATEUR}


class EmailUserManager(UserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in with an e-mail address; what they may do follows from `role`.

    `is_staff` keeps Django's meaning (access to the Django admin) and is only set on superusers.
    """

    username = None
    email = models.EmailField("adresse électronique", unique=True)
    role = models.CharField("rôle", max_length=20, choices=Role.choices, default=Role.ENSEIGNANT)
    is_signataire = models.BooleanField(
        "signataire des reçus",
        default=False,
        help_text="Président ou trésorier au nom duquel les reçus sont émis.",
    )
    phone = models.CharField("téléphone", max_length=30, blank=True)
    signed_up_at = models.DateTimeField(
        "inscrit le",
        null=True,
        blank=True,
        editable=False,
        help_text="Compte créé par l'enseignant lui-même (inscription en ligne) ; vide pour un "
        "compte créé par le secrétariat.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = EmailUserManager()

    class Meta:
        verbose_name = "utilisateur"
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.get_full_name() or self.email

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._stored_email = user.__dict__.get("email")
        return user

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            stored = getattr(self, "_stored_email", None)
            if stored is not None and stored != self.email:
                # A new address is not verified until its owner follows a link sent to it, and
                # the old one no longer identifies this account.
                EmailAddress.objects.filter(user=self).exclude(email=self.email).delete()
        self._stored_email = self.email

    def mark_email_verified(self) -> None:
        """The person proved they read mail at `self.email` (they followed a link sent there):
        from now on that address identifies them (appointments, imports)."""
        EmailAddress.objects.filter(user=self).exclude(email=self.email).delete()
        EmailAddress.objects.update_or_create(
            user=self, email=self.email, defaults={"verified": True, "primary": True}
        )

    @property
    def email_verified(self) -> bool:
        return EmailAddress.objects.filter(user=self, email=self.email, verified=True).exists()

    @property
    def must_verify_email(self) -> bool:
        """Someone who signed up themselves logs in only once they followed the link sent to
        their address (and again after the secretariat changes it). Accounts the secretariat
        creates prove their address by the invitation link, before they have a password."""
        return self.signed_up_at is not None and not self.email_verified

    # What a role may do. Views ask these questions, never compare roles themselves.
    @property
    def is_secretariat(self) -> bool:
        return self.is_superuser or self.role == Role.SECRETARIAT

    @property
    def is_animation(self) -> bool:
        return self.is_superuser or self.role == Role.ANIMATION

    @property
    def is_staff_member(self) -> bool:
        """Employees of the association (secretariat, animation)."""
        return self.is_superuser or self.role in STAFF_ROLES

    @property
    def is_board_member(self) -> bool:
        return self.is_superuser or self.role in BOARD_ROLES

    @property
    def sees_everything(self) -> bool:
        """Staff and board read every cooperative of the department."""
        return self.is_staff_member or self.is_board_member

    @property
    def is_mandataire(self) -> bool:
        return self.role == Role.MANDATAIRE

    @property
    def requires_mfa(self) -> bool:
        return self.sees_everything


def mark_email_verified(sender, request, user, **kwargs):
    """allauth's `password_reset` signal: a password chosen through a link sent by e-mail (an
    invitation or « Mot de passe oublié ») proves the address."""
    user.mark_email_verified()
