"""Issue 10, section 1: teachers get accounts without staff work.

Sign-up is open to the academic domains the association lists, nothing happens before the
address is verified, an existing address gets the same answer as a new one, and accounts the
secretariat creates (invitations) log in exactly as before.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from cooperatives.models import TeacherSchool
from occe.accounts.mfa import current_code
from occe.accounts.models import Role, User
from occe.core.models import Association
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.test_account_pages import choose_password, invited_user
from tests.cooperatives.factories import CooperativeFactory

pytestmark = pytest.mark.django_db

SIGNUP_PASSWORD = "Craie-Tableau-Cartable-92"
SITE = "https://gestion.occe92.fr"


@pytest.fixture
def association(settings):
    settings.SITE_URL = SITE
    association = Association.get()
    association.name = "OCCE 92 — Association départementale des Hauts-de-Seine"
    association.short_name = "OCCE 92"
    association.email = "secretariat@occe92.fr"
    association.signup_domains = "ac-versailles.fr"
    association.save()
    return association


@pytest.fixture
def school():
    return CooperativeFactory(name="École Lucie Aubrac", commune="Bagneux")


def sign_up(client, school, email="ines.benali@ac-versailles.fr", **changes):
    data = {
        "first_name": "Inès",
        "last_name": "Benali",
        "email": email,
        "password1": SIGNUP_PASSWORD,
        "password2": SIGNUP_PASSWORD,
        "cooperative": school.pk,
        **changes,
    }
    return client.post(reverse("account_signup"), data)


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def path_of(link: str) -> str:
    return link.removeprefix(SITE)


def log_in(client, email, password=SIGNUP_PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def logged_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


# --- The journey -------------------------------------------------------------------------------


def test_a_teacher_signs_up_verifies_the_address_and_logs_in(client, association, school):
    page = client.get(reverse("account_signup")).content.decode()
    assert "Créer un compte enseignant" in page and "@ac-versailles.fr" in page

    response = sign_up(client, school)
    assert response["Location"] == reverse("account_email_verification_sent")
    teacher = User.objects.get(email="ines.benali@ac-versailles.fr")
    assert teacher.role == Role.ENSEIGNANT and teacher.signed_up_at is not None
    assert teacher.get_full_name() == "Inès Benali"
    assert teacher.school.cooperative == school
    assert not logged_in(client)

    (message,) = mail.outbox
    assert message.to == ["ines.benali@ac-versailles.fr"]
    assert message.subject == "OCCE 92 — Confirmez votre adresse"
    assert "OCCE 92 — Association départementale des Hauts-de-Seine" in message.body
    link = link_in(message)
    assert link.startswith(f"{SITE}/accounts/confirm-email/")

    # In another browser (the link opened from a webmail elsewhere): opening the link shows a
    # button and verifies nothing (mail scanners follow links); the button verifies.
    elsewhere = client.__class__()
    page = elsewhere.get(path_of(link)).content.decode()
    assert "Confirmer mon adresse" in page
    assert not teacher.email_verified
    response = elsewhere.post(path_of(link))
    assert response["Location"] == reverse("account_login")
    assert teacher.email_verified
    assert not logged_in(elsewhere)

    # From now on the password opens the account, with the role and the school chosen.
    response = log_in(elsewhere, teacher.email)
    assert response.status_code == 302 and logged_in(elsewhere)
    home = elsewhere.get(reverse("home")).content.decode()
    assert "Mon école" in home and "(Enseignant)" in home


def test_confirming_in_the_browser_that_signed_up_logs_in(client, association, school):
    sign_up(client, school)
    link = link_in(mail.outbox[0])
    response = client.post(path_of(link))
    assert response.status_code == 302
    assert logged_in(client)


def test_the_registration_to_a_training_proposes_the_school_chosen_at_sign_up(
    client, association, school
):
    from tests.formations.factories import SessionFactory

    sign_up(client, school)
    client.post(path_of(link_in(mail.outbox[0])))
    session = SessionFactory()
    page = client.get(reverse("formations:register", args=[session.pk])).content.decode()
    assert f'<option value="{school.pk}" selected>École Lucie Aubrac' in page


# --- Verified only after the link ------------------------------------------------------------


def test_the_address_is_verified_only_after_the_link(client, association, school):
    """What appointments and imports match: a verified EmailAddress of the user's address."""
    sign_up(client, school)
    teacher = User.objects.get(email="ines.benali@ac-versailles.fr")
    (address,) = EmailAddress.objects.filter(email__iexact=teacher.email)
    assert address.user == teacher and address.primary and not address.verified
    assert not EmailAddress.objects.filter(email__iexact=teacher.email, verified=True).exists()
    assert not teacher.email_verified and teacher.must_verify_email

    client.post(path_of(link_in(mail.outbox[0])))
    address.refresh_from_db()
    assert address.verified
    assert teacher.email_verified and not teacher.must_verify_email


def test_before_the_link_the_password_opens_nothing(client, association, school, settings):
    sign_up(client, school)
    teacher = User.objects.get(email="ines.benali@ac-versailles.fr")
    response = log_in(client, teacher.email)
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not logged_in(client)
    for name in ["formations:catalogue", "cooperatives:my_school", "mfa_index"]:
        assert client.get(reverse(name))["Location"].startswith(reverse("account_login"))
    assert not teacher.email_verified

    # The login sends a new link (at most one in 3 minutes to an address; none here).
    settings.ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN = 0
    mail.outbox.clear()
    log_in(client.__class__(), teacher.email)
    (message,) = mail.outbox
    assert message.subject == "OCCE 92 — Confirmez votre adresse"
    client.post(path_of(link_in(message)))
    assert teacher.email_verified


def test_a_password_reset_also_proves_the_address(client, association, school):
    sign_up(client, school)
    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": "ines.benali@ac-versailles.fr"})
    choose_password(client, path_of(link_in(mail.outbox[0])))
    teacher = User.objects.get(email="ines.benali@ac-versailles.fr")
    assert teacher.email_verified
    assert log_in(client, teacher.email, "Un-Tres-Bon-Mot-2-Passe").status_code == 302
    assert logged_in(client)


# --- Who may sign up -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "prof@gmail.com",
        "prof@prof.ac-versailles.fr",  # sub-domain: exact domains only
        "prof@ac-versailles.fr.exemple.com",
        "prof@xac-versailles.fr",
        "prof@ac-paris.fr",
    ],
)
def test_another_domain_is_refused_saying_whom_to_ask(client, association, school, email):
    response = sign_up(client, school, email=email)
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Seules les adresses académiques (@ac-versailles.fr) permettent de créer un compte" in page
    )
    assert "demandez-le au secrétariat de l&#x27;association : secretariat@occe92.fr" in page
    assert 'value="Inès"' in page  # what was typed is kept
    assert not User.objects.filter(email=email).exists()
    assert not mail.outbox


def test_an_existing_account_outside_the_domains_is_refused_the_same_way(
    client, association, school
):
    UserFactory(mandataire=True, email="claire@gmail.com")
    new = sign_up(client, school, email="quelquun@gmail.com").content.decode()
    existing = sign_up(client, school, email="claire@gmail.com").content.decode()
    message = "Seules les adresses académiques"
    assert message in new and message in existing
    assert not mail.outbox


def test_the_address_is_matched_whatever_its_case(client, association, school):
    sign_up(client, school, email="Ines.Benali@AC-Versailles.FR")
    assert User.objects.get().email == "ines.benali@ac-versailles.fr"


def test_without_academic_domains_there_is_no_sign_up(client, association, school):
    association.signup_domains = ""
    association.save()
    assert "Pas d'inscription libre" in client.get(reverse("account_signup")).content.decode()
    sign_up(client, school)
    assert not User.objects.exists()
    assert reverse("account_signup") not in client.get(reverse("account_login")).content.decode()


def test_the_login_page_offers_the_sign_up(client, association):
    page = client.get(reverse("account_login")).content.decode()
    assert "Enseignant·e avec une adresse @ac-versailles.fr" in page
    assert f'href="{reverse("account_signup")}"' in page


def test_a_school_must_be_chosen_among_active_ones(client, association, school):
    struck_off = CooperativeFactory(name="École fermée", status="radiee")
    page = sign_up(client, school, cooperative=struck_off.pk).content.decode()
    assert "Choisissez une école active de la liste." in page
    page = sign_up(client, school, cooperative="", q="aubrac").content.decode()
    assert "Choisissez l&#x27;école dans la liste" in page
    # Without JavaScript, "Entrée" in the search box shows its matches in the list.
    assert f'<option value="{school.pk}">École Lucie Aubrac — Bagneux' in page
    assert not User.objects.exists()


def test_the_picker_searches_active_schools_without_login(client, school):
    CooperativeFactory(name="École Lucie Aubrac radiée", commune="Bagneux", status="radiee")
    options = client.get(reverse("cooperatives:school_options"), {"q": "aubrac"})
    assert options.status_code == 200
    assert "École Lucie Aubrac — Bagneux" in options.content.decode()
    assert "radiée" not in options.content.decode()
    by_uai = client.get(reverse("cooperatives:school_options"), {"q": school.uai.lower()})
    assert "École Lucie Aubrac" in by_uai.content.decode()
    assert (
        "choisissez"
        not in client.get(reverse("cooperatives:school_options"), {"q": "a"}).content.decode()
    )


# --- Enumeration ---------------------------------------------------------------------------


def page_text(client, response, email) -> str:
    """The page a response leads to, without what differs between any two renderings (the
    CSRF token) and the address typed."""
    page = client.get(response["Location"]).content.decode().replace(email, "ADRESSE")
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', "", page)


@pytest.mark.parametrize("role", ["enseignant", "mandataire", "invited"])
def test_an_existing_address_gets_the_same_answer_as_a_new_one(client, association, school, role):
    if role == "invited":
        owner = invited_user(email="deja@ac-versailles.fr")
    else:
        owner = UserFactory(email="deja@ac-versailles.fr", role=role, first_name="Claire")
    password = owner.password

    first = client.__class__()
    new = sign_up(first, school, email="nouveau@ac-versailles.fr")
    mail.outbox.clear()
    second = client.__class__()
    existing = sign_up(second, school, email="DEJA@ac-versailles.fr")

    assert (existing.status_code, existing["Location"]) == (new.status_code, new["Location"])
    assert page_text(second, existing, "deja@ac-versailles.fr") == page_text(
        first, new, "nouveau@ac-versailles.fr"
    )
    # Nothing changed on the account; its owner is told by e-mail, never on the page.
    owner.refresh_from_db()
    assert owner.password == password and owner.signed_up_at is None
    assert not TeacherSchool.objects.filter(user=owner).exists()
    assert User.objects.filter(email__iexact="deja@ac-versailles.fr").count() == 1
    (message,) = mail.outbox
    assert message.to == ["deja@ac-versailles.fr"]
    assert message.subject == "OCCE 92 — Vous avez déjà un compte"
    assert f"{SITE}/accounts/password/reset/" in message.body


def test_signing_up_is_rate_limited_like_the_login(client, association, school):
    for _ in range(10):
        assert sign_up(client, school, email="pas-academique@exemple.fr").status_code == 200
    response = sign_up(client, school)
    assert response.status_code == 429
    assert "Trop de demandes" in response.content.decode()
    assert not User.objects.exists()


# --- Accounts created by staff: as before --------------------------------------------------


def test_accounts_created_by_staff_log_in_without_verification(client, association):
    """Their address was proven by the invitation link, or they predate the verification."""
    mandataire = UserFactory(mandataire=True, email="claire@exemple.fr", verified_email=False)
    assert not mandataire.email_verified
    assert log_in(client, mandataire.email, PASSWORD)["Location"] == reverse("home")
    assert logged_in(client)
    assert not mail.outbox


def test_a_teacher_invited_with_an_academic_address_logs_in_as_before(client, association):
    teacher = invited_user(email="prof@ac-versailles.fr")
    client.post(reverse("account_reset_password"), {"email": teacher.email})
    choose_password(client, path_of(link_in(mail.outbox[0])))
    assert log_in(client, teacher.email, "Un-Tres-Bon-Mot-2-Passe").status_code == 302
    assert logged_in(client)


def test_staff_still_log_in_with_their_code(client, association):
    staff = UserFactory(secretariat=True, email="secretaire@exemple.fr")
    response = log_in(client, staff.email, PASSWORD)
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": current_code(staff)})
    assert logged_in(client)


def test_an_address_changed_by_the_secretariat_keeps_a_staff_created_account_open(
    client, association
):
    user = UserFactory(mandataire=True, email="ancienne@exemple.fr")
    user.mark_email_verified()
    user.email = "nouvelle@exemple.fr"
    user.save()
    assert log_in(client, "nouvelle@exemple.fr", PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_signed_up_teacher_whose_address_changes_verifies_the_new_one(
    client, association, school
):
    sign_up(client, school)
    client.post(path_of(link_in(mail.outbox[0])))
    client.logout()
    teacher = User.objects.get()
    teacher.email = "ines.benali2@ac-versailles.fr"
    teacher.save()
    mail.outbox.clear()
    assert log_in(client, teacher.email)["Location"] == reverse("account_email_verification_sent")
    assert not logged_in(client)
    (message,) = mail.outbox
    assert message.to == ["ines.benali2@ac-versailles.fr"]


# --- The association's setting -------------------------------------------------------------


def test_the_secretariat_lists_the_academic_domains(client):
    from tests.core.test_association import _form_data

    association = Association.get()
    client.force_login(UserFactory(secretariat=True))
    data = _form_data(
        association, signup_domains="ac-versailles.fr, @AC-Paris.fr\nac-versailles.fr"
    )
    assert client.post(reverse("core:association"), data).status_code == 302
    association.refresh_from_db()
    assert association.signup_domains == "ac-versailles.fr\nac-paris.fr"
    assert association.academic_domains == ["ac-versailles.fr", "ac-paris.fr"]
    assert association.allows_signup("Prof@AC-Paris.fr")

    data = _form_data(association, signup_domains="ac-versailles.fr\npas un domaine")
    page = client.post(reverse("core:association"), data).content.decode()
    assert "« pas » n&#x27;est pas un nom de domaine" in page
    association.refresh_from_db()
    assert association.signup_domains == "ac-versailles.fr\nac-paris.fr"


# --- The users list ------------------------------------------------------------------------


def test_the_secretariat_lists_teachers_with_their_school(client, school):
    teacher = UserFactory(email="prof@ac-versailles.fr", first_name="Inès", last_name="Benali")
    TeacherSchool.set_for(teacher, school)
    UserFactory(mandataire=True, email="mandataire@exemple.fr")
    client.force_login(UserFactory(secretariat=True))
    page = client.get(reverse("accounts:list"), {"role": "enseignant"}).content.decode()
    assert "prof@ac-versailles.fr" in page and "École Lucie Aubrac (Bagneux)" in page
    assert "mandataire@exemple.fr" not in page
    assert '<option value="enseignant" selected>Enseignant</option>' in page
    everyone = client.get(reverse("accounts:list")).content.decode()
    assert "mandataire@exemple.fr" in everyone


def test_the_users_list_says_which_sign_ups_are_not_confirmed(client, association, school):
    sign_up(client.__class__(), school)
    client.force_login(UserFactory(secretariat=True))
    page = client.get(reverse("accounts:list")).content.decode()
    assert "inscription en ligne le" in page and "adresse non confirmée" in page


def test_the_users_list_runs_the_same_queries_whatever_its_length(
    client, school, django_assert_num_queries
):
    """The session, the user, the count, the page (schools and verified addresses joined)."""
    client.force_login(UserFactory(secretariat=True))
    for _ in range(3):
        TeacherSchool.set_for(UserFactory(), school)
    with django_assert_num_queries(4):
        client.get(reverse("accounts:list"))
    for _ in range(20):
        TeacherSchool.set_for(UserFactory(), CooperativeFactory())
    with django_assert_num_queries(4):
        page = client.get(reverse("accounts:list")).content.decode()
    assert page.count("École Jules Ferry") == 20
