"""Appointing mandataires (cooperatives/services.py): one code path for the mandate form and the
import, in bulk, to verified addresses only (issue 6, 1.2), a notice to existing accounts."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperatives.models import Mandate
from cooperatives.services import (
    Appointment,
    AppointmentRefused,
    appoint_mandataire,
    appoint_mandataires,
)
from occe.accounts.models import User
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 3, 3)


def form_data(**changes):
    data = {
        "email": "collegue@ac-versailles.fr",
        "first_name": "Inès",
        "last_name": "Roux",
        "kind": "principal",
        "start_date": "2025-03-03",
    }
    return data | changes


def test_the_form_refuses_an_address_declared_without_verification(world, login):
    claimant = UserFactory(mandataire=True, email="collegue@ac-versailles.fr", verified_email=False)
    EmailAddress.objects.create(user=claimant, email=claimant.email, verified=False, primary=True)
    client = login(world.users["secretariat"])
    response = client.post(
        reverse("cooperatives:mandate_create", args=[world.own_coop.pk]), form_data()
    )
    assert response.status_code == 200
    assert "est celle d&#x27;un compte qui ne l&#x27;a pas vérifiée" in response.content.decode()
    assert not claimant.mandates.exists()
    world.own_mandate.refresh_from_db()
    assert world.own_mandate.end_date is None


def test_the_form_appoints_a_verified_account_and_tells_it(
    world, login, mailoutbox, django_capture_on_commit_callbacks
):
    colleague = UserFactory(email="collegue@ac-versailles.fr")  # a teacher, address verified
    client = login(world.users["secretariat"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cooperatives:mandate_create", args=[world.own_coop.pk]), form_data()
        )
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.is_mandataire
    assert [m.to for m in mailoutbox] == [["collegue@ac-versailles.fr"]]
    assert "Vous êtes désormais mandataire principal de la coopérative" in mailoutbox[0].body
    history = Mandate.history.filter(user=colleague).get()
    assert history.history_user == world.users["secretariat"]


def test_an_account_never_opened_is_matched_by_the_address_the_staff_gave_it(world):
    invited = User.objects.create_user("invitee@exemple.fr", role="mandataire")
    assert not EmailAddress.objects.filter(user=invited).exists()
    mandate = appoint_mandataire(
        world.own_coop,
        email="INVITEE@exemple.fr",
        first_name="",
        last_name="",
        start_date=START,
    )
    assert mandate.user == invited


def test_staff_addresses_are_refused(world):
    with pytest.raises(AppointmentRefused, match="compte de l'équipe"):
        appoint_mandataires(
            [Appointment(world.own_coop, world.users["animation"].email)], start_date=START
        )


def test_bulk_appointments_cost_the_same_queries_for_3_or_40(world):
    def queries(first: int, count: int) -> int:
        coops = [CooperativeFactory() for _ in range(count)]
        known = UserFactory(mandataire=True)
        appointments = [
            Appointment(coop, f"nouveau{first + n}@exemple.fr", "Prénom", "Nom")
            for n, coop in enumerate(coops[1:])
        ] + [Appointment(coops[0], known.email)]
        with CaptureQueriesContext(connection) as captured:
            mandates = appoint_mandataires(appointments, start_date=START)
        assert len(mandates) == count and all(m.pk for m in mandates)
        return len(captured)

    assert queries(0, 3) == queries(100, 40)


def test_a_co_mandataire_replaced_and_a_principal_kept(world):
    coop = world.own_coop
    principal = world.users["mandataire"]
    co = appoint_mandataire(
        coop, email="co1@exemple.fr", first_name="A", last_name="B", kind="co", start_date=START
    )
    later = START + datetime.timedelta(days=10)
    mandates = appoint_mandataires(
        [
            Appointment(coop, principal.email, kind="principal"),
            Appointment(coop, "co2@exemple.fr", "C", "D", kind="co"),
        ],
        start_date=later,
    )
    assert mandates[0] == world.own_mandate  # already principal: kept as is
    co.refresh_from_db()
    assert co.end_date == later - datetime.timedelta(days=1)
    assert co.end_reason.startswith("Remplacé par")
    current = Mandate.objects.current(later).filter(cooperative=coop)
    assert sorted((m.user.email, m.kind) for m in current) == [
        ("co2@exemple.fr", "co"),
        (principal.email, "principal"),
    ]
