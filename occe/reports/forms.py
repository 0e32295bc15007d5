from django import forms

from .models import TEXT_MAX_LENGTH, SectionText


class SectionTextForm(forms.ModelForm):
    text = forms.CharField(
        label="Texte de la section",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Des paragraphes séparés par une ligne vide. Le texte est imprimé tel quel.",
    )

    class Meta:
        model = SectionText
        fields = ["text"]
