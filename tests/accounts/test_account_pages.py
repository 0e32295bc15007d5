"""Issue 6: addresses identify someone only once verified (1.2); the account pages and e-mails
speak in the association's name and each step leads somewhere (3.4); the users page (3.13)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from occe.accounts.invitations import invitation_link
from occe.core.models import Association
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Un-Tres-Bon-Mot-2-Passe"


@pytest.fixture
def association():
    association = Association.get()
    association.name = "OCCE 92 — Association départementale des Hauts-de-Seine"
    association.short_name = "OCCE 92"
    association.email = "secretariat@occe92.fr"
    association.save()
    return association


def invited_user(**kwargs):
    """An account created by an invitation, its password never chosen."""
    user = UserFactory(verified_email=False, **kwargs)
    user.set_unusable_password()
    user.save()
    return user


def choose_password(client, link: str):
    """Follow an e-mailed link (invitation or reset) and choose a password."""
    path = link.removeprefix("http://127.0.0.1:8000")
    page = client.get(path, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else path
    return client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})


# --- 1.2 Addresses ---------------------------------------------------------------------------


def test_nobody_sets_another_address_on_their_account(client):
    """The attack: a mandataire puts a colleague's address on their own account, so that the
    colleague's future appointment lands on it."""
    mandataire = UserFactory(mandataire=True, email="moi@exemple.fr")
    client.force_login(mandataire)
    for action in ["action_add", "action_primary"]:
        response = client.post(reverse("account_email"), {"email": "collegue@ac.fr", action: ""})
        assert response.status_code == 405
    mandataire.refresh_from_db()
    assert mandataire.email == "moi@exemple.fr"
    assert not EmailAddress.objects.filter(email="collegue@ac.fr").exists()


def test_the_address_page_says_who_changes_it(client, association):
    client.force_login(UserFactory(mandataire=True, email="moi@exemple.fr"))
    page = client.get(reverse("account_email")).content.decode()
    assert "moi@exemple.fr" in page
    assert "secretariat@occe92.fr" in page
    assert 'name="email"' not in page  # no form


def test_accepting_the_invitation_verifies_the_address(client):
    invited = invited_user(mandataire=True, email="invite@exemple.fr")
    assert not invited.email_verified
    choose_password(client, invitation_link(invited))
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)
    assert invited.email_verified


def test_a_password_reset_verifies_the_address(client):
    user = UserFactory(mandataire=True, email="oubli@exemple.fr")
    client.post(reverse("account_reset_password"), {"email": "oubli@exemple.fr"})
    choose_password(client, re.search(r"http://\S+", mail.outbox[0].body).group(0))
    assert user.email_verified


def test_a_new_address_set_by_the_secretariat_is_not_verified(client):
    user = UserFactory(mandataire=True, email="ancienne@exemple.fr")
    user.mark_email_verified()
    client.force_login(UserFactory(secretariat=True))
    client.post(
        reverse("accounts:edit", args=[user.pk]),
        {"email": "nouvelle@exemple.fr", "role": "mandataire", "is_active": "on"},
    )
    user.refresh_from_db()
    assert user.email == "nouvelle@exemple.fr"
    assert not user.email_verified
    # The old address no longer identifies anyone.
    assert not EmailAddress.objects.filter(email="ancienne@exemple.fr").exists()


# --- 3.4 Account e-mails ----------------------------------------------------------------------


def test_the_reset_email_speaks_in_the_association_name(client, association, settings):
    settings.SITE_URL = "https://gestion.occe92.fr"
    UserFactory(email="membre@exemple.fr")
    client.post(reverse("account_reset_password"), {"email": "membre@exemple.fr"})
    (message,) = mail.outbox
    assert message.subject == "OCCE 92 — Choisir un nouveau mot de passe"
    assert message.body.startswith("Bonjour,")
    assert "https://gestion.occe92.fr/accounts/password/reset/key/" in message.body
    assert "OCCE 92 — Association départementale des Hauts-de-Seine" in message.body
    assert "127.0.0.1" not in message.subject + message.body
    assert "testserver" not in message.subject + message.body


def test_the_reset_email_for_an_unknown_address_does_not_invite_to_sign_up(client, association):
    client.post(reverse("account_reset_password"), {"email": "inconnu@exemple.fr"})
    (message,) = mail.outbox
    assert message.subject == "OCCE 92 — Aucun compte pour cette adresse"
    assert "secretariat@occe92.fr" in message.body
    assert "signup" not in message.body and "inscri" not in message.body.lower()


def test_the_invitation_speaks_french(association):
    from occe.accounts.invitations import invitation_messages

    user = invited_user(first_name="Léa")
    (message,) = invitation_messages([user])
    body = message.body
    assert "Vous disposez désormais d'un accès à l'application de gestion OCCE 92" in body


# --- 3.4 Account pages ------------------------------------------------------------------------


def test_the_login_page_offers_the_reset_once(client, association):
    page = client.get(reverse("account_login")).content.decode()
    assert page.count("Mot de passe oublié") == 1
    assert "OCCE 92" in page


def test_after_a_new_password_the_page_offers_to_log_in(client):
    UserFactory(email="membre@exemple.fr")
    client.post(reverse("account_reset_password"), {"email": "membre@exemple.fr"})
    response = choose_password(client, re.search(r"http://\S+", mail.outbox[0].body).group(0))
    page = client.get(response["Location"]).content.decode()
    assert "Mot de passe enregistré" in page
    assert f'href="{reverse("account_login")}"' in page and "Se connecter" in page


def test_an_expired_link_offers_a_new_one(client, association):
    page = client.get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "faux"})
    ).content.decode()
    assert "Ce lien ne fonctionne plus" in page
    assert reverse("account_reset_password") in page
    assert "secretariat@occe92.fr" in page


def test_each_reset_step_leads_somewhere(client, association):
    reset = client.get(reverse("account_reset_password")).content.decode()
    assert f'href="{reverse("account_login")}"' in reset
    done = client.get(reverse("account_reset_password_done")).content.decode()
    assert f'href="{reverse("account_login")}"' in done
    assert "secretariat@occe92.fr" in done


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("mfa_index", "Mot de passe et adresse"),
        ("account_change_password", "Changer de mot de passe"),
        ("account_email", "Adresse électronique"),
        ("account_logout", "Se déconnecter"),
        ("mfa_view_recovery_codes", "Confirmer"),
    ],
)
def test_account_pages_in_french(client, name, title):
    client.force_login(UserFactory(secretariat=True))
    response = client.get(reverse(name), follow=True)
    assert response.status_code == 200
    assert title in response.content.decode()


def test_the_password_change_keeps_the_user_on_a_page_with_a_way_back(client):
    user = UserFactory(mandataire=True)
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    page = response.content.decode()
    assert "Mot de passe modifié" in page
    assert f'href="{reverse("mfa_index")}"' in page


# --- 3.13 The users page ----------------------------------------------------------------------


def test_the_users_page_search_and_invitations(client):
    secretary = UserFactory(secretariat=True, email="secretaire@exemple.fr")
    invited = invited_user(email="invite@exemple.fr")
    active = UserFactory(email="actif@exemple.fr")
    client.force_login(secretary)
    page = client.get(reverse("accounts:list")).content.decode()
    assert page.count("Rechercher") == 1  # the button; the field has its own label
    reinvite = 'action="{}"'
    assert reinvite.format(reverse("accounts:reinvite", args=[invited.pk])) in page
    assert reinvite.format(reverse("accounts:reinvite", args=[active.pk])) not in page
    assert reinvite.format(reverse("accounts:reinvite", args=[secretary.pk])) not in page


def test_the_user_form_explains_active_in_french(client):
    client.force_login(UserFactory(secretariat=True))
    page = client.get(reverse("accounts:edit", args=[UserFactory().pk])).content.decode()
    assert "Décochez pour fermer l&#x27;accès sans supprimer le compte" in page
    assert "Designates" not in page and "Indique si" not in page
