from django import forms

from .models import Association

IMAGE_MAX_SIZE = 2 * 1024 * 1024


class AssociationForm(forms.ModelForm):
    class Meta:
        model = Association
        exclude = ["updated_at"]
        widgets = {
            "decree_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "affiliation_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "objet": forms.Textarea(attrs={"rows": 3}),
            "signup_domains": forms.Textarea(attrs={"rows": 2}),
        }

    def _clean_image(self, name):
        image = self.cleaned_data.get(name)
        if image and getattr(image, "size", 0) > IMAGE_MAX_SIZE:
            raise forms.ValidationError("L'image dépasse 2 Mo.")
        return image

    def clean_logo(self):
        return self._clean_image("logo")

    def clean_signature(self):
        return self._clean_image("signature")
