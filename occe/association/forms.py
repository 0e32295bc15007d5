import io
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models import Q
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from cooperatives.models import Circonscription, Cooperative
from occe.accounts.models import Role, User
from occe.core.formats import euros
from occe.core.models import SchoolYear
from occe.core.spreadsheets import clean_upload

from .audiences import AUDIENCES
from .models import (
    MAX_CONTRIBUTION,
    BoardMandate,
    Contribution,
    Flyer,
    Meeting,
    MeetingDocument,
    Newsletter,
    Partner,
    Person,
    Representation,
    StaffPosition,
    WorkingGroup,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
IMAGE_MAX_SIZE = 2 * 1024 * 1024
IMAGE_MAX_SIDE = 6000
# JPEG and PNG only: the formats every mail client shows.
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


def https_urls(field, **kwargs):
    """Model fields to form fields, a URL typed without scheme read as https://."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


# TODO(lead): FrenchDecimalField (occe/core/forms.py) once merged.
class FrenchAmountField(forms.CharField):
    """An amount typed the French way ("1 234,50", "1234.5 €"), parsed on the server."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *args, maximum: Decimal = MAX_CONTRIBUTION, **kwargs):
        self.maximum = maximum
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value:.2f}".replace(".", ",")
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        cleaned = text.replace("€", "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        cleaned = cleaned.replace(",", ".")
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            raise forms.ValidationError(
                "Montant invalide : écrivez par exemple 1 234,50."
            ) from None
        if not amount.is_finite() or amount.as_tuple().exponent < -2:
            raise forms.ValidationError("Le montant a au plus deux décimales.")
        if amount <= 0:
            raise forms.ValidationError("Le montant doit être positif.")
        if amount > self.maximum:
            raise forms.ValidationError(f"Le montant ne peut dépasser {euros(self.maximum)}.")
        return amount


# People ------------------------------------------------------------------------------------


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["first_name", "last_name", "email", "phone", "education_status", "user"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Accounts not yet linked to another person (this one's stays choosable).
        taken = Person.objects.exclude(pk=self.instance.pk).filter(user__isnull=False)
        # Board and staff accounts only: a list of every teacher would be unusable.
        self.fields["user"].queryset = User.objects.filter(
            is_active=True, role__in=[Role.SECRETARIAT, Role.ANIMATION, Role.ADMINISTRATEUR]
        ).exclude(pk__in=taken.values("user"))
        self.fields["user"].help_text = "Facultatif : une personne peut exister sans compte."


class DatedForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "La fin précède le début.")
        return data


MandateFormSet = forms.inlineformset_factory(
    Person,
    BoardMandate,
    form=DatedForm,
    fields=["start_date", "end_date", "bureau_role"],
    widgets={"start_date": DATE, "end_date": DATE},
    extra=1,
    can_delete=True,
)
PositionFormSet = forms.inlineformset_factory(
    Person,
    StaffPosition,
    form=DatedForm,
    fields=["function", "employer", "detached", "start_date", "end_date"],
    widgets={"start_date": DATE, "end_date": DATE},
    extra=1,
    can_delete=True,
)
RepresentationFormSet = forms.inlineformset_factory(
    Person,
    Representation,
    form=DatedForm,
    fields=["level", "body", "start_date", "end_date"],
    widgets={"start_date": DATE, "end_date": DATE},
    extra=1,
    can_delete=True,
)


# Meetings ----------------------------------------------------------------------------------


class MeetingForm(forms.ModelForm):
    decisions_text = forms.CharField(
        label="Décisions",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Une décision par ligne (500 caractères au plus chacune).",
    )

    class Meta:
        model = Meeting
        fields = [
            "level",
            "kind",
            "title",
            "starts_at",
            "duration_minutes",
            "place",
            "visio_url",
            "agenda",
            "attendees",
        ]
        widgets = {
            "starts_at": DATETIME,
            "agenda": forms.Textarea(attrs={"rows": 5}),
            "attendees": forms.CheckboxSelectMultiple,
            "duration_minutes": forms.TextInput(attrs={"inputmode": "numeric"}),
        }
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].input_formats = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"]
        self.fields["attendees"].queryset = (
            Person.objects.filter(
                Q(board_mandates__isnull=False) | Q(staff_positions__isnull=False)
            )
            .distinct()
            .order_by("last_name", "first_name")
        )
        self.fields["attendees"].help_text = "Parmi le conseil d'administration et l'équipe."
        if self.instance.pk:
            self.fields["decisions_text"].initial = "\n".join(
                self.instance.decisions.values_list("text", flat=True)
            )

    def clean_starts_at(self):
        value = self.cleaned_data["starts_at"]
        if value and not 2000 <= value.year <= timezone.now().year + 5:
            raise forms.ValidationError("La date n'est pas réaliste.")
        return value

    def clean_duration_minutes(self):
        value = self.cleaned_data["duration_minutes"]
        if value is not None and not 15 <= value <= 720:
            raise forms.ValidationError("La durée va de 15 minutes à 12 heures (720 minutes).")
        return value

    def clean_decisions_text(self):
        lines = [line.strip() for line in self.cleaned_data["decisions_text"].splitlines()]
        lines = [line for line in lines if line]
        if any(len(line) > 500 for line in lines):
            raise forms.ValidationError("Une décision dépasse 500 caractères.")
        if len(lines) > 100:
            raise forms.ValidationError("Au plus 100 décisions par réunion.")
        return lines

    def clean(self):
        data = super().clean()
        if not data.get("place") and not data.get("visio_url"):
            self.add_error("place", "Indiquez un lieu ou un lien de visioconférence.")
        return data

    def save(self, commit=True):
        meeting = super().save(commit=commit)
        meeting.decisions.all().delete()
        meeting.decisions.bulk_create(
            [
                meeting.decisions.model(meeting=meeting, text=text)
                for text in self.cleaned_data["decisions_text"]
            ]
        )
        return meeting


def check_pdf(file) -> None:
    """A PDF by its content, not its name: the header and the end-of-file marker."""
    clean_upload(file)
    file.seek(0)
    head = file.read(1024)
    file.seek(max(0, file.size - 2048))
    tail = file.read()
    file.seek(0)
    if not head.startswith(b"%PDF-") or b"%%EOF" not in tail:
        raise forms.ValidationError("Le fichier n'est pas un PDF.")


class MeetingDocumentForm(forms.ModelForm):
    class Meta:
        model = MeetingDocument
        fields = ["kind", "file"]
        widgets = {"file": forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"})}

    def clean_file(self):
        file = self.cleaned_data["file"]
        check_pdf(file)
        return file


class WorkingGroupForm(DatedForm):
    class Meta:
        model = WorkingGroup
        fields = ["title", "level", "description", "participants", "start_date", "end_date"]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "participants": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
        }


class FlyerForm(forms.ModelForm):
    class Meta:
        model = Flyer
        fields = ["title", "school_year", "subject", "copies", "distribution"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_year"].queryset = SchoolYear.objects.up_to_current()
        self.fields["school_year"].empty_label = None
        if not self.instance.pk:
            self.initial.setdefault("school_year", SchoolYear.objects.current().pk)


# Partners ----------------------------------------------------------------------------------


class PartnerForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = [
            "name",
            "kind",
            "contact_name",
            "email",
            "phone",
            "website",
            "involvement",
            "notes",
            "active",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        formfield_callback = https_urls


class ContributionForm(forms.ModelForm):
    amount = FrenchAmountField(label="Montant")

    class Meta:
        model = Contribution
        fields = ["school_year", "amount", "purpose"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        SchoolYear.objects.ensure_recent()
        self.fields["school_year"].queryset = SchoolYear.objects.all()


ContributionFormSet = forms.inlineformset_factory(
    Partner, Contribution, form=ContributionForm, extra=1, can_delete=True
)


# Newsletters -------------------------------------------------------------------------------


def clean_image(file) -> tuple[bytes, str]:
    """(bytes re-encoded without metadata, content type); refuses what is not a JPEG or PNG
    image by its content. Re-encoding drops EXIF data (a photo's GPS position, for one)."""
    if file.size > IMAGE_MAX_SIZE:
        raise forms.ValidationError("L'image dépasse 2 Mo.")
    try:
        with Image.open(file) as probe:
            probe.verify()
        file.seek(0)
        with Image.open(file) as image:
            kind = image.format
            if kind not in IMAGE_FORMATS:
                raise forms.ValidationError("L'image doit être au format JPEG ou PNG.")
            if max(image.size) > IMAGE_MAX_SIDE:
                raise forms.ValidationError(f"L'image dépasse {IMAGE_MAX_SIDE} pixels de côté.")
            if kind == "JPEG" and image.mode not in {"RGB", "L"}:
                image = image.convert("RGB")
            output = io.BytesIO()
            image.save(output, format=kind)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise forms.ValidationError("Le fichier n'est pas une image lisible.") from None
    return output.getvalue(), IMAGE_FORMATS[kind]


class NewsletterForm(forms.ModelForm):
    image = forms.FileField(
        label="Ajouter une image",
        required=False,
        help_text="JPEG ou PNG, 2 Mo au plus. Elle est ajoutée à la fin du texte : déplacez la "
        "ligne ![…](…) où vous voulez.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    image_alt = forms.CharField(
        label="Description de l'image",
        required=False,
        max_length=200,
        help_text="Lue par les lecteurs d'écran et affichée si l'image ne s'affiche pas.",
    )

    class Meta:
        model = Newsletter
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18, "class": "markdown"})}
        help_texts = {
            "body": "Markdown : **gras**, *italique*, ## Titre, - liste, [lien](https://…)."
        }

    def clean(self):
        data = super().clean()
        image = data.get("image")
        if image:
            if not data.get("image_alt"):
                self.add_error("image_alt", "Décrivez l'image en quelques mots.")
            try:
                content, content_type = clean_image(image)
            except forms.ValidationError as error:
                self.add_error("image", error)
            else:
                data["image"] = SimpleUploadedFile(image.name, content, content_type)
        return data


class AudienceForm(forms.Form):
    audience = forms.ChoiceField(label="Destinataires", widget=forms.RadioSelect)
    types = forms.MultipleChoiceField(
        label="Types d'école",
        choices=Cooperative.Type.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Aucun coché : tous.",
    )
    circonscriptions = forms.ModelMultipleChoiceField(
        label="Circonscriptions",
        queryset=Circonscription.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Aucune choisie : toutes.",
    )
    priorities = forms.MultipleChoiceField(
        label="Éducation prioritaire",
        choices=[("REP", "REP"), ("REP+", "REP+"), ("aucune", "Hors éducation prioritaire")],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Aucune cochée : toutes.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = [(key, a.label) for key, a in AUDIENCES.items()]
        self.fields["audience"].initial = next(iter(AUDIENCES))

    def description(self) -> str:
        data = self.cleaned_data
        parts = [AUDIENCES[data["audience"]].label]
        type_labels = dict(Cooperative.Type.choices)
        if data["types"]:
            parts.append("types : " + ", ".join(type_labels[t] for t in data["types"]))
        if data["circonscriptions"]:
            parts.append("circonscriptions : " + ", ".join(map(str, data["circonscriptions"])))
        if data["priorities"]:
            labels = dict(self.fields["priorities"].choices)
            parts.append(
                "éducation prioritaire : " + ", ".join(labels[p] for p in data["priorities"])
            )
        return " ; ".join(parts)
