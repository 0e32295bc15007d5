from django import forms

from occe.accounts.models import Role, User

from .models import AccompanimentEntry, Affiliation, Cooperative, Mandate

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CooperativeForm(forms.ModelForm):
    class Meta:
        model = Cooperative
        fields = [
            "number",
            "uai",
            "name",
            "type",
            "address",
            "postal_code",
            "commune",
            "circonscription",
            "priority_education",
            "assoconnect_profile",
            "software",
        ]
        error_messages = {
            "number": {"unique": "Ce numéro est déjà attribué à une autre coopérative."}
        }

    def clean_uai(self):
        return self.cleaned_data["uai"].strip().upper()


class StrikeOffForm(forms.Form):
    date = forms.DateField(label="Date de radiation", widget=DATE)
    reason = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 3}))


class MandateForm(forms.Form):
    email = forms.EmailField(label="Adresse électronique")
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    kind = forms.ChoiceField(label="Rôle", choices=Mandate.Kind.choices)
    start_date = forms.DateField(label="Début du mandat", widget=DATE)

    def __init__(self, *args, cooperative=None, **kwargs):
        self.cooperative = cooperative
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        if user and not user.is_mandataire and user.role != Role.ENSEIGNANT:
            raise forms.ValidationError(
                "Cette adresse appartient à un compte de l'équipe ou du conseil d'administration."
            )
        return email


class EndMandateForm(forms.Form):
    end_date = forms.DateField(label="Fin du mandat", widget=DATE)
    reason = forms.CharField(label="Motif", max_length=250, required=False)


class AccompanimentForm(forms.ModelForm):
    class Meta:
        model = AccompanimentEntry
        fields = ["date", "channel", "topic", "notes"]
        widgets = {"date": DATE, "notes": forms.Textarea(attrs={"rows": 3})}


class AffiliationForm(forms.ModelForm):
    class Meta:
        model = Affiliation
        fields = ["classes", "pupils", "adults"]

    def clean(self):
        data = super().clean()
        if data.get("classes") and not data.get("pupils"):
            self.add_error("pupils", "Indiquez le nombre d'élèves des classes déclarées.")
        return data


class SubmitAffiliationForm(forms.Form):
    engagement = forms.BooleanField(
        label=(
            "Je confirme mon engagement de mandataire : je gère l'argent de la coopérative "
            "selon les statuts et le règlement de l'association départementale."
        ),
        error_messages={"required": "Vous devez confirmer votre engagement pour soumettre."},
    )
