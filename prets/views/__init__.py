from django.contrib import messages
from django.shortcuts import redirect

from occe.accounts import rules
from occe.accounts.access import role_required

from .. import services

# Reservations and orders: staff and board read them all, a mandataire their coops' ones.
sees_coop_requests = role_required(rules.sees_loans)
places_orders = role_required(rules.places_orders)


def perform(request, action, target, success: str, *args, **kwargs):
    """Run a workflow step on `target`, say how it went, and go back to its page."""
    try:
        action(target, request.user, *args, **kwargs)
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(target.get_absolute_url())
