"""The project's URLs and a page that fails, for the tests of error reporting."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from occe.urls import urlpatterns as project_urlpatterns


@login_not_required
def crash(request):
    raise ZeroDivisionError("division par zéro dans une vue")


urlpatterns = [path("panne/", crash), *project_urlpatterns]
