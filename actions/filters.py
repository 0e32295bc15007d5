"""The staff's list of class registrations, filtered like the other lists (django-filter)."""

import django_filters
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from cooperatives.models import Circonscription
from occe.core.models import SchoolYear

from .models import CYCLE_OF_LEVEL, ClassRegistration, Edition


def cycle_condition(cycle: int) -> Q:
    """A class with a level of this cycle: its levels (a JSON list) hold one of the cycle's
    codes. Read on the JSON's text (`["CE2", "CM1"]`), the same on PostgreSQL and SQLite."""
    condition = Q()
    for level, of in CYCLE_OF_LEVEL.items():
        if of == cycle:
            condition |= Q(levels_text__contains=f'"{level}"')
    return condition


class RegistrationFilter(django_filters.FilterSet):
    # The empty choice agrees with its noun: "Statut : Tous", "Circonscription : Toutes".
    q = django_filters.CharFilter(method="search", label="École ou coopérative")
    annee = django_filters.ChoiceFilter(
        choices=[], method="filter_year", label="Année scolaire", empty_label="Toutes"
    )
    edition = django_filters.ModelChoiceFilter(
        queryset=Edition.objects.none(), label="Édition", empty_label="Toutes"
    )
    status = django_filters.ChoiceFilter(
        choices=ClassRegistration.Status.choices, label="Statut", empty_label="Tous"
    )
    cycle = django_filters.ChoiceFilter(
        choices=[(str(c), f"Cycle {c}") for c in (1, 2, 3, 4)],
        method="filter_cycle",
        label="Cycle",
        empty_label="Tous",
    )
    circonscription = django_filters.ModelChoiceFilter(
        field_name="cooperative__circonscription",
        queryset=Circonscription.objects.all(),
        label="Circonscription",
        empty_label="Toutes",
    )
    priority_education = django_filters.ChoiceFilter(
        choices=[("REP", "REP"), ("REP+", "REP+"), ("aucune", "Hors éducation prioritaire")],
        method="filter_priority",
        label="Éducation prioritaire",
        empty_label="Toutes les écoles",
    )

    class Meta:
        model = ClassRegistration
        fields = ["q", "annee", "edition", "status", "cycle", "circonscription"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["annee"].extra["choices"] = [
            (year.label, year.label)
            for year in SchoolYear.objects.filter(
                start_year__in=Edition.objects.values("school_year__start_year")
            )
        ]
        self.filters["edition"].queryset = Edition.objects.select_related("action", "school_year")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(cooperative__name__icontains=value)
            | Q(cooperative__number__icontains=value)
            | Q(cooperative__uai__iexact=value)
            | Q(cooperative__commune__icontains=value)
            | Q(class_name__icontains=value)
        )

    def filter_year(self, queryset, name, value):
        year = SchoolYear.objects.from_label(value)
        return queryset.filter(edition__school_year=year) if year else queryset

    def filter_cycle(self, queryset, name, value):
        return queryset.annotate(levels_text=Cast("levels", TextField())).filter(
            cycle_condition(int(value))
        )

    def filter_priority(self, queryset, name, value):
        return queryset.filter(cooperative__priority_education="" if value == "aucune" else value)
