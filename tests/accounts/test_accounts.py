import re

import pytest
from django.core import mail
from django.urls import reverse

from occe.accounts.mfa import current_code
from occe.accounts.models import Role, User
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_secretariat_invites_a_user_who_chooses_a_password(
    client, django_capture_on_commit_callbacks
):
    secretariat = UserFactory(secretariat=True)
    client.force_login(secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:invite"),
            {
                "email": "Nouvelle.Animatrice@Exemple.fr",
                "first_name": "Léa",
                "last_name": "Martin",
                "role": Role.ANIMATION,
                "is_active": "on",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="nouvelle.animatrice@exemple.fr")
    assert user.role == Role.ANIMATION and not user.has_usable_password()
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+", mail.outbox[0].body).group(0)
    client.logout()

    # The invitation link is allauth's "choose a password" page.
    path = link.replace("http://127.0.0.1:8000", "")
    page = client.get(path, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else path
    client.post(
        form_url, {"password1": "Un-Tres-Bon-Mot-2-Passe", "password2": "Un-Tres-Bon-Mot-2-Passe"}
    )
    user.refresh_from_db()
    assert user.check_password("Un-Tres-Bon-Mot-2-Passe")


def test_invitation_refuses_an_existing_email_with_a_french_message(client):
    client.force_login(UserFactory(secretariat=True))
    UserFactory(email="deja@exemple.fr")
    response = client.post(
        reverse("accounts:invite"), {"email": "DEJA@exemple.fr", "role": Role.ENSEIGNANT}
    )
    assert response.status_code == 200
    assert "Un compte existe déjà avec cette adresse" in response.content.decode()


def test_login_by_email_and_password_then_totp(client):
    user = UserFactory(secretariat=True, email="secretaire@exemple.fr")
    response = client.post(
        reverse("account_login"), {"login": "secretaire@exemple.fr", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(user)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_wrong_password_is_refused_in_french(client):
    UserFactory(email="mandataire@exemple.fr", mandataire=True)
    response = client.post(
        reverse("account_login"), {"login": "mandataire@exemple.fr", "password": "faux"}
    )
    assert response.status_code == 200
    assert "L’adresse e-mail ou le mot de passe sont incorrects." in response.content.decode()


@pytest.mark.parametrize("role", ["secretariat", "animation", "administrateur"])
def test_staff_without_totp_reach_only_the_totp_setup(client, role):
    user = UserFactory(**{role: True}, totp=False)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    for url in [reverse("home"), reverse("cooperatives:list"), reverse("core:association")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    # Right after logging in, the set-up does not ask for the password again.
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert 'name="code"' in page.content.decode()


def test_mandataires_do_not_need_totp(client):
    client.force_login(UserFactory(mandataire=True))
    assert client.get(reverse("home")).status_code == 200


def test_secretariat_edits_a_role(client):
    client.force_login(UserFactory(secretariat=True))
    teacher = UserFactory(email="prof@exemple.fr")
    response = client.post(
        reverse("accounts:edit", args=[teacher.pk]),
        {
            "email": "prof@exemple.fr",
            "role": Role.ADMINISTRATEUR,
            "is_signataire": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.role == Role.ADMINISTRATEUR and teacher.is_signataire


def test_totp_code_command_prints_the_current_code(capsys):
    from django.core.management import call_command

    user = UserFactory(secretariat=True, email="demo@exemple.fr")
    before = current_code(user)
    call_command("totp_code", "demo@exemple.fr")
    # A 30-second period may end while the command runs.
    assert capsys.readouterr().out.strip() in {before, current_code(user)}


def test_changing_an_active_second_factor_asks_for_the_password_again(client):
    user = UserFactory(secretariat=True)
    client.force_login(user)  # no recent authentication record
    response = client.get(reverse("mfa_deactivate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
