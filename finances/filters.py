import django_filters

from cooperatives.models import Cooperative

from .models import Channel, DonationRequest


class RequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DonationRequest.Status.choices, label="Statut")
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label="Canal")
    cooperative = django_filters.ModelChoiceFilter(
        queryset=Cooperative.objects.none(), label="Coopérative"
    )
    year = django_filters.NumberFilter(field_name="created_at__year", label="Année de création")

    class Meta:
        model = DonationRequest
        fields = ["status", "channel", "cooperative", "year"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["cooperative"].queryset = Cooperative.objects.visible_to(user)
