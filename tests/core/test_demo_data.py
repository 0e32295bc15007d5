from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from cooperatives.demo import generate
from cooperatives.models import (
    AccompanimentEntry,
    Affiliation,
    Circonscription,
    Cooperative,
    Mandate,
    validate_uai,
)
from occe.accounts.mfa import DEMO_TOTP_SECRET, current_code
from occe.accounts.models import Role, User
from occe.core import demo
from occe.core.demo_apps import demo_modules
from occe.core.models import Association, SchoolYear

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("demo_data", "--force", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """What a user would see of the generated department, without database ids."""
    return {
        "coops": list(
            Cooperative.objects.order_by("number").values_list(
                "number",
                "uai",
                "name",
                "type",
                "commune",
                "circonscription__name",
                "priority_education",
                "status",
            )
        ),
        "affiliations": list(
            Affiliation.objects.order_by(
                "cooperative__number", "school_year__start_year"
            ).values_list(
                "cooperative__number",
                "school_year__start_year",
                "classes",
                "pupils",
                "adults",
                "status",
                "fee_pupils",
            )
        ),
        "mandates": list(
            Mandate.objects.order_by("cooperative__number", "kind", "start_date").values_list(
                "cooperative__number", "kind", "start_date", "end_date", "user__email"
            )
        ),
        "accompaniments": sorted(
            AccompanimentEntry.objects.values_list(
                "cooperative__number", "date", "topic", "channel", "staff__email"
            )
        ),
        "iens": list(Circonscription.objects.values_list("name", "ien")),
    }


class Rollback(Exception):
    pass


def generated(seed: int) -> dict:
    """The snapshot of a generation, rolled back so the next one starts from an empty base."""
    result = {}
    try:
        with transaction.atomic():
            generate(demo.SCALES["test"], seed=seed)
            result = snapshot()
            raise Rollback
    except Rollback:
        pass
    return result


def test_demo_data_creates_a_small_department():
    output = run("--scale", "test", "--seed", "3")
    current = SchoolYear.objects.current()
    previous = current.previous()

    assert Cooperative.objects.count() == 30
    assert Circonscription.objects.count() == 20
    assert Cooperative.objects.filter(status=Cooperative.Status.RADIEE).count() >= 1
    types = Counter(Cooperative.objects.values_list("type", flat=True))
    assert types["maternelle"] + types["elementaire"] + types["primaire"] >= 27
    for uai in Cooperative.objects.values_list("uai", flat=True):
        validate_uai(uai)
    assert len(set(Cooperative.objects.values_list("uai", flat=True))) == 30

    # Two school years: everyone validated last year, the seed's totals scaled to 30 coops.
    last_year = Affiliation.objects.filter(school_year=previous)
    assert set(last_year.values_list("status", flat=True)) == {Affiliation.Status.VALIDATED}
    totals = last_year.totals()
    assert totals["coops"] == 30
    assert totals["classes"] == round(6198 * 30 / 625)
    assert totals["pupils"] == round(139_039 * 30 / 625)
    assert totals["adults"] == round(7223 * 30 / 625)
    this_year = Affiliation.objects.filter(school_year=current)
    assert 0.97 * totals["members"] < this_year.totals()["members"] < totals["members"]
    assert this_year.count() < Cooperative.objects.active().count()  # some not affiliated yet
    assert not this_year.filter(cooperative__status=Cooperative.Status.RADIEE).exists()
    association = Association.get()
    affiliation = this_year.first()
    fee = (affiliation.fee_pupils, affiliation.fee_adults, affiliation.fee_insurance)
    affiliation.compute_fee(association)
    assert fee == (affiliation.fee_pupils, affiliation.fee_adults, affiliation.fee_insurance)

    # One current principal per active coop, and the association's identity.
    principals = Mandate.objects.current().filter(kind=Mandate.Kind.PRINCIPAL)
    assert principals.filter(cooperative__status="active").count() == (
        Cooperative.objects.active().count()
    )
    assert Mandate.objects.filter(end_date__isnull=False).exists()
    assert AccompanimentEntry.objects.count() >= 5
    assert association.name.startswith("OCCE 92")
    assert association.signatory_name and len(association.siren) == 9
    association.full_clean()

    # The printout names every demo account, the password and how to get a TOTP code.
    for email in ["secretariat", "animation", "president", "mandataire", "enseignant"]:
        assert f"{email}@{demo.DOMAIN}" in output
    assert demo.PASSWORD in output
    assert DEMO_TOTP_SECRET in output
    assert "manage.py totp_code" in output


def test_every_active_coop_has_one_current_principal():
    run("--scale", "test")
    for coop in Cooperative.objects.active():
        kinds = [m.kind for m in coop.mandates.all() if m.is_current]
        assert kinds.count(Mandate.Kind.PRINCIPAL) == 1


def test_demo_accounts_cover_every_role_and_staff_have_totp():
    run("--coops", "12")
    assert Cooperative.objects.count() == 12
    users = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=demo.DOMAIN)}
    assert users["secretariat"].role == Role.SECRETARIAT
    assert users["animation"].role == Role.ANIMATION
    assert users["president"].role == Role.ADMINISTRATEUR and users["president"].is_signataire
    assert users["enseignant"].role == Role.ENSEIGNANT
    mandataire = users["mandataire"]
    assert Cooperative.objects.visible_to(mandataire).count() == 1
    for key in ["secretariat", "animation", "president"]:
        assert current_code(users[key])  # TOTP activated
    assert User.objects.get(email__startswith="mandataire").check_password(demo.PASSWORD)


def test_the_secretariat_demo_account_logs_in_with_password_then_totp(client):
    run("--scale", "test")
    email = f"secretariat@{demo.DOMAIN}"
    response = client.post(reverse("account_login"), {"login": email, "password": demo.PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    user = User.objects.get(email=email)
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(user)})
    assert response.status_code == 302
    assert client.get(reverse("cooperatives:list")).status_code == 200


def test_the_mandataire_demo_account_sees_its_coop(client):
    run("--scale", "test")
    response = client.post(
        reverse("account_login"),
        {"login": f"mandataire@{demo.DOMAIN}", "password": demo.PASSWORD},
    )
    assert response.status_code == 302
    page = client.get(reverse("cooperatives:list"))
    assert page.context["page"].paginator.count == 1


def test_same_seed_same_data_other_seed_other_data():
    first = generated(seed=7)
    assert first["coops"]
    assert generated(seed=7) == first
    assert generated(seed=8) != first


def test_if_empty_does_nothing_when_coops_exist_but_prints_logins():
    run("--scale", "test")
    before = (Cooperative.objects.count(), Affiliation.objects.count(), User.objects.count())
    output = run("--scale", "test", "--if-empty")
    assert "aucune donnée n'est créée" in output
    assert f"secretariat@{demo.DOMAIN}" in output
    assert (Cooperative.objects.count(), Affiliation.objects.count(), User.objects.count()) == (
        before
    )


def test_refuses_to_add_a_department_to_a_non_empty_base():
    run("--coops", "3")
    with pytest.raises(CommandError, match="déjà des données"):
        run("--coops", "3")


def test_refuses_to_run_with_debug_off_unless_forced(settings):
    """The demo accounts have a published password: not on a real server by mistake."""
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("demo_data", "--coops", "3", stdout=StringIO())
    assert not Cooperative.objects.exists() and not User.objects.exists()
    settings.DEBUG = True
    call_command("demo_data", "--coops", "3", stdout=StringIO())
    assert Cooperative.objects.count() == 3


def test_each_app_populates_after_the_apps_it_depends_on():
    names = [module.__name__ for module in demo_modules()]
    assert names[0] == "occe.core.demo"  # the accounts and the association, first
    department = names.index("cooperatives.demo")
    for later in ["occe.association.demo", "finances.demo", "formations.demo", "prets.demo"]:
        assert names.index(later) > department, later
