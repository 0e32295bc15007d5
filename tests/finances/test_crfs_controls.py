"""The flags page and the board's controls: opened from a flag, run, the letter, the answers."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from finances.models import Control, ControlAction, Reason, due_date
from finances.services import crfs as services
from finances.services.errors import WorkflowError
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import (
    AffiliationFactory,
    CirconscriptionFactory,
    CooperativeFactory,
)

from .factories_crfs import ControlActionFactory, ControlFactory, CrfsFactory, last_year

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def flagged(world):
    """Last year's reports: one on paper (circonscription Nord), one with a high balance, one
    clean; and an affiliated coop without any report."""
    year = last_year()
    north = CirconscriptionFactory(name="Nord")
    paper = CrfsFactory(
        cooperative=CooperativeFactory(circonscription=north), format="papier", submitted=True
    )
    rich = CrfsFactory(
        submitted=True,
        closing_balance=Decimal("20000"),
        bank_balance=Decimal("20000"),
        pending_amount=Decimal("0"),
    )
    clean = CrfsFactory(accepted=True)
    missing = CooperativeFactory()
    AffiliationFactory(cooperative=missing, school_year=year, validated=True)
    return {"year": year, "paper": paper, "rich": rich, "clean": clean, "missing": missing}


def test_flags_list_each_reason_with_its_figures(flagged):
    year = flagged["year"]
    rows = services.flagged_coops(year, today=due_date(year))
    assert {row.cooperative for row in rows} == {
        flagged["paper"].cooperative,
        flagged["rich"].cooperative,
    }
    rich = next(row for row in rows if row.crfs == flagged["rich"])
    assert rich.reasons == [Reason.HIGH_BALANCE]
    assert "20" in rich.flags[0].detail


def test_not_returned_only_after_the_due_date(flagged):
    year = flagged["year"]
    later = services.flagged_coops(year, today=due_date(year) + datetime.timedelta(days=1))
    missing = [row for row in later if row.crfs is None]
    assert [row.cooperative for row in missing] == [flagged["missing"]]
    assert missing[0].reasons == [Reason.NOT_RETURNED]


def test_flags_filtered_by_reason_and_circonscription(flagged):
    year = flagged["year"]
    today = due_date(year)
    assert [row.crfs for row in services.flagged_coops(year, Reason.PAPER, today=today)] == [
        flagged["paper"]
    ]
    north = flagged["paper"].cooperative.circonscription
    rows = services.flagged_coops(year, circonscription=north, today=today)
    assert [row.crfs for row in rows] == [flagged["paper"]]


def test_flags_page_pins_its_queries(world, client, flagged, django_assert_max_num_queries):
    client.force_login(world.users["administrateur"])
    url = reverse("finances:crfs_flags") + f"?annee={flagged['year'].label}"
    response = client.get(url)
    assert response.status_code == 200
    assert "Ouvrir un contrôle" in response.content.decode()
    with django_assert_max_num_queries(30) as first:
        client.get(url)
    for _ in range(10):
        CrfsFactory(submitted=True, quitus=False, quitus_date=None)
    ControlFactory(cooperative=flagged["rich"].cooperative, school_year=flagged["year"])
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url)


def test_flag_counts(flagged):
    counts = services.flag_counts(flagged["year"])
    assert counts == {
        Reason.PAPER: 1,
        Reason.NO_QUITUS: 0,
        Reason.HIGH_BALANCE: 1,
        Reason.BANK_GAP: 0,
    }


def test_administrator_opens_a_control_from_a_flag(world, client, flagged):
    admin = world.users["administrateur"]
    crfs = flagged["rich"]
    client.force_login(admin)
    url = reverse("finances:control_create", args=[crfs.cooperative.pk, crfs.school_year.label])
    response = client.get(url)
    form = response.context["form"]
    assert form.initial["reason_high_balance"] is True
    assert form.initial["assigned"] == [admin.pk]
    data = {
        "reason_high_balance": "on",
        "assigned": [admin.pk],
        "status": "ouvert",
        "opened_on": timezone.localdate().isoformat(),
    }
    response = client.post(url, data)
    control = Control.objects.get()
    assert response.status_code == 302
    assert control.reasons == [Reason.HIGH_BALANCE]
    assert list(control.assigned.all()) == [admin]
    assert control.created_by == admin


@pytest.mark.parametrize("count", [0, 4])
def test_one_to_three_administrators(world, client, count):
    admins = [UserFactory(administrateur=True) for _ in range(count)]
    client.force_login(world.users["administrateur"])
    url = reverse("finances:control_create", args=[world.own_coop.pk, last_year().label])
    data = {
        "reason_on_request": "on",
        "note": "Demande de l'IEN",
        "assigned": [a.pk for a in admins],
        "status": "ouvert",
        "opened_on": timezone.localdate().isoformat(),
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "de 1 à 3 administrateurs" in response.context["form"].errors["assigned"][0]


def test_on_request_needs_a_note_and_closing_an_outcome(world, client):
    admin = world.users["administrateur"]
    control = ControlFactory(cooperative=world.own_coop, created_by=admin)
    client.force_login(admin)
    data = {
        "reason_on_request": "on",
        "assigned": [admin.pk],
        "status": "cloture",
        "opened_on": control.opened_on.isoformat(),
    }
    response = client.post(reverse("finances:control_edit", args=[control.pk]), data)
    errors = response.context["form"].errors
    assert "note" in errors and "outcome" in errors and "closed_on" in errors


def test_secretariat_reads_but_does_not_run_controls(world, client):
    control = ControlFactory(cooperative=world.own_coop)
    client.force_login(world.users["secretariat"])
    assert client.get(reverse("finances:control_detail", args=[control.pk])).status_code == 200
    assert client.get(reverse("finances:control_edit", args=[control.pk])).status_code == 403
    with pytest.raises(WorkflowError):
        services.send_letter(control, world.users["secretariat"])


def test_mandataire_sees_the_control_once_the_letter_is_sent_and_answers(world, client):
    admin, mandataire = world.users["administrateur"], world.users["mandataire"]
    control = ControlFactory(cooperative=world.own_coop, created_by=admin)
    action = ControlActionFactory(control=control)
    detail = reverse("finances:control_detail", args=[control.pk])
    client.force_login(mandataire)
    assert client.get(detail).status_code == 404  # before the letter: not theirs to see
    with pytest.raises(WorkflowError, match="constats"):
        services.send_letter(control, admin)
    control.findings = "Pas de rapprochement bancaire."
    control.save()
    services.send_letter(control, admin)

    response = client.get(detail)
    assert response.status_code == 200
    assert "Pas de rapprochement bancaire." in response.content.decode()
    letter = client.get(reverse("finances:control_letter", args=[control.pk]))
    assert action.description in letter.content.decode()
    client.post(
        reverse("finances:control_action_answer", args=[action.pk]),
        {
            "reponse-answer": "Rapprochement fait, ci-joint.",
            "reponse-answer_file": SimpleUploadedFile("rapprochement.pdf", PDF),
        },
    )
    action.refresh_from_db()
    assert action.status == ControlAction.Status.ANSWERED
    assert action.answer_file

    client.force_login(world.users["autre_mandataire"])
    assert client.get(detail).status_code == 404


def test_answer_attachment_checked_by_content(world, client):
    control = ControlFactory(
        cooperative=world.own_coop, findings="x", letter_sent_at=timezone.now()
    )
    action = ControlActionFactory(control=control)
    client.force_login(world.users["mandataire"])
    client.post(
        reverse("finances:control_action_answer", args=[action.pk]),
        {
            "reponse-answer": "Voilà",
            "reponse-answer_file": SimpleUploadedFile("x.pdf", b"MZ not a pdf"),
        },
    )
    action.refresh_from_db()
    assert action.status == ControlAction.Status.TODO


def test_overdue_actions_listed(world, client):
    control = ControlFactory(cooperative=world.own_coop)
    late = ControlActionFactory(
        control=control, due_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    ControlActionFactory(control=control)  # not due yet
    ControlActionFactory(
        control=control,
        due_date=timezone.localdate() - datetime.timedelta(days=3),
        status=ControlAction.Status.DONE,
    )
    client.force_login(world.users["secretariat"])
    response = client.get(reverse("finances:control_overdue"))
    assert list(response.context["page"]) == [late]


def test_control_history_is_kept(world):
    control = ControlFactory(cooperative=world.own_coop)
    control.status = Control.Status.VISIT_PLANNED
    control.save()
    assert control.history.first().status == Control.Status.VISIT_PLANNED
    assert control.history.filter(status=Control.Status.OPEN).exists()


def test_figures_by_category_and_subsidy(world, client, django_assert_max_num_queries):
    from finances import figures_crfs as figures
    from finances.models import CrfsCategory, CrfsLine

    categories = {c.label: c for c in CrfsCategory.objects.ensure_defaults()}
    municipal = categories["Subventions de la commune"]
    year = last_year()
    for amount in ("300.00", "200.50"):
        crfs = CrfsFactory(submitted=True, school_year=year)
        CrfsLine.objects.create(crfs=crfs, category=municipal, amount=Decimal(amount))
    draft = CrfsFactory(school_year=year)  # not received: not counted
    CrfsLine.objects.create(crfs=draft, category=municipal, amount=Decimal("999"))
    assert figures.municipal_subsidies(year) == {"coops": 2, "total": Decimal("500.50")}
    row = next(r for r in figures.totals_by_category(year) if r["label"] == municipal.label)
    assert row["total"] == Decimal("500.50") and row["coops"] == 2
    ControlFactory(
        school_year=year,
        reason_bank_gap=True,
        outcome="conforme",
        status="cloture",
        closed_on=timezone.localdate(),
    )
    assert figures.controls_by_reason(year)[Reason.BANK_GAP] == 1
    assert figures.controls_by_outcome(year)["conforme"] == 1

    client.force_login(world.users["administrateur"])
    url = reverse("finances:crfs_figures") + f"?annee={year.label}"
    with django_assert_max_num_queries(30):
        response = client.get(url)
    assert "500,50" in response.content.decode().replace("\u202f", " ")
    export = client.get(reverse("finances:crfs_figures_export") + f"?annee={year.label}")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_letter_rendered_in_the_background_and_announced(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    admin = world.users["administrateur"]
    control = ControlFactory(
        cooperative=world.own_coop, created_by=admin, findings="Rapprochement bancaire absent."
    )
    ControlActionFactory(control=control)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_letter(control, admin)
    control.refresh_from_db()
    assert control.letter_pdf
    with control.letter_pdf.open("rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert [m.to for m in mailoutbox] == [[world.users["mandataire"].email]]
    client.force_login(world.users["mandataire"])
    response = client.get(reverse("finances:control_letter_pdf", args=[control.pk]))
    assert response["Content-Type"] == "application/pdf"
    # Sending again renders nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        services.send_letter(control, admin)
    assert len(mailoutbox) == 1


def test_home_cards_count_what_their_page_lists(world, client):
    from django.test import RequestFactory

    from finances.navigation_crfs import crfs_home_cards

    def cards(user):
        request = RequestFactory().get("/")
        request.user = user
        return {card.label: card for card in crfs_home_cards(request)}

    assert cards(world.users["secretariat"]) == {}
    CrfsFactory(cooperative=world.own_coop, submitted=True)
    card = cards(world.users["secretariat"])["Comptes rendus financiers à examiner"]
    client.force_login(world.users["secretariat"])
    assert card.value == client.get(card.url).context["page"].paginator.count == 1
    admin = world.users["administrateur"]
    ControlActionFactory(
        control=ControlFactory(
            cooperative=world.own_coop, letter_sent_at=timezone.now(), assigned=[admin]
        ),
        due_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert cards(admin)["Actions de suivi en retard de mes contrôles"].value == 1
    assert cards(admin)["Contrôles qui me sont confiés"].value == 1
    assert cards(world.users["mandataire"])["Lettres de contrôle reçues"].value == 1
    # The other coop has no report of last year yet, and no control letter.
    assert set(cards(world.users["autre_mandataire"])) == {
        f"Comptes rendus financiers {world.year.previous().label} à remplir"
    }
