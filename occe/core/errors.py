"""The error pages, in French and in the site's layout (never Django's debug or English pages)."""

from django.http import HttpResponseServerError
from django.shortcuts import render

# When the layout itself cannot be rendered (database down, broken session), this still can.
BARE_500 = (
    '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Erreur — Gestion OCCE'
    "</title></head><body><h1>Une erreur est survenue</h1><p>Réessayez dans quelques instants ; "
    "rien de ce que vous aviez enregistré n'est perdu.</p><p><a href=\"/\">Retour à l'accueil</a>"
    "</p></body></html>"
)


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    # A view may say why in French: PermissionDenied("Cette demande est validée : …").
    reason = str(exception) if exception is not None and exception.args else ""
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def csrf_failure(request, reason=""):
    return render(request, "errors/403_csrf.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    try:
        return render(request, "errors/500.html", status=500)
    except Exception:  # the error may come from what the layout needs
        return HttpResponseServerError(BARE_500)
