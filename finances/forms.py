from decimal import Decimal

from django import forms
from django.forms.formsets import TOTAL_FORM_COUNT

from cooperatives.models import Cooperative
from occe.core.forms import FrenchDecimalField
from occe.core.spreadsheets import clean_upload
from occe.core.validators import clean_siren

from .models import (
    DONOR_FIELDS,
    MAX_GIFT_AMOUNT,
    MAX_LINES,
    DonationLine,
    DonationRequest,
    DonorType,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Which fields belong to which kind of donor: the page shows only those of the chosen type
# (static/js/dons.js); the server blanks the others, so a hidden value is never printed.
DONOR_TYPE_FIELDS = {
    DonorType.PARTICULIER: ["last_name", "first_name"],
    DonorType.ENTREPRISE: ["company_name", "legal_form", "siren"],
}

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
    amount = FrenchDecimalField(
        label="Montant",
        required=False,
        min_value=Decimal("0.01"),
        max_value=MAX_GIFT_AMOUNT,
        help_text="En euros, par exemple 120,50.",
    )
    siren = forms.CharField(label="SIREN", max_length=20, required=False)

    class Meta:
        model = DonationLine
        fields = LINE_FIELDS
        widgets = {"date": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment_method"].choices = [("", "—")] + list(
            self.fields["payment_method"].choices
        )[1:]
        self.fields["amount"].widget.attrs["data-montant"] = ""
        self.fields["donor_type"].widget.attrs["data-type-donateur"] = ""
        for donor_type, names in DONOR_TYPE_FIELDS.items():
            for name in names:
                self.fields[name].widget.attrs["data-pour"] = donor_type

    def clean_siren(self):
        value = self.cleaned_data.get("siren", "")
        return clean_siren(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        donor_type = cleaned.get("donor_type")
        for other, names in DONOR_TYPE_FIELDS.items():
            if donor_type and other != donor_type:
                for name in names:
                    cleaned[name] = ""
                    self._errors.pop(name, None)  # `errors` would clean again
        return cleaned


class BaseLineFormSet(forms.BaseInlineFormSet):
    default_error_messages = {
        "too_many_forms": (
            f"Une demande compte au plus {MAX_LINES} dons : répartissez-les en plusieurs demandes."
        ),
    }

    def total_form_count(self) -> int:
        # A forged count: no form is built at all, full_clean() reports the error.
        if (
            self.is_bound
            and self.management_form.is_valid()
            and self.management_form.cleaned_data[TOTAL_FORM_COUNT] > self.absolute_max
        ):
            return 0
        return super().total_form_count()


LineFormSet = forms.inlineformset_factory(
    DonationRequest,
    DonationLine,
    form=LineForm,
    formset=BaseLineFormSet,
    extra=0,
    can_delete=True,
    max_num=MAX_LINES,
    absolute_max=MAX_LINES,
    validate_max=True,
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
    legal_form = forms.CharField(label="Forme juridique (remplacement)", required=False)
    siren = forms.CharField(label="SIREN (remplacement)", required=False, max_length=20)
    address = forms.CharField(label="Adresse (remplacement)", required=False)
    postal_code = forms.CharField(label="Code postal (remplacement)", required=False)
    city = forms.CharField(label="Commune (remplacement)", required=False)
    country = forms.CharField(label="Pays (remplacement)", required=False)

    def clean_siren(self):
        value = self.cleaned_data.get("siren", "")
        return clean_siren(value) if value else ""

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
