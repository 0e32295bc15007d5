import django_filters
from django.utils import timezone

from cooperatives.models import Cooperative

from .models import Order, Reservation, Resource, ResourceKind, Status, Theme


class CatalogueFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ResourceKind.choices, label="Type de ressource")
    theme = django_filters.ModelChoiceFilter(
        field_name="themes", queryset=Theme.objects.all(), label="Action pédagogique"
    )
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Titre")

    class Meta:
        model = Resource
        fields = ["kind", "theme", "q"]


class ReservationFilter(django_filters.FilterSet):
    etat = django_filters.ChoiceFilter(
        choices=[
            ("en_cours", "En cours (demandées, confirmées, remises)"),
            ("en_retard", "En retard"),
        ],
        method="filter_state",
        label="Suivi",
    )
    status = django_filters.ChoiceFilter(choices=Status.choices, label="Statut")
    kind = django_filters.ChoiceFilter(
        field_name="resource__kind", choices=ResourceKind.choices, label="Type de ressource"
    )
    cooperative = django_filters.ModelChoiceFilter(
        queryset=Cooperative.objects.none(), label="Coopérative"
    )

    class Meta:
        model = Reservation
        fields = ["etat", "status", "kind", "cooperative"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["cooperative"].queryset = Cooperative.objects.visible_to(user)

    def filter_state(self, queryset, name, value):
        if value == "en_retard":
            return queryset.overdue(timezone.localdate())
        return queryset.in_progress()


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Order.Status.choices, label="Statut")
    cooperative = django_filters.ModelChoiceFilter(
        queryset=Cooperative.objects.none(), label="Coopérative"
    )

    class Meta:
        model = Order
        fields = ["status", "cooperative"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["cooperative"].queryset = Cooperative.objects.visible_to(user)
