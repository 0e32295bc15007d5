from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return HttpResponseServerError(render_to_string("errors/500.html"))
