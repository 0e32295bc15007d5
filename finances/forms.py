from django import forms

from cooperatives.models import Cooperative
from occe.core.spreadsheets import clean_upload

from .models import DONOR_FIELDS, DonationLine, DonationRequest

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

LINE_FIELDS = [*DONOR_FIELDS, "amount", "date", "payment_method", "form", "nature"]


class RequestForm(forms.ModelForm):
    certified = forms.BooleanField(
        label=(
            "Je certifie que chaque don a été reçu sur le compte bancaire de la coopérative et "
            "n'a donné lieu à aucune contrepartie."
        ),
        required=False,
    )

    class Meta:
        model = DonationRequest
        fields = ["group_by_donor", "email_donors", "certified"]

    def __init__(self, *args, can_certify: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_certify:
            # The certification is the mandataire's word: staff never tick it for them.
            del self.fields["certified"]


class NewRequestForm(forms.Form):
    cooperative = forms.ModelChoiceField(label="Coopérative", queryset=Cooperative.objects.none())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cooperative"].queryset = Cooperative.objects.visible_to(user).active()


class LineForm(forms.ModelForm):
    class Meta:
        model = DonationLine
        fields = LINE_FIELDS
        widgets = {
            "date": DATE,
            "amount": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment_method"].choices = [("", "—")] + list(
            self.fields["payment_method"].choices
        )[1:]


LineFormSet = forms.inlineformset_factory(
    DonationRequest, DonationLine, form=LineForm, extra=0, can_delete=True
)


class ImportForm(forms.Form):
    file = forms.FileField(label="Fichier Excel (.xlsx)")

    def clean_file(self):
        return clean_upload(self.cleaned_data["file"])


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 3}))


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'annulation", widget=forms.Textarea(attrs={"rows": 3})
    )
    replace = forms.BooleanField(label="Émettre un reçu de remplacement", required=False)
    last_name = forms.CharField(label="Nom (remplacement)", required=False)
    first_name = forms.CharField(label="Prénom (remplacement)", required=False)
    company_name = forms.CharField(label="Raison sociale (remplacement)", required=False)
    address = forms.CharField(label="Adresse (remplacement)", required=False)
    postal_code = forms.CharField(label="Code postal (remplacement)", required=False)
    city = forms.CharField(label="Commune (remplacement)", required=False)
    country = forms.CharField(label="Pays (remplacement)", required=False)

    def changes(self) -> dict:
        return {
            name: self.cleaned_data.get(name, "")
            for name in self.fields
            if name not in {"reason", "replace"}
        }


class RegisterForm(forms.Form):
    PERIODS = [("civile", "Année civile"), ("scolaire", "Année scolaire")]
    period = forms.ChoiceField(label="Période", choices=PERIODS, initial="civile")
    year = forms.IntegerField(
        label="Année (civile, ou de début d'année scolaire)", min_value=1990, max_value=2100
    )


class TrousseUploadForm(forms.Form):
    file = forms.FileField(label="Export de la Trousse à projets (.xlsx ou .csv)")

    def clean_file(self):
        return clean_upload(self.cleaned_data["file"])
