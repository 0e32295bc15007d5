import django_filters
from django.db.models import Exists, OuterRef, Q

from .models import Affiliation, Circonscription, Cooperative, Mandate

SORTS = {
    "numero": "number",
    "nom": "name",
    "commune": "commune",
    "type": "type",
    "circonscription": "circonscription__name",
}


class CooperativeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Recherche")
    type = django_filters.ChoiceFilter(choices=Cooperative.Type.choices, label="Type")
    circonscription = django_filters.ModelChoiceFilter(
        queryset=Circonscription.objects.all(), label="Circonscription"
    )
    priority_education = django_filters.ChoiceFilter(
        choices=[("REP", "REP"), ("REP+", "REP+"), ("aucune", "Hors éducation prioritaire")],
        method="filter_priority",
        label="Éducation prioritaire",
    )
    status = django_filters.ChoiceFilter(choices=Cooperative.Status.choices, label="Statut")
    affiliee = django_filters.ChoiceFilter(
        choices=[("oui", "Affiliée cette année"), ("non", "Non affiliée cette année")],
        method="filter_affiliated",
        label="Affiliation",
    )

    class Meta:
        model = Cooperative
        fields = ["q", "type", "circonscription", "priority_education", "status", "affiliee"]

    def __init__(self, *args, year=None, **kwargs):
        self.year = year
        super().__init__(*args, **kwargs)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        mandataires = (
            Mandate.objects.current()
            .filter(cooperative=OuterRef("pk"))
            .filter(
                Q(user__last_name__icontains=value)
                | Q(user__first_name__icontains=value)
                | Q(user__email__icontains=value)
            )
        )
        return queryset.filter(
            Q(name__icontains=value)
            | Q(number__icontains=value)
            | Q(uai__iexact=value)
            | Q(commune__icontains=value)
            | Exists(mandataires)
        )

    def filter_priority(self, queryset, name, value):
        return queryset.filter(priority_education="" if value == "aucune" else value)

    def filter_affiliated(self, queryset, name, value):
        affiliated = Exists(
            Affiliation.objects.filter(cooperative=OuterRef("pk"), school_year=self.year)
        )
        return queryset.filter(affiliated if value == "oui" else ~affiliated)
