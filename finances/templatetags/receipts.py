"""What the receipts contribute to other apps' pages (the mandataire's home page)."""

from django import template
from django.db.models import Count, Sum

from ..models import DonationRequest

register = template.Library()

HOME_REQUESTS = 5


@register.inclusion_tag("finances/includes/home_requests.html")
def recent_donation_requests(cooperative) -> dict:
    """A coop's latest requests with their status, for its mandataire's home page."""
    requests = (
        DonationRequest.objects.filter(cooperative=cooperative)
        .annotate(line_count=Count("lines"), total=Sum("lines__amount"))
        .order_by("-created_at", "-pk")[: HOME_REQUESTS + 1]
    )
    requests = list(requests)
    return {
        "cooperative": cooperative,
        "requests": requests[:HOME_REQUESTS],
        "more": len(requests) > HOME_REQUESTS,
    }
