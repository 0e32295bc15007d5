"""Project-level pages: they know every app only through what each app contributes
(occe/navigation.py), never by importing an app's models."""

from django.shortcuts import render

from occe import navigation
from occe.core.models import SchoolYear


def home(request):
    """Each app's cards of work waiting for this user, and what it adds to the page
    (a mandataire's cooperatives, for instance)."""
    context = {
        "year": SchoolYear.objects.current(),
        "cards": navigation.home_cards(request),
        **navigation.home_context(request),
    }
    return render(request, "home.html", context)
