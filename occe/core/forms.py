import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from .models import Association
from .validators import clean_siren

IMAGE_MAX_SIZE = 2 * 1024 * 1024


# Spaces a French user (or a spreadsheet, or a copy from a web page) puts between thousands:
# ordinary, non-breaking and narrow no-break spaces, and the thin space.
GROUPING_SPACES = " \u00a0\u202f\u2009"
_GROUPED = re.compile(r"\d{1,3}( \d{3})+")


# A minus sign as typed: the hyphen, or the true minus sign (U+2212) a word processor or a
# web page puts there.
MINUS_SIGNS = "-\u2212"


def parse_french_decimal(text: str, allow_negative: bool = False) -> Decimal:
    """An amount typed the French way, as a Decimal with two places.

    Accepted: "120,50", "120.50", "1234", "1 234,56" (thousands grouped by any kind of space),
    an optional "€". The one separator between units and cents is a comma or a dot followed by
    one or two digits. Refused as ambiguous, rather than guessed: both a comma and a dot
    ("1.234,5", "1,234.50"), two separators ("12,345,6"), and three digits after the only
    separator ("1,234" and "1.234" read as 1 234 in one country and 1,234 in another; amounts
    have cents, never thousandths). ValidationError carries the French message.

    A leading minus ("-1 234,56", "−12,00") is refused unless `allow_negative` (a balance that
    may be overdrawn).
    """
    raw = str(text or "").strip()
    cleaned = raw.replace("€", "").strip()
    for space in GROUPING_SPACES:
        cleaned = cleaned.replace(space, " ")
    cleaned = " ".join(cleaned.split())
    negative = bool(cleaned) and cleaned[0] in MINUS_SIGNS
    if negative:
        if not allow_negative:
            raise ValidationError("Le montant doit être supérieur à zéro.", code="min_value")
        cleaned = cleaned[1:].strip()
    if not cleaned or not re.fullmatch(r"[\d ,.]+", cleaned):
        raise ValidationError(
            f"Montant illisible « {raw} » : écrivez par exemple 120,50.", code="invalid"
        )
    ambiguous = ValidationError(
        f"Montant ambigu « {raw} » : écrivez les centimes après une seule virgule (120,50) et "
        "séparez les milliers par des espaces (1 234,56), ou ne les séparez pas (1234,56).",
        code="ambiguous",
    )
    parts = re.split(r"[.,]", cleaned)
    if ("," in cleaned and "." in cleaned) or len(parts) > 2:
        raise ambiguous
    units, cents = parts[0].strip(), (parts[1] if len(parts) == 2 else "0")
    if not re.fullmatch(r"\d{1,2}", cents):
        raise ambiguous
    if " " in units:
        if not _GROUPED.fullmatch(units):
            raise ambiguous
        units = units.replace(" ", "")
    if not units.isdigit():
        raise ValidationError(
            f"Montant illisible « {raw} » : écrivez par exemple 120,50.", code="invalid"
        )
    amount = Decimal(f"{units}.{cents}").quantize(Decimal("0.01"))
    return -amount if negative and amount else amount


class FrenchDecimalField(forms.Field):
    """An amount as a text input (`inputmode="decimal"`), read by `parse_french_decimal`.

    Never `type=number`: a browser in another locale reads "120,50" there as 12050.
    """

    widget = forms.TextInput

    def __init__(
        self,
        *,
        min_value: Decimal | None = None,
        max_value: Decimal | None = None,
        **kwargs,
    ):
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update(
            {"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false", "size": "12"}
        )
        return attrs

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format(value, "f").replace(".", ",")
        return value

    def to_python(self, value):
        if value in self.empty_values or not str(value).strip():
            return None
        if len(str(value)) > 40:
            raise ValidationError("Montant illisible : écrivez par exemple 120,50.", code="invalid")
        amount = parse_french_decimal(
            value, allow_negative=self.min_value is not None and self.min_value < 0
        )
        if self.min_value is not None and amount < self.min_value:
            if self.min_value > 0 and amount <= 0:
                raise ValidationError("Le montant doit être supérieur à zéro.", code="min_value")
            raise ValidationError(
                f"Le montant doit être d'au moins {_euros(self.min_value)}.", code="min_value"
            )
        if self.max_value is not None and amount > self.max_value:
            raise ValidationError(
                f"Le montant ne peut pas dépasser {_euros(self.max_value)}.", code="max_value"
            )
        return amount


def _euros(value: Decimal) -> str:
    from .formats import euros

    return euros(value)


class AssociationForm(forms.ModelForm):
    siren = forms.CharField(
        label="SIREN",
        max_length=20,
        required=False,
        help_text="9 chiffres, espaces permis (la clé de contrôle est vérifiée).",
    )

    class Meta:
        model = Association
        exclude = ["updated_at"]
        widgets = {
            "decree_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "affiliation_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "journal_officiel_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "objet": forms.Textarea(attrs={"rows": 3}),
            "signup_domains": forms.Textarea(attrs={"rows": 2}),
        }

    def _clean_image(self, name):
        image = self.cleaned_data.get(name)
        if image and getattr(image, "size", 0) > IMAGE_MAX_SIZE:
            raise forms.ValidationError("L'image dépasse 2 Mo.")
        return image

    def clean_siren(self):
        value = self.cleaned_data.get("siren", "")
        return clean_siren(value) if value else ""

    def clean_logo(self):
        return self._clean_image("logo")

    def clean_signature(self):
        return self._clean_image("signature")
