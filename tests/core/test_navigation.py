import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("secretariat", ["Coopératives", "Import", "Utilisateurs", "Paramètres"], []),
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


def test_menu_groups_fold_single_entries(world, client):
    """A group with several entries is a dropdown; a group with one entry is a plain link."""
    client.force_login(world.users["secretariat"])
    page = client.get(reverse("home"))
    groups = {
        group.label: [i["label"] for i in group.items] for group in page.context["nav_groups"]
    }
    assert groups["Coopératives"] == ["Coopératives", "Campagne d'affiliation", "Import"]
    assert "<summary>Coopératives</summary>" in page.content.decode()
    client.force_login(world.users["mandataire"])
    page = client.get(reverse("home"))
    # One entry in "Coopératives": a plain link, not a dropdown ("Finances" has several since
    # the CRFS and the controls).
    labels = [g.label for g in page.context["nav_groups"]]
    assert "Coopératives" not in labels and "Finances" in labels
    assert "<summary>Coopératives</summary>" not in page.content.decode()
    assert "<summary>Prêts et ventes</summary>" in page.content.decode()  # several entries


def test_error_pages_are_in_french(world, client):
    client.force_login(world.users["mandataire"])
    page = client.get(reverse("cooperatives:detail", args=[world.other_coop.pk]))
    assert page.status_code == 404 and "Page introuvable" in page.content.decode()
    page = client.get(reverse("accounts:list"))
    assert page.status_code == 403 and "Accès refusé" in page.content.decode()
