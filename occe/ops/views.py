from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from . import health


@login_not_required
@never_cache
def sante(request):
    """200 when the database, the cache and the broker answer, 503 naming what does not.

    Public (the compose healthchecks and an outside monitor call it) and without data: states
    only, the errors themselves go to the log."""
    states = health.run_checks()
    down = [name for name, state in states.items() if state == health.DOWN]
    status = 503 if down else 200
    message = f"En panne : {', '.join(down)}." if down else "Tout répond."
    if request.get_preferred_type(["application/json", "text/plain"]) == "text/plain":
        response = HttpResponse(
            f"{message}\n", status=status, content_type="text/plain; charset=utf-8"
        )
    else:
        heartbeat = None if "base" in down else health.last_heartbeat()
        response = JsonResponse(
            {
                "statut": "en panne" if down else "ok",
                "message": message,
                "verifications": states,
                "dernier_battement_worker": heartbeat.isoformat() if heartbeat else None,
            },
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    # Logged by run_checks as a warning already: Django would log the 503 as an error and
    # e-mail ADMINS at every healthcheck while the part is down.
    response._has_been_logged = True
    return response
