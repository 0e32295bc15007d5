from allauth.account import forms as allauth_forms
from django import forms

from occe.core.models import Association

from .models import User


class UserForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "phone", "role", "is_signataire", "is_active"]
        help_texts = {
            "email": "Son identifiant de connexion. Une nouvelle adresse n'est vérifiée "
            "qu'une fois le lien d'invitation ou de mot de passe oublié suivi.",
            "is_active": "Décochez pour fermer l'accès sans supprimer le compte : son "
            "historique est gardé.",
        }

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        others = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("Un compte existe déjà avec cette adresse électronique.")
        return email


class SignupForm(allauth_forms.SignupForm):
    """Teachers' own sign-up (ACCOUNT_FORMS["signup"]): only addresses of the academic domains
    the association lists. The name and school come from ACCOUNT_SIGNUP_FORM_CLASS (a form of
    the cooperatives app, which this module does not import)."""

    field_order = ["first_name", "last_name", "email", "password1", "password2", "cooperative"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.association = Association.get()
        email = self.fields["email"]
        email.label = "Adresse électronique académique"
        domains = self.association.academic_domains
        if domains:
            email.help_text = "Votre adresse professionnelle : prenom.nom@" + " ou @".join(domains)
        self.fields["password1"].label = "Mot de passe"
        if "password2" in self.fields:
            self.fields["password2"].label = "Mot de passe (confirmation)"

    def clean_email(self):
        # Before allauth's check of existing accounts: an address refused here is refused
        # whether or not it has an account, so the answer tells nothing about accounts.
        email = self.cleaned_data["email"].strip().lower()
        if not self.association.allows_signup(email):
            contact = self.association.email
            raise forms.ValidationError(
                "Seules les adresses académiques ({domains}) permettent de créer un compte. "
                "Pour un accès avec une autre adresse, demandez-le au secrétariat de "
                "l'association{contact}.".format(
                    domains=", ".join(f"@{d}" for d in self.association.academic_domains),
                    contact=f" : {contact}" if contact else "",
                )
            )
        return super().clean_email()
