import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("secretariat", ["Coopératives", "Import", "Utilisateurs", "Association"], []),
        ("administrateur", ["Coopératives", "Campagne d'affiliation"], ["Import", "Utilisateurs"]),
        ("mandataire", ["Ma coopérative"], ["Campagne d'affiliation", "Import", "Utilisateurs"]),
        ("enseignant", ["Accueil"], ["Coopératives", "Ma coopérative", "Utilisateurs"]),
    ],
)
def test_navigation_shows_only_what_the_role_may_use(world, client, role, shown, hidden):
    client.force_login(world.users[role])
    labels = [item["label"] for item in client.get(reverse("home")).context["nav_items"]]
    assert set(shown) <= set(labels)
    assert not set(hidden) & set(labels)


def test_error_pages_are_in_french(world, client):
    client.force_login(world.users["mandataire"])
    page = client.get(reverse("cooperatives:detail", args=[world.other_coop.pk]))
    assert page.status_code == 404 and "Page introuvable" in page.content.decode()
    page = client.get(reverse("accounts:list"))
    assert page.status_code == 403 and "Accès refusé" in page.content.decode()
