import factory
from allauth.account.models import EmailAddress

from occe.accounts.mfa import activate_totp
from occe.accounts.models import Role, User

PASSWORD = "mot-de-passe-de-test-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"utilisateur{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    role = Role.ENSEIGNANT
    password = factory.django.Password(PASSWORD)

    class Params:
        secretariat = factory.Trait(role=Role.SECRETARIAT)
        animation = factory.Trait(role=Role.ANIMATION)
        administrateur = factory.Trait(role=Role.ADMINISTRATEUR)
        mandataire = factory.Trait(role=Role.MANDATAIRE)
        signataire = factory.Trait(role=Role.ADMINISTRATEUR, is_signataire=True)

    @factory.post_generation
    def totp(self, create, extracted, **kwargs):
        """Staff and board get their TOTP set up unless `totp=False`."""
        if create and self.requires_mfa and extracted is not False:
            activate_totp(self)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        """The account's address is verified (allauth), as for anyone who joined through their
        invitation, unless `verified_email=False`."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)
