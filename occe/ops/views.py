from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from occe.accounts import rules
from occe.accounts.access import role_required
from occe.core.models import Association

from . import health, privacy, retention
from .models import LoginEvent, PersonAction, RetentionRun


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


@login_not_required
def personal_data_notice(request):
    """« Données personnelles »: what is kept, why, for how long, whom to ask (public)."""
    return render(
        request,
        "ops/personal_data.html",
        {"rules": retention.rules(), "association": Association.get()},
    )


class PersonForm(forms.Form):
    email = forms.EmailField(label="Adresse électronique de la personne")
    reason = forms.CharField(
        label="Demande (date, moyen, référence)",
        max_length=250,
        required=False,
        help_text="Par exemple « courriel du 3 mars 2026 ».",
    )
    # Given by the button pressed (the template renders the other fields one by one).
    action = forms.ChoiceField(choices=PersonAction.Kind.choices)
    confirm = forms.BooleanField(
        label="La personne a demandé l'effacement de ses données, et son identité a été vérifiée.",
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == PersonAction.Kind.ANONYMISE and not data.get("confirm"):
            self.add_error("confirm", "Cochez cette case pour anonymiser.")
        return data


@role_required(rules.handles_personal_data)
def person(request):
    """Export one person's data (a job: ZIP of JSON + PDFs) or anonymise them on request."""
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email, reason = form.cleaned_data["email"], form.cleaned_data["reason"]
        if form.cleaned_data["action"] == PersonAction.Kind.EXPORT:
            action = privacy.start_export(email, request.user, reason)
            messages.success(
                request,
                "Export lancé : le fichier ZIP sera dans « Mes travaux » dans quelques instants.",
            )
            return redirect(action.job.get_absolute_url() if action.job else "core:jobs")
        action = privacy.anonymise_person(email, request.user, reason)
        erased = sum(v for k, v in action.counts.items() if k != "conserve")
        messages.success(request, f"Anonymisation faite : {erased} élément(s) effacé(s).")
        for kept in action.counts.get("conserve", []):
            messages.warning(request, f"Conservé : {kept}")
        return redirect("ops:person")
    actions = PersonAction.objects.select_related("done_by", "job")[:50]
    runs = RetentionRun.objects.all()[:12]
    return render(request, "ops/person.html", {"form": form, "actions": actions, "runs": runs})


@role_required(rules.is_president)
def login_audit(request):
    """The login audit, for the president: successes and failures, the newest first."""
    events = LoginEvent.objects.select_related("user")
    outcome = request.GET.get("resultat")
    if outcome in LoginEvent.Outcome.values:
        events = events.filter(outcome=outcome)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "ops/login_audit.html",
        {"page": page, "outcome": outcome, "outcomes": LoginEvent.Outcome.choices},
    )
