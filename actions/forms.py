import datetime
from decimal import Decimal

from django import forms
from django.db import models

from cooperatives.forms import SchoolChoiceField, SchoolPickerForm
from occe.core.forms import FrenchDecimalField
from occe.core.validators import check_upload

from .models import (
    LEVELS,
    MAX_AMOUNT,
    MAX_PUPILS,
    Action,
    BudgetLine,
    ClassRegistration,
    Edition,
    Intervenant,
    Intervention,
    Production,
    Round,
    Submission,
)
from .services import combine

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class LevelsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", LEVELS)
        super().__init__(**kwargs)


class ActionForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = ["title", "scope", "objectives", "description"]
        widgets = {
            "objectives": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }


class EditionForm(forms.ModelForm):
    levels = LevelsField(label="Niveaux ouverts")

    class Meta:
        model = Edition
        fields = [
            "school_year",
            "mode",
            "levels",
            "registration_opens",
            "registration_closes",
            "capacity",
            "interventions_per_class",
            "partners",
            "resources",
            "information_meetings",
            "final_event",
            "final_event_place",
            "final_event_date",
        ]
        widgets = {
            "registration_opens": DATE,
            "registration_closes": DATE,
            "final_event_date": DATE,
            "partners": forms.Textarea(attrs={"rows": 3}),
            "resources": forms.Textarea(attrs={"rows": 2}),
            "information_meetings": forms.Textarea(attrs={"rows": 2}),
        }


class RegistrationForm(SchoolPickerForm):
    """A teacher registers a class; their school (« Mon école ») is proposed."""

    cooperative = SchoolChoiceField(label="École")
    class_name = forms.CharField(
        label="Classe", max_length=100, help_text="Par exemple « CM1-CM2 B »."
    )
    levels = LevelsField(label="Niveau(x) de la classe")
    pupils = forms.IntegerField(
        label="Nombre d'élèves",
        min_value=1,
        max_value=MAX_PUPILS,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": "4"}),
        error_messages={
            "min_value": "Une classe compte au moins 1 élève.",
            "max_value": "Une classe compte au plus 40 élèves.",
            "invalid": "Indiquez un nombre d'élèves.",
        },
    )
    other_teachers = forms.CharField(label="Autres enseignants", max_length=250, required=False)
    motivation = forms.CharField(
        label="Motivation", max_length=3000, required=False, widget=forms.Textarea({"rows": 4})
    )
    whole_team = forms.BooleanField(
        label="Toute l'équipe de l'école s'engage dans l'action", required=False
    )

    def __init__(self, *args, edition: Edition, **kwargs):
        super().__init__(*args, **kwargs)
        self.edition = edition
        if edition.levels:
            self.fields["levels"].choices = [c for c in LEVELS if c[0] in edition.levels]

    def clean_class_name(self):
        return " ".join(self.cleaned_data["class_name"].split())


class StaffRegistrationForm(RegistrationForm):
    """Staff register a class on a teacher's behalf."""

    email = forms.EmailField(label="Adresse électronique de l'enseignant")
    field_order = ["email"]

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
        self.teacher = user
        return email


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Nouveau statut", choices=ClassRegistration.Status.choices)


class IntervenantForm(forms.ModelForm):
    class Meta:
        model = Intervenant
        fields = ["name", "kind", "organisation", "role", "email"]


class InterventionForm(forms.ModelForm):
    """Date and times typed separately; stored as two moments (Paris time)."""

    date = forms.DateField(label="Date", widget=DATE)
    start_time = forms.TimeField(label="Début", widget=TIME)
    end_time = forms.TimeField(label="Fin", widget=TIME)

    class Meta:
        model = Intervention
        fields = ["registration", "intervenant", "subject", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, edition: Edition | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.edition = edition
        if edition is None:
            del self.fields["registration"]
            self.fields["theme"] = forms.CharField(label="Thème", max_length=150)
            self.fields["cooperative"] = SchoolChoiceField()
            self.order_fields(["theme", "cooperative"])
            if self.instance.pk:
                self.initial.setdefault("theme", self.instance.theme)
                self.initial.setdefault("cooperative", self.instance.cooperative_id)
        else:
            self.fields["registration"].required = True
            self.fields["registration"].queryset = (
                ClassRegistration.objects.filter(edition=edition)
                .exclude(status=ClassRegistration.Status.NON_RETENUE)
                .select_related("cooperative")
                .order_by("cooperative__name", "class_name")
            )
            self.fields["registration"].label_from_instance = lambda r: (
                f"{r.cooperative.name} — {r.class_name}"
            )
        if self.instance.pk:
            self.initial.update(
                date=self.instance.local_start.date(),
                start_time=self.instance.local_start.time(),
                end_time=self.instance.local_end.time(),
            )

    def clean(self):
        data = super().clean()
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "L'heure de fin doit suivre l'heure de début.")
        if day and not datetime.date(2000, 1, 1) <= day <= datetime.date(2100, 1, 1):
            self.add_error("date", "Date invalide.")
        return data

    def save(self, commit=False):
        intervention = super().save(commit=False)
        data = self.cleaned_data
        intervention.starts_at = combine(data["date"], data["start_time"])
        intervention.ends_at = combine(data["date"], data["end_time"])
        if self.edition is None:
            intervention.theme = data["theme"]
            intervention.cooperative = data["cooperative"]
        else:
            intervention.edition = self.edition
            intervention.cooperative = intervention.registration.cooperative
        return intervention


class BudgetLineForm(forms.ModelForm):
    amount = FrenchDecimalField(
        label="Montant (€)", min_value=Decimal("0.01"), max_value=MAX_AMOUNT
    )

    class Meta:
        model = BudgetLine
        fields = ["kind", "category", "label", "amount"]


ROUND_DOCUMENT_ACCEPT = ",".join(
    [
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        ".doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp",
    ]
)


def check_production_file(file) -> None:
    """An image (PNG, JPEG…) or a PDF, by its content and not its name; at most
    settings.MAX_UPLOAD_SIZE (the project's shared check)."""
    check_upload(
        file,
        ("pdf", "image"),
        refused="Envoyez une image (PNG, JPEG) ou un PDF ; pour une vidéo, donnez son lien.",
    )


def _formfield(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"  # a link typed without its scheme
    return field.formfield(**kwargs)


class RoundForm(forms.ModelForm):
    class Meta:
        model = Round
        formfield_callback = _formfield
        fields = [
            "cycle",
            "number",
            "challenges",
            "document",
            "document_url",
            "opens_on",
            "closes_on",
        ]
        widgets = {
            "opens_on": DATE,
            "closes_on": DATE,
            "challenges": forms.Textarea(attrs={"rows": 5}),
            "document": forms.ClearableFileInput(attrs={"accept": ROUND_DOCUMENT_ACCEPT}),
        }

    def clean_document(self):
        """A PDF, an image or an office document, by its content; at most the upload size."""
        document = self.cleaned_data.get("document")
        if document and hasattr(document, "content_type"):  # a new upload
            check_upload(document, ("pdf", "image", "office"))
        return document


class SubmissionForm(forms.ModelForm):
    registration = forms.ModelChoiceField(label="Classe", queryset=ClassRegistration.objects.none())

    class Meta:
        model = Submission
        formfield_callback = _formfield
        fields = ["registration", "text", "file", "video_url"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 5}),
            "file": forms.ClearableFileInput(
                attrs={"accept": "image/png,image/jpeg,application/pdf"}
            ),
        }

    def __init__(self, *args, classes=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["registration"]
        field.queryset = ClassRegistration.objects.filter(pk__in=[c.pk for c in classes])
        field.label_from_instance = lambda r: f"{r.class_name} — {r.cooperative.name}"
        if len(classes) == 1:
            field.initial = classes[0].pk

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if file and hasattr(file, "content_type"):  # a new upload
            check_production_file(file)
        return file

    def clean(self):
        data = super().clean()
        if not (data.get("text") or data.get("file") or data.get("video_url")):
            raise forms.ValidationError(
                "Écrivez la réponse, joignez un fichier ou donnez un lien vers une vidéo."
            )
        return data


class ScoreForm(forms.ModelForm):
    score = forms.IntegerField(
        label="Note (sur 20)",
        min_value=0,
        max_value=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": "3"}),
        error_messages={
            "min_value": "La note va de 0 à 20.",
            "max_value": "La note va de 0 à 20.",
            "invalid": "Indiquez une note de 0 à 20.",
        },
    )

    class Meta:
        model = Submission
        fields = ["score", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 2})}


class ProductionForm(forms.ModelForm):
    registration = forms.ModelChoiceField(label="Classe", queryset=ClassRegistration.objects.none())

    class Meta:
        model = Production
        fields = ["registration", "title", "text", "file"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 8}),
            "file": forms.ClearableFileInput(
                attrs={"accept": "image/png,image/jpeg,application/pdf"}
            ),
        }

    def __init__(self, *args, classes=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["registration"]
        field.queryset = ClassRegistration.objects.filter(pk__in=[c.pk for c in classes])
        field.label_from_instance = lambda r: f"{r.class_name} — {r.cooperative.name}"
        if len(classes) == 1:
            field.initial = classes[0].pk

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if file and hasattr(file, "content_type"):
            check_production_file(file)
        return file

    def clean(self):
        data = super().clean()
        if not (data.get("text") or data.get("file")):
            raise forms.ValidationError("Écrivez le texte ou joignez un fichier (image ou PDF).")
        return data
