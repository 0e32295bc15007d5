import datetime

import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import date_format

from occe.core.models import SchoolYear

from .models import Audience, Session, SessionPart, Theme, Training


def coming_months(count: int = 12) -> list[tuple[str, str]]:
    today = timezone.localdate().replace(day=1)
    months = []
    for _ in range(count):
        months.append((f"{today:%Y-%m}", date_format(today, "F Y").capitalize()))
        today = (today + datetime.timedelta(days=32)).replace(day=1)
    return months


def parse_month(value: str) -> datetime.date | None:
    """« 2026-11 » -> 1 November 2026; anything else -> None."""
    try:
        year, month = (int(part) for part in value.split("-"))
        return datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return None


class CatalogueFilter(django_filters.FilterSet):
    theme = django_filters.ModelChoiceFilter(
        field_name="training__theme", queryset=Theme.objects.all(), label="Thème"
    )
    audience = django_filters.ChoiceFilter(
        field_name="training__audience", choices=Audience.choices, label="Public"
    )
    mois = django_filters.ChoiceFilter(choices=coming_months, method="filter_month", label="Mois")
    mode = django_filters.ChoiceFilter(
        choices=[("presentiel", "En présentiel"), ("visio", "En visioconférence")],
        method="filter_mode",
        label="Lieu",
    )

    class Meta:
        model = Session
        fields = ["theme", "audience", "mois", "mode"]

    def filter_month(self, queryset, name, value):
        year, month = (int(part) for part in value.split("-"))
        return queryset.filter(first_day__year=year, first_day__month=month)

    def filter_mode(self, queryset, name, value):
        remote = Exists(SessionPart.objects.filter(session=OuterRef("pk")).exclude(visio_url=""))
        return queryset.filter(remote if value == "visio" else ~remote)


class SessionListFilter(django_filters.FilterSet):
    training = django_filters.ModelChoiceFilter(queryset=Training.objects.all(), label="Formation")
    status = django_filters.ChoiceFilter(choices=Session.Status.choices, label="Statut")
    annee = django_filters.ChoiceFilter(choices=[], method="filter_year", label="Année scolaire")
    proposees = django_filters.BooleanFilter(
        method="filter_proposed",
        label="Proposées à l'annulation",
        widget=django_filters.widgets.BooleanWidget(),
    )
    mois = django_filters.CharFilter(
        method="filter_month", label="Mois (AAAA-MM)", help_text="Sessions tenues ce mois-là."
    )

    class Meta:
        model = Session
        fields = ["training", "status", "annee", "proposees", "mois"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["annee"].extra["choices"] = [
            (year.label, year.label) for year in SchoolYear.objects.up_to_current()
        ]

    def filter_year(self, queryset, name, value):
        year = SchoolYear.objects.from_label(value)
        return queryset.in_year(year) if year else queryset

    def filter_month(self, queryset, name, value):
        month = parse_month(value)
        return queryset.held_in_month(month) if month else queryset.none()

    def filter_proposed(self, queryset, name, value):
        if value:
            return queryset.filter(pk__in=Session.objects.proposed_for_cancellation().values("pk"))
        return queryset
