from decimal import Decimal

from django import forms
from django.utils import timezone

from occe.accounts.models import Role, User
from occe.core.forms import FrenchDecimalField

from .models import (
    MAX_ADULTS,
    MAX_CLASSES,
    MAX_PUPILS,
    AccompanimentEntry,
    Affiliation,
    Cooperative,
    FeePayment,
    Mandate,
    ReminderBatch,
    TeacherSchool,
    amount_validators,
    count_validators,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def choose_label(form: forms.Form, *names: str) -> None:
    """The empty choice of a required select reads "Choisir…", not Django's "---------"."""
    for name in names:
        form.fields[name].choices = [("", "Choisir…"), *form.fields[name].choices[1:]]


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choose_label(self, "type")
        self.fields["circonscription"].empty_label = "Aucune"

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choose_label(self, "channel", "topic")


def count_field(label: str, maximum: int, what: str) -> forms.IntegerField:
    """A headcount: the model's bounds and French messages (the same as the import's)."""
    return forms.IntegerField(
        label=label,
        validators=count_validators(maximum, what),
        widget=forms.NumberInput(attrs={"min": 0, "max": maximum, "inputmode": "numeric"}),
    )


class AffiliationForm(forms.ModelForm):
    """The one form of the affiliation page: the figures, and the mandataire's engagement when
    they submit ("Enregistrer et soumettre"), so nothing typed is lost on any error."""

    classes = count_field("Classes", MAX_CLASSES, "de classes")
    pupils = count_field("Élèves", MAX_PUPILS, "d'élèves")
    adults = count_field("Adultes", MAX_ADULTS, "d'adultes")
    engagement = forms.BooleanField(
        label=(
            "Je confirme mon engagement de mandataire : je gère l'argent de la coopérative "
            "selon les statuts et le règlement de l'association départementale."
        ),
        required=False,
    )

    class Meta:
        model = Affiliation
        fields = ["classes", "pupils", "adults"]

    def __init__(self, *args, submitting: bool = False, with_engagement: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        if not with_engagement:
            del self.fields["engagement"]

    def clean(self):
        data = super().clean()
        if data.get("classes") and not data.get("pupils") and "pupils" not in self.errors:
            self.add_error("pupils", "Indiquez le nombre d'élèves des classes déclarées.")
        if self.submitting and not data.get("engagement"):
            self.add_error(
                "engagement",
                "Cochez cette case pour confirmer votre engagement : sans elle, l'affiliation "
                "ne peut pas être soumise.",
            )
        return data


class PaymentForm(forms.ModelForm):
    amount = FrenchDecimalField(
        label="Montant (€)",
        validators=amount_validators(Decimal("0.01")),
    )

    class Meta:
        model = FeePayment
        fields = ["date", "method", "amount", "reference"]
        widgets = {"date": DATE}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)
        choose_label(self, "method")


class CancelPaymentForm(forms.Form):
    reason = forms.CharField(label="Motif de l'annulation", max_length=250)


class ReminderForm(forms.Form):
    target = forms.ChoiceField(
        label="Relancer les mandataires des coopératives",
        choices=ReminderBatch.Target.choices,
        initial=ReminderBatch.Target.BOTH,
        widget=forms.RadioSelect,
    )


# --- Choosing one's school (sign-up, « Mon école », registrations to trainings) ---


class SchoolChoiceField(forms.ModelChoiceField):
    """An active cooperative, chosen in a list the picker fills by searching (UAI, name,
    commune): `templates/cooperatives/includes/school_picker.html`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "École")
        super().__init__(
            queryset=Cooperative.objects.active(),
            error_messages={
                "required": "Choisissez l'école dans la liste (cherchez-la par son UAI, son nom "
                "ou sa commune).",
                "invalid_choice": "Choisissez une école active de la liste.",
            },
            **kwargs,
        )


def school_choices(query: str, *keep: Cooperative | None) -> list[Cooperative]:
    """The options of a school list: the matches of `query`, with the schools already chosen
    or proposed first, so that a search never drops the selection."""
    found = list(Cooperative.objects.schools_matching(query))
    for coop in keep:
        if coop is not None and coop not in found:
            found.insert(0, coop)
    return found


class SchoolPickerForm(forms.Form):
    """A form whose `cooperative` is picked with the school picker; its search box (`q`) is
    posted with the form, so without JavaScript "Entrée" in the box shows the matches."""

    cooperative = SchoolChoiceField()

    def picked_school(self) -> Cooperative | None:
        if self.is_bound:
            return getattr(self, "cleaned_data", {}).get("cooperative")
        return self.initial.get("cooperative")

    def search_query(self) -> str:
        return str(self.data.get("q", "")) if self.is_bound else ""

    def school_choices(self) -> list[Cooperative]:
        return school_choices(self.search_query(), self.picked_school())


class TeacherSignupForm(SchoolPickerForm):
    """What a teacher adds to allauth's sign-up (ACCOUNT_SIGNUP_FORM_CLASS): their name and
    their school. The address rules are occe.accounts.forms.SignupForm's."""

    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    cooperative = SchoolChoiceField(label="Votre école")

    def signup(self, request, user) -> None:
        TeacherSchool.set_for(user, self.cleaned_data["cooperative"])


class MySchoolForm(SchoolPickerForm):
    cooperative = SchoolChoiceField(label="Votre école")
