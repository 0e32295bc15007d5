from django.urls import reverse


def navigation(request):
    """The navigation shows only what the user's role may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("Accueil", reverse("home"))]
    if user.sees_everything or user.is_mandataire:
        label = "Coopératives" if user.sees_everything else "Ma coopérative"
        items.append((label, reverse("cooperatives:list")))
    if user.sees_everything or user.is_mandataire:
        items.append(("Reçus fiscaux", reverse("finances:request_list")))
    if user.sees_everything:
        items.append(("Campagne d'affiliation", reverse("cooperatives:campaign")))
    if user.is_secretariat:
        items.append(("Import", reverse("cooperatives:import")))
        items.append(("Utilisateurs", reverse("accounts:list")))
    if user.sees_everything:
        items.append(("Association", reverse("core:association")))
    path = request.path
    return {
        "nav_items": [
            {"label": label, "url": url, "active": url != "/" and path.startswith(url)}
            for label, url in items
        ]
    }
