import io
import re
import uuid
import warnings
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from cooperatives.models import Cooperative

from .models import (
    Condition,
    ContentItem,
    Copy,
    PaymentMethod,
    Product,
    Resource,
    ResourcePhoto,
    Theme,
)
from .models.sales import MAX_PRICE

DATE_WIDGET = {"type": "date"}


def date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"), **kwargs
    )


def cooperative_choices(user):
    """The coops this user orders or reserves for: a mandataire's own, any active one for
    staff (on the coop's behalf)."""
    return Cooperative.objects.visible_to(user).active().order_by("number")


class CooperativeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number} — {obj.name}"


# --- Reservations ----------------------------------------------------------------------------


class ReservationForm(forms.Form):
    cooperative = CooperativeChoiceField(
        queryset=Cooperative.objects.none(), label="Coopérative", empty_label=None
    )
    start_date = date_field("Du")
    end_date = date_field("Au (date de retour)")
    copy = forms.ModelChoiceField(
        queryset=Copy.objects.none(),
        required=False,
        label="Exemplaire",
        empty_label="Au choix de l'association (le premier libre)",
    )
    note = forms.CharField(
        label="Message (classe, projet)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, resource: Resource, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.resource = resource
        self.fields["cooperative"].queryset = cooperative_choices(user)
        self.fields["copy"].queryset = resource.copies.bookable()
        self.fields["end_date"].help_text = (
            f"{resource.max_loan_days} jours au plus ; l'exemplaire repart "
            f"{resource.checking_delay_days} jour{'s' if resource.checking_delay_days > 1 else ''}"
            " après son retour (vérification)."
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end:
            problems = self.resource.period_problems(start, end, timezone.localdate())
            for field, problem in problems.items():
                self.add_error(field, problem)
        return data


LENDABLE_CONDITIONS = [c for c in Condition.choices if c[0] != Condition.HORS_SERVICE]


class HandOverForm(forms.Form):
    on = date_field("Remis le", initial=timezone.localdate)
    condition = forms.ChoiceField(label="État de l'exemplaire", choices=LENDABLE_CONDITIONS)
    contents_checked = forms.BooleanField(
        label="J'ai vérifié le contenu avec l'emprunteur : tout y est.",
        error_messages={"required": "Vérifiez le contenu avant de le remettre."},
    )
    notes = forms.CharField(
        label="Remarques", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(forms.Form):
    """The return: date, condition, and for each element of the contents how many are missing
    or damaged (each opens an incident on the copy)."""

    on = date_field("Rendu le", initial=timezone.localdate)
    condition = forms.ChoiceField(label="État de l'exemplaire au retour", choices=Condition.choices)
    notes = forms.CharField(
        label="Remarques", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, contents: list[ContentItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.contents = contents
        for item in contents:
            for prefix, label in (("manquant", "manquant"), ("abime", "abîmé")):
                self.fields[f"{prefix}_{item.pk}"] = forms.IntegerField(
                    label=f"{item.label} : {label}{'s' if item.quantity > 1 else ''}",
                    min_value=0,
                    max_value=item.quantity,
                    initial=0,
                    required=False,
                )

    def item_rows(self) -> list[tuple]:
        return [
            (item, self[f"manquant_{item.pk}"], self[f"abime_{item.pk}"]) for item in self.contents
        ]

    def _counted(self, prefix: str) -> list[tuple[str, int]]:
        return [
            (item.label, self.cleaned_data[f"{prefix}_{item.pk}"])
            for item in self.contents
            if self.cleaned_data.get(f"{prefix}_{item.pk}")
        ]

    def missing(self) -> list[tuple[str, int]]:
        return self._counted("manquant")

    def damaged(self) -> list[tuple[str, int]]:
        return self._counted("abime")


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label="Suite donnée", max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- Resources, copies, photos ---------------------------------------------------------------

CONTENT_LINE = re.compile(r"^\s*(\d+)\s*[x×]\s*(.+?)\s*$", re.IGNORECASE)
MAX_CONTENT_LINES = 100


def parse_contents(text: str) -> list[tuple[int, str]]:
    """'2 × Caméra' or '2 x Caméra' or 'Caméra' per line -> [(quantity, label)]."""
    items = []
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_CONTENT_LINES:
        raise forms.ValidationError(f"Au plus {MAX_CONTENT_LINES} éléments.")
    for number, line in enumerate(lines, start=1):
        match = CONTENT_LINE.match(line)
        quantity, label = (int(match[1]), match[2]) if match else (1, line)
        if not 1 <= quantity <= 500:
            raise forms.ValidationError(f"Ligne {number} : la quantité va de 1 à 500.")
        if len(label) > 150:
            raise forms.ValidationError(f"Ligne {number} : 150 caractères au plus.")
        items.append((quantity, label))
    return items


class ResourceForm(forms.ModelForm):
    contents_text = forms.CharField(
        label="Contenu (un élément par ligne)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Par exemple « 2 × Caméra » ou « Trépied » : vérifié à la remise et au retour.",
    )
    new_themes = forms.CharField(
        label="Autres actions servies",
        required=False,
        max_length=500,
        help_text="Noms séparés par des virgules.",
    )

    class Meta:
        model = Resource
        fields = [
            "kind",
            "title",
            "description",
            "themes",
            "max_loan_days",
            "checking_delay_days",
            "borrowers",
            "on_catalogue",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "themes": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["contents_text"].initial = "\n".join(
                f"{item.quantity} × {item.label}" if item.quantity > 1 else item.label
                for item in self.instance.contents.all()
            )

    def clean_contents_text(self):
        return parse_contents(self.cleaned_data["contents_text"])

    def clean_new_themes(self):
        names = [name.strip() for name in self.cleaned_data["new_themes"].split(",")]
        if any(len(name) > 120 for name in names):
            raise forms.ValidationError("120 caractères au plus par action.")
        return [name for name in names if name]

    def save(self, commit=True):
        resource = super().save()
        for name in self.cleaned_data["new_themes"]:
            theme, _ = Theme.objects.get_or_create(name=name)
            resource.themes.add(theme)
        # The contents are replaced as a whole: incidents keep the items' text, not a link.
        resource.contents.all().delete()
        ContentItem.objects.bulk_create(
            ContentItem(resource=resource, label=label, quantity=quantity, position=position)
            for position, (quantity, label) in enumerate(self.cleaned_data["contents_text"])
        )
        return resource


class CopyForm(forms.ModelForm):
    class Meta:
        model = Copy
        fields = ["inventory_number", "label", "condition", "location", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


PHOTO_MAX_SIZE = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000  # a 40-megapixel photo; far below Pillow's bomb threshold
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
FULL_SIZE = 1600
THUMB_SIZE = 400


def _jpeg(image: Image.Image, size: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((size, size))
    buffer = io.BytesIO()
    copy.save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()


class PhotoForm(forms.Form):
    """A photo of a resource. The upload is checked by its content (a real JPEG, PNG or WebP
    image of sensible size, whatever its name says) and re-encoded: what is stored and served
    are JPEG bytes written here, without the original's metadata (GPS position…)."""

    image = forms.FileField(label="Photo (JPEG, PNG ou WebP, 5 Mo au plus)")
    description = forms.CharField(label="Ce que montre la photo", max_length=200)

    def clean_image(self):
        upload = self.cleaned_data["image"]
        if upload.size > PHOTO_MAX_SIZE:
            raise forms.ValidationError("La photo dépasse 5 Mo.")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(upload)
                if image.format not in PHOTO_FORMATS:
                    raise forms.ValidationError("Ce fichier n'est pas une photo JPEG, PNG ou WebP.")
                if image.width * image.height > PHOTO_MAX_PIXELS:
                    raise forms.ValidationError("L'image est trop grande (40 mégapixels au plus).")
                image.load()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise forms.ValidationError(
                "Ce fichier n'est pas une image lisible (JPEG, PNG ou WebP)."
            ) from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise forms.ValidationError("L'image est trop grande (40 mégapixels au plus).") from exc
        image = ImageOps.exif_transpose(image)
        if image.mode != "RGB":
            background = Image.new("RGB", image.size, "white")
            rgba = image.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            image = background
        return image

    def save(self, resource: Resource, user) -> ResourcePhoto:
        image = self.cleaned_data["image"]
        name = uuid.uuid4().hex
        photo = ResourcePhoto(
            resource=resource, description=self.cleaned_data["description"], uploaded_by=user
        )
        photo.image.save(
            f"private/prets/photos/{name}.jpg", ContentFile(_jpeg(image, FULL_SIZE)), save=False
        )
        photo.thumbnail.save(
            f"private/prets/photos/{name}-vignette.jpg",
            ContentFile(_jpeg(image, THUMB_SIZE)),
            save=False,
        )
        photo.save()
        return photo


# --- Sales -----------------------------------------------------------------------------------


class FrenchDecimalField(forms.DecimalField):
    """'1 234,50' or '1234.50' -> Decimal, typed in a text box (never type=number).

    TODO(lead): FrenchDecimalField (occe/core/forms.py) replaces this once merged.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        text = text.removesuffix("€").replace(",", ".")
        if text.count(".") > 1:
            raise forms.ValidationError("Montant invalide : un seul séparateur décimal.")
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise forms.ValidationError("Montant invalide (exemple : 7,50).") from exc
        if not amount.is_finite():
            raise forms.ValidationError("Montant invalide (exemple : 7,50).")
        return amount

    def widget_attrs(self, widget):
        return {"inputmode": "decimal"}


class ProductForm(forms.ModelForm):
    price = FrenchDecimalField(
        label="Prix unitaire (€)",
        min_value=Decimal("0"),
        max_value=MAX_PRICE,
        decimal_places=2,
        max_digits=8,
    )

    class Meta:
        model = Product
        fields = [
            "name",
            "description",
            "price",
            "stock",
            "max_per_order",
            "orders_open_on",
            "orders_close_on",
            "active",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "orders_open_on": forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
            "orders_close_on": forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        }


class OrderForm(forms.Form):
    """One quantity per product on sale today."""

    cooperative = CooperativeChoiceField(
        queryset=Cooperative.objects.none(), label="Coopérative", empty_label=None
    )
    note = forms.CharField(
        label="Message", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, products: list[Product], **kwargs):
        super().__init__(*args, **kwargs)
        self.products = products
        self.fields["cooperative"].queryset = cooperative_choices(user)
        for product in products:
            self.fields[f"quantite_{product.pk}"] = forms.IntegerField(
                label=product.name,
                min_value=0,
                max_value=product.max_per_order,
                initial=0,
                required=False,
            )

    def product_rows(self) -> list[tuple]:
        return [(product, self[f"quantite_{product.pk}"]) for product in self.products]

    def clean(self):
        data = super().clean()
        if not any(data.get(f"quantite_{p.pk}") for p in self.products) and not self.errors:
            raise forms.ValidationError("Indiquez la quantité d'au moins un produit.")
        return data

    def quantities(self) -> dict[int, int]:
        return {p.pk: self.cleaned_data.get(f"quantite_{p.pk}") or 0 for p in self.products}


class DeliveryForm(forms.Form):
    shipped = forms.TypedChoiceField(
        label="Livraison",
        choices=[("0", "Remise à la coopérative"), ("1", "Expédiée à l'école")],
        coerce=lambda value: value == "1",
        initial="0",
    )
    on = date_field("Le", initial=timezone.localdate)


class PaymentForm(forms.Form):
    on = date_field("Réglée le", initial=timezone.localdate)
    method = forms.ChoiceField(label="Mode de règlement", choices=PaymentMethod.choices)
    reference = forms.CharField(label="Référence (n° de chèque…)", required=False, max_length=100)
