import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.db import models

from cooperatives.forms import SchoolChoiceField

from .models import (
    MAX_HOURS,
    SURVEY_QUESTIONS,
    Session,
    SessionPart,
    StaffTraining,
    SurveyAnswer,
    Theme,
    Training,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class HoursField(forms.CharField):
    """Hours typed the French way ("1,5", "9", "1 h 30"), never a type=number input.

    Not occe.core.forms.FrenchDecimalField: durations are also written "1 h 30".
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        text = (super().to_python(value) or "").strip().lower().replace("\u00a0", " ")
        if not text:
            return None
        match = re.fullmatch(r"(\d{1,3})\s*h\s*(\d{1,2})?", text)
        try:
            if match:
                hours = Decimal(match.group(1)) + Decimal(match.group(2) or 0) / 60
            else:
                hours = Decimal(text.replace(" ", "").replace(",", "."))
        except InvalidOperation as error:
            raise forms.ValidationError(
                "Indiquez un nombre d'heures, par exemple 1,5 ou 9."
            ) from error
        if not hours.is_finite() or hours < Decimal("0.5") or hours > MAX_HOURS:
            raise forms.ValidationError("La durée va de 30 minutes (0,5) à 200 heures.")
        return hours.quantize(Decimal("0.01"))

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value.normalize():f}".replace(".", ",")
        return value


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["name"]


class TrainingForm(forms.ModelForm):
    hours = HoursField(label="Durée totale (heures)")

    class Meta:
        model = Training
        fields = [
            "title",
            "theme",
            "audience",
            "description",
            "hours",
            "partner",
            "trainer",
            "dsden_plan",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["label", "capacity", "minimum", "registration_deadline"]
        widgets = {"registration_deadline": DATE}


def _formfield(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"  # a visio link typed without its scheme
    return field.formfield(**kwargs)


class PartForm(forms.ModelForm):
    class Meta:
        model = SessionPart
        formfield_callback = _formfield
        fields = ["date", "start_time", "end_time", "place", "visio_url"]
        widgets = {"date": DATE, "start_time": TIME, "end_time": TIME}


PartFormSet = forms.inlineformset_factory(
    Session,
    SessionPart,
    form=PartForm,
    extra=1,
    min_num=1,
    validate_min=True,
    max_num=20,
    validate_max=True,
    can_delete=True,
)


class RegistrationForm(forms.Form):
    cooperative = SchoolChoiceField()


class StaffRegistrationForm(forms.Form):
    email = forms.EmailField(label="Adresse électronique de l'enseignant")
    cooperative = SchoolChoiceField()

    def clean_email(self):
        from occe.accounts import rules
        from occe.accounts.models import User

        email = self.cleaned_data["email"].strip().lower()
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None or not rules.is_teacher(user):
            raise forms.ValidationError(
                "Aucun compte enseignant ou mandataire avec cette adresse : "
                "invitez d'abord la personne (Utilisateurs › Inviter)."
            )
        self.user = user
        return email


class CancelSessionForm(forms.Form):
    reason = forms.CharField(
        label="Motif (envoyé aux inscrits)",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        initial="Nombre d'inscrits insuffisant.",
    )


SCORES = [(n, str(n)) for n in range(1, 6)]


class SurveyForm(forms.ModelForm):
    class Meta:
        model = SurveyAnswer
        fields = [name for name, _ in SURVEY_QUESTIONS] + ["comment"]
        widgets = {name: forms.RadioSelect(choices=SCORES) for name, _ in SURVEY_QUESTIONS} | {
            "comment": forms.Textarea(attrs={"rows": 3})
        }


class StaffTrainingForm(forms.ModelForm):
    hours = HoursField(label="Durée (heures)")

    class Meta:
        model = StaffTraining
        fields = ["title", "organisation", "date", "audience", "people", "participants", "hours"]
        widgets = {"date": DATE}
