"""Excel import and export of cooperatives (being written: see cooperatives/exchange.py)."""

from django.http import Http404

from occe.accounts.access import secretariat_only, staff_or_board


@staff_or_board
def export(request):
    raise Http404


@secretariat_only
def upload(request):
    raise Http404


@secretariat_only
def template(request):
    raise Http404


@secretariat_only
def preview(request, batch_pk):
    raise Http404
