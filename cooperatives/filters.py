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


# The affiliation filter's choices, each one a queryset method of the models (the home page's
# and the campaign's counts link here and must find the same coops).
AFFILIATION_STATES = {
    "oui": ("Affiliée (validée)", lambda coops, year: coops.affiliated(year)),
    "non": ("Pas encore affiliée", lambda coops, year: coops.not_affiliated(year)),
    "soumise": (
        "Soumise, à valider",
        lambda coops, year: coops.with_affiliation(year, Affiliation.Status.SUBMITTED),
    ),
    "brouillon": (
        "En brouillon",
        lambda coops, year: coops.with_affiliation(year, Affiliation.Status.DRAFT),
    ),
    "non_commencee": ("Pas commencée", lambda coops, year: coops.not_started(year)),
}


class CooperativeFilter(django_filters.FilterSet):
    # The empty choice agrees with its noun: "Type : Tous", "Circonscription : Toutes".
    q = django_filters.CharFilter(method="search", label="Recherche")
    type = django_filters.ChoiceFilter(
        choices=Cooperative.Type.choices, label="Type", empty_label="Tous"
    )
    circonscription = django_filters.ModelChoiceFilter(
        queryset=Circonscription.objects.all(), label="Circonscription", empty_label="Toutes"
    )
    priority_education = django_filters.ChoiceFilter(
        choices=[("REP", "REP"), ("REP+", "REP+"), ("aucune", "Hors éducation prioritaire")],
        method="filter_priority",
        label="Éducation prioritaire",
        empty_label="Toutes les écoles",
    )
    status = django_filters.ChoiceFilter(
        choices=Cooperative.Status.choices, label="Statut", empty_label="Tous"
    )
    affiliee = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _) in AFFILIATION_STATES.items()],
        method="filter_affiliated",
        label="Affiliation de l'année",
        empty_label="Toutes",
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
        _, states = AFFILIATION_STATES[value]
        return queryset.filter(pk__in=states(Cooperative.objects, self.year).values("pk"))
