from django import forms

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
